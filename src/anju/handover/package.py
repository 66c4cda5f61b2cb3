"""The package file: a zip of ``manifest.json``, one JSON file per table under ``tables/``, the
workbook ``handover.xlsx`` (a sheet per table, for people), the attachments under ``files/``
and ``schema.md`` (the schema, as ``docs/handover-schema.md``). Writing reads only; reading
checks the file and refuses what it cannot trust, before anything is written."""

import io
import json
import zipfile
import zlib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.db.models import Count, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from anju.core.errors import refuse

from . import schema
from . import tables as T

SCHEMA_VERSION = schema.SCHEMA_VERSION
FORMAT = "anju-handover"
MANIFEST = "manifest.json"
WORKBOOK = "handover.xlsx"
MAX_UNPACKED = 4 * 1024**3  # a package is big; a zip bomb far bigger


def ref(table, pk):
    return None if pk is None else f"{table}:{pk}"


def plain(value):
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def rule_set_key(rule_set):
    return {"jurisdiction": rule_set.jurisdiction, "effective_from": plain(rule_set.effective_from)}


# -- measures ------------------------------------------------------------------------------


def money_fields(Model):  # noqa: N803 - a model class
    from anju.core.money import MoneyField

    return [f.name for f in Model._meta.concrete_fields if isinstance(f, MoneyField)]


def measure(querysets: dict) -> dict:
    """Counts per table and every money column's sum, with the arrears (what open bills still
    owe) and the deposits still held: the figures a handover must carry unchanged."""
    counts, sums = {}, {}
    for name, qs in querysets.items():
        fields = money_fields(qs.model)
        aggregates = {"n": Count("pk"), **{f: Sum(f) for f in fields}}
        found = qs.order_by().aggregate(**aggregates)
        counts[name] = found.pop("n")
        for f in fields:
            sums[f"{name}.{f}"] = plain(found[f] or Decimal("0.00"))
    if "bill" in querysets:
        Bill = querysets["bill"].model  # noqa: N806
        owed = (
            querysets["bill"].filter(status="open").aggregate(s=Sum(Bill.balance_expression()))["s"]
        )
        sums["arrears.balance"] = plain(owed or Decimal("0.00"))
    if "deposit" in querysets:
        held = querysets["deposit"].filter(status="held").aggregate(s=Sum("amount"))["s"]
        sums["deposit.held"] = plain(held or Decimal("0.00"))
    return {"counts": counts, "sums": sums}


# -- writing -------------------------------------------------------------------------------


def encode(table, obj, fields, users):
    row = {"id": ref(table.name, obj.pk)}
    for f in fields:
        value = getattr(obj, f.attname)
        if f.name in table.refs:
            row[f.name] = ref(table.refs[f.name], value)
        elif T.is_user_link(f):
            row[f.name] = users.get(value)
        elif f.is_relation:  # the one shipped reference table: rule sets
            row[f.name] = rule_set_key(getattr(obj, f.name))
        else:
            row[f.name] = plain(value)
    for name, target in table.m2m.items():
        row[name] = [ref(target, o.pk) for o in getattr(obj, name).all()]  # prefetched
    return row


def _user_names(community):
    User = apps.get_model(T.USER_MODEL)  # noqa: N806
    return {
        u.pk: (u.get_full_name() or u.username)
        for u in User.objects.filter(memberships__organization_id=community.organization_id)
    }


def _drop_dangling(rows, table, present):
    """A nullable link to a row outside the package (an open ticket's closed parent) is
    emptied; the export never writes a reference the import cannot resolve."""
    for row in rows:
        for name, target in table.refs.items():
            if row.get(name) and row[name] not in present[target]:
                row[name] = None
        for name, target in table.m2m.items():
            row[name] = [r for r in row[name] if r in present[target]]


def arrears_rows(community):
    Bill = apps.get_model("billing.Bill")  # noqa: N806
    rows = (
        Bill._base_manager.filter(community=community, status="open")
        .values("house_id")
        .annotate(bills=Count("pk"), balance=Sum(Bill.balance_expression()), since=Min("due_date"))
        .order_by("house_id")
    )
    return [
        {
            "house": ref("house", r["house_id"]),
            "bills": r["bills"],
            "balance": plain(r["balance"]),
            "oldest_due": plain(r["since"]),
        }
        for r in rows
        if r["balance"]
    ]


