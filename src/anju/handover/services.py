"""Handover writes: making a community's package (export) and bringing one in (import).

The import is a migration of records, so it writes the rows as they were recorded (posted bills
and payments, their numbers and dates) with ``bulk_create`` in one transaction, not through the
services that would number and post them anew; it checks every count and money sum of what it
wrote against the manifest and writes nothing at all when anything is refused."""

from decimal import Decimal

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import attachments, audit
from anju.core.crypto import blind_index
from anju.core.errors import refuse
from anju.core.models import Community, House

from . import package as P
from . import tables as T
from .choices import Direction
from .models import HandoverPackage

BATCH = 1000


def make_package(*, actor, community, id_numbers=False, on_progress=None):
    """The package of ``community`` (its bytes and manifest), audit-logged. ID numbers go in
    only when ``id_numbers`` is asked for, decrypted for the receiver."""
    content, manifest = P.write(community, id_numbers=id_numbers, on_progress=on_progress)
    audit.record(
        actor,
        "handover.package.exported",
        community,
        after={"counts": manifest["counts"], "id_numbers": bool(id_numbers)},
    )
    return content, manifest


def export_community(*, actor, community, id_numbers=False, on_progress=None):
    """``make_package``, kept as a ``HandoverPackage`` for the console's download."""
    with transaction.atomic():
        content, manifest = make_package(
            actor=actor, community=community, id_numbers=id_numbers, on_progress=on_progress
        )
        name = f"handover-{community.code or community.pk}-{timezone.localdate():%Y%m%d}.zip"
        pkg = HandoverPackage(
            organization_id=community.organization_id,
            community=community,
            direction=Direction.EXPORT,
            name=name,
            size=len(content),
            id_numbers=bool(id_numbers),
            manifest=manifest,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        pkg.file.save(name, ContentFile(content), save=False)
        pkg.save()
    return pkg


def receive_package(*, actor, organization, upload):
    """Keep an uploaded package to import it in the background (the file is checked then)."""
    with transaction.atomic():
        name = (getattr(upload, "name", "") or "handover.zip")[-200:]
        pkg = HandoverPackage(
            organization=organization,
            direction=Direction.IMPORT,
            name=name,
            size=getattr(upload, "size", 0) or 0,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        pkg.file.save("import.zip", upload, save=False)
        pkg.save()
    return pkg


def import_package(*, actor, organization, data: bytes, received=None, on_progress=None):
    """Bring the package in ``data`` into ``organization``: the community (the one of that
    name the company already set up, or a new one), then every table, references remapped.
    Refused, nothing written, when the file is not a package of this schema version, when a
    house of it already exists, or when what was written does not add up to the manifest."""
    pkg = P.read(data)
    with transaction.atomic():
        community = _target_community(organization, pkg.manifest["source"])
        importer = Importer(pkg, organization, community, actor)
        importer.check_houses()
        steps = len(T.TABLES) + 2
        for index, table in enumerate(T.TABLES):
            importer.load(table)
            if on_progress:
                on_progress(index + 1, steps, str(table.label))
        importer.load_attachments()
        importer.verify()
        if received is not None:
            received.community = community
            received.manifest = pkg.manifest
            received.save(update_fields=["community", "manifest"])
        audit.record(
            actor,
            "handover.package.imported",
            community,
            after={
                "source": pkg.manifest["source"].get("community"),
                "generated_at": pkg.manifest.get("generated_at"),
                "counts": pkg.manifest.get("counts"),
            },
        )
    return community


def _target_community(organization, source):
    name = str(source.get("name", ""))[:200]
    found = Community.objects.filter(organization=organization, name=name).first()
    if found is not None:
        return found
    code = str(source.get("code") or "")
    if Community.objects.filter(organization=organization, code=code).exists():
        code = ""  # the company gives it a free code
    fields = {
        k: source[k]
        for k in ("address", "jurisdiction", "service_level", "service_phone", "developer")
        if source.get(k) not in (None, "")
    }
    community = Community(organization=organization, name=name, code=code, **fields)
    community.full_clean(validate_unique=False)
    community.save()
    return community


class Importer:
    def __init__(self, pkg, organization, community, actor):
        self.pkg = pkg
        self.organization = organization
        self.community = community
        self.actor = actor
        self.keys: dict[str, int] = {}  # package reference -> new key
        self.created: dict[str, list[int]] = {}
        self.objects: dict[str, dict] = {}

    def check_houses(self):
        buildings = {r["id"]: r.get("name") for r in self.pkg.rows("building")}
        wanted = {
            (buildings.get(r.get("building")), r.get("number")) for r in self.pkg.rows("house")
        }
        existing = House.objects.filter(community=self.community).values_list(
            "building__name", "number"
        )
        for building, number in existing:
            if (building, number) in wanted:
                refuse(
                    "file",
                    _(
                        "The house %(building)s-%(number)s already exists in %(community)s: "
                        "the package was imported before, or the community was set up by hand."
                    )
                    % {"building": building, "number": number, "community": self.community.name},
                )

    def key(self, reference, field):
        if reference in (None, ""):
            return None
        if reference not in self.keys:
            refuse(
                "file",
                _("The package refers to %(ref)s, which it does not hold.")
                % {"ref": f"{reference} ({field})"},
            )
        return self.keys[reference]

    def build(self, table, row, Model, fields):  # noqa: N803 - a model class
        obj = Model()
        if hasattr(obj, "organization_id"):
            obj.organization_id = self.organization.pk
        if any(f.name == "community" for f in Model._meta.concrete_fields):
            obj.community_id = self.community.pk
        for f in fields:
            if f.name not in row:
                continue
            value = row[f.name]
            if f.name in table.refs:
                if table.refs[f.name] == table.name:
                    continue  # a link inside the table: the second pass
                setattr(obj, f.attname, self.key(value, f.name))
            elif T.is_user_link(f):
                setattr(obj, f.attname, None)
            elif f.is_relation:
                setattr(obj, f.attname, self.rule_set(value))
            else:
                setattr(obj, f.attname, self.value(f, value, table))
        if table.name == "person" and getattr(obj, "id_number", ""):
            obj.id_number_index = blind_index(obj.id_number)
        return obj

    def value(self, f, value, table):
        try:
            return f.to_python(value)
        except Exception:  # a Django ValidationError or a bad type
            refuse(
                "file",
                _("The value of %(field)s in the table “%(table)s” cannot be read.")
                % {"field": f.name, "table": table.name},
            )

    def rule_set(self, value):
        RuleSet = apps.get_model("governance.RuleSet")  # noqa: N806
        value = value if isinstance(value, dict) else {}
        found = RuleSet.objects.filter(
            jurisdiction=value.get("jurisdiction"), effective_from=value.get("effective_from")
        ).first()
        if found is None:
            refuse("file", _("The rule set of a vote is not known here: %(key)s.") % {"key": value})
        return found.pk

    def load(self, table):
        Model = table.Model  # noqa: N806
        rows = self.pkg.rows(table.name)
        fields = T.carried_fields(table, id_numbers=True)
        objs = [self.build(table, row, Model, fields) for row in rows]
        if table.name == "payment":
            self.free_provider_refs(objs)
        try:
            with transaction.atomic():
                Model._base_manager.bulk_create(objs, batch_size=BATCH)
        except IntegrityError:
            refuse(
                "file",
                _(
                    "The rows of the table “%(name)s” clash with rows already in %(community)s "
                    "(the same name or number)."
                )
                % {"name": table.name, "community": self.community.name},
            )
        for row, obj in zip(rows, objs, strict=True):
            if not isinstance(row.get("id"), str) or row["id"] in self.keys:
                refuse(
                    "file",
                    _("The table “%(name)s” has a row without a unique id.") % {"name": table.name},
                )
            self.keys[row["id"]] = obj.pk
        self.created[table.name] = [o.pk for o in objs]
        self.objects[table.name] = {row["id"]: obj for row, obj in zip(rows, objs, strict=True)}
        later = [f for f in fields if table.refs.get(f.name) == table.name]
        later += [
            f for f in fields if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)
        ]
        if later and objs:
            for row, obj in zip(rows, objs, strict=True):
                for f in later:
                    if f.name in table.refs:
                        setattr(obj, f.attname, self.key(row.get(f.name), f.name))
                    elif row.get(f.name) is not None:
                        setattr(obj, f.attname, self.value(f, row[f.name], table))
            Model._base_manager.bulk_update(objs, [f.name for f in later], batch_size=BATCH)
        for name in table.m2m:
            m2m = Model._meta.get_field(name)
            through = m2m.remote_field.through
            source, dest = f"{m2m.m2m_field_name()}_id", f"{m2m.m2m_reverse_field_name()}_id"
            links = [
                through(**{source: obj.pk, dest: self.key(r, name)})
                for row, obj in zip(rows, objs, strict=True)
                for r in row.get(name) or []
            ]
            through.objects.bulk_create(links, batch_size=BATCH)

    def free_provider_refs(self, payments):
        """A provider's transaction number is unique across the installation: one already here
        (the package imported into the same installation) is left empty; the package keeps it."""
        Payment = apps.get_model("billing.Payment")  # noqa: N806
        refs = [p.provider_ref for p in payments if p.provider_ref]
        taken = set(
            Payment._base_manager.filter(provider_ref__in=refs).values_list(
                "method", "provider_ref"
            )
        )
        for p in payments:
            if (p.method, p.provider_ref) in taken:
                p.provider_ref = ""

    def load_attachments(self):
        for row in self.pkg.rows(T.ATTACHMENT):
            table, _sep, _pk = str(row.get("owner", "")).partition(":")
            owner = self.objects.get(table, {}).get(row.get("owner"))
            if owner is None:
                continue
            upload = SimpleUploadedFile(
                str(row.get("name") or "file")[:200],
                self.pkg.file(str(row.get("file"))),
                content_type=str(row.get("media_type") or ""),
            )
            attachments.attach(
                owner,
                [upload],
                actor=self.actor,
                field="file",
                accept=attachments.PHOTOS_OR_DOCUMENTS,
                caption=str(row.get("caption") or ""),
            )

    def verify(self):
        """What was written adds up to the manifest: every table's count and money sums."""
        querysets = {
            t.name: t.Model._base_manager.filter(pk__in=self.created[t.name]) for t in T.TABLES
        }
        found = P.measure(querysets)
        expected_counts = self.pkg.manifest.get("counts") or {}
        expected_sums = self.pkg.manifest.get("sums") or {}
        for name, count in found["counts"].items():
            if expected_counts.get(name) != count:
                refuse(
                    "file",
                    _("The table “%(name)s” holds %(found)s rows; the manifest says %(says)s.")
                    % {"name": name, "found": count, "says": expected_counts.get(name)},
                )
        for name, total in found["sums"].items():
            if Decimal(str(expected_sums.get(name, "0"))) != Decimal(total):
                refuse(
                    "file",
                    _("The sum %(name)s is %(found)s; the manifest says %(says)s.")
                    % {"name": name, "found": total, "says": expected_sums.get(name)},
                )