def write(community, *, id_numbers=False, on_progress=None) -> tuple[bytes, dict]:
    """The package of ``community`` and its manifest. Reads only."""
    users = _user_names(community)
    data, present, querysets = {}, {}, {}
    steps = len(T.TABLES) + 2
    for index, table in enumerate(T.TABLES):
        qs = T.rows_of(table, community)
        querysets[table.name] = qs
        fields = T.carried_fields(table, id_numbers=id_numbers)
        related = [f.name for f in fields if f.name == "rule_set"]
        source = qs.select_related(*related).prefetch_related(*table.m2m)
        data[table.name] = [encode(table, obj, fields, users) for obj in source.iterator(2000)]
        present[table.name] = {row["id"] for row in data[table.name]}
        if on_progress:
            on_progress(index + 1, steps, str(table.label))
    for table in T.TABLES:
        _drop_dangling(data[table.name], table, present)
    data[T.ARREARS] = arrears_rows(community)
    files, data[T.ATTACHMENT] = _attachments(community, present)
    manifest = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "generated_at": timezone.now().isoformat(),
        "source": {
            "community": ref("community", community.pk),
            "name": community.name,
            "code": community.code,
            "address": community.address,
            "jurisdiction": community.jurisdiction,
            "service_level": community.service_level,
            "service_phone": community.service_phone,
            "developer": community.developer,
            "organization": community.organization.name,
        },
        "id_numbers": bool(id_numbers),
        "tables": [t.name for t in T.TABLES] + [T.ARREARS, T.ATTACHMENT],
        **measure(querysets),
    }
    manifest["counts"][T.ARREARS] = len(data[T.ARREARS])
    manifest["counts"][T.ATTACHMENT] = len(data[T.ATTACHMENT])
    if on_progress:
        on_progress(steps - 1, steps, _("Workbook"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, _json(manifest))
        for name, rows in data.items():
            archive.writestr(f"tables/{name}.json", _json(rows))
        archive.writestr(WORKBOOK, workbook(data))
        for path, content in files.items():
            archive.writestr(path, content)
        archive.writestr("schema.md", schema.render().encode())
    return buffer.getvalue(), manifest


def _json(value):
    return json.dumps(value, ensure_ascii=False, indent=1).encode()


def _attachments(community, present):
    """The files of the rows in the package, and their table."""
    from django.contrib.contenttypes.models import ContentType

    Attachment = apps.get_model("core.Attachment")  # noqa: N806
    rows, files = [], {}
    for table in T.TABLES:
        wanted = {r.split(":", 1)[1] for r in present[table.name]}
        if not wanted:
            continue
        kind = ContentType.objects.get_for_model(table.Model)
        found = Attachment._base_manager.filter(
            content_type=kind, object_id__in=wanted, organization_id=community.organization_id
        ).order_by("pk")
        for a in found:
            try:
                with a.file.open("rb") as handle:
                    content = handle.read()
            except (OSError, ValueError):
                continue  # a file lost from storage: its row is not written either
            suffix = Path(a.file.name).suffix
            path = f"files/{a.pk}{suffix}"
            files[path] = content
            rows.append(
                {
                    "id": ref(T.ATTACHMENT, a.pk),
                    "owner": ref(table.name, a.object_id),
                    "file": path,
                    "name": a.name,
                    "caption": a.caption,
                    "media_type": a.media_type,
                    "created_at": plain(a.created_at),
                }
            )
    return files, rows


def workbook(data) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in data.items():
        sheet = book.create_sheet(name[:31])
        headers = list(rows[0]) if rows else ["id"]
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(row.get(h)) for h in headers])
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value):
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and len(value) > 32000:
        return value[:32000]
    return value


# -- reading -------------------------------------------------------------------------------


class Package:
    """An opened package: its manifest, its tables and its files."""

    def __init__(self, archive, manifest):
        self.archive = archive
        self.manifest = manifest

    def rows(self, name):
        try:
            raw = self.archive.read(f"tables/{name}.json")
        except KeyError:
            refuse("file", _("The package lacks the table “%(name)s”.") % {"name": name})
        try:
            rows = json.loads(raw)
        except ValueError:
            refuse("file", _("The table “%(name)s” is not valid JSON.") % {"name": name})
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            refuse("file", _("The table “%(name)s” is not a list of rows.") % {"name": name})
        return rows

    def file(self, path):
        try:
            return self.archive.read(path)
        except KeyError:
            refuse("file", _("The package lacks the file “%(name)s”.") % {"name": path})


def read(data: bytes) -> Package:
    """The package in ``data``, checked: a zip, not a bomb, an Anju handover manifest of the
    schema version this installation reads, every table file readable."""
    corrupted = _("The file is not a handover package (a corrupted or different zip).")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if archive.testzip() is not None:
            refuse("file", corrupted)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError):
        refuse("file", corrupted)
    except (KeyError, NotImplementedError, UnicodeDecodeError):
        refuse("file", corrupted)
    if sum(i.file_size for i in archive.infolist()) > MAX_UNPACKED:
        refuse("file", corrupted)
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError):
        refuse("file", _("The package has no readable manifest.json."))
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        refuse("file", _("The file is not an Anju handover package."))
    if manifest.get("schema_version") != SCHEMA_VERSION:
        refuse(
            "file",
            _(
                "The package is of schema version %(found)s; this installation reads version "
                "%(ours)s."
            )
            % {"found": manifest.get("schema_version"), "ours": SCHEMA_VERSION},
        )
    if not isinstance(manifest.get("source"), dict) or not manifest["source"].get("name"):
        refuse("file", _("The manifest does not name the community."))
    return Package(archive, manifest)
