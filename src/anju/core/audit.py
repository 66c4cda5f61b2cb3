"""Audit log writer: every service write records who, when, what, before and after."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from .choices import ActorType
from .crypto import mask_middle
from .db import insert
from .models import AuditEntry

SENSITIVE_FIELDS = {"id_number", "password"}
MASKED_FIELDS = {"phone"}
_AS_IS = frozenset((str, int, bool, float))


def _plain(value):
    if value is None or type(value) in _AS_IS:
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or None
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def snapshot(obj, fields=None) -> dict:
    """Field values of ``obj`` for the log, personal data masked (PIPL: minimum in logs)."""
    data = {}
    for field in obj._meta.concrete_fields:
        if fields and field.name not in fields:
            continue
        if field.name in SENSITIVE_FIELDS or not field.editable and field.name != "id":
            continue
        value = getattr(obj, field.attname)
        if field.name in MASKED_FIELDS and value:
            value = mask_middle(str(value))
        data[field.name] = _plain(value)
    return data


def record(
    actor,
    action: str,
    obj=None,
    *,
    before=None,
    after=None,
    community=None,
    organization=None,
    actor_type=None,
):
    """Write one audit row. Call inside the service's transaction."""
    from .models import Community

    if community is None and obj is not None:
        if isinstance(obj, Community):
            community = obj
        elif getattr(obj, "community_id", None):
            community = obj.community
    organization_id = organization.pk if organization is not None else None
    if organization_id is None and obj is not None:
        organization_id = getattr(obj, "organization_id", None)
    if organization_id is None and community is not None:
        organization_id = community.organization_id
    if actor_type is None:
        actor_type = ActorType.USER if actor is not None else ActorType.SYSTEM
    return insert(
        AuditEntry(
            organization_id=organization_id,
            community=community,
            actor=actor if actor is not None and getattr(actor, "pk", None) else None,
            actor_type=actor_type,
            actor_label=(
                actor.get_username()
                if actor is not None and hasattr(actor, "get_username")
                else "system"
            ),
            action=action,
            content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
            object_id=str(obj.pk) if obj is not None else "",
            object_repr=str(obj)[:200] if obj is not None else "",
            before=before,
            after=after,
        )
    )


def history(obj):
    ct = ContentType.objects.get_for_model(obj)
    return AuditEntry.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related(
        "actor", "content_type"
    )


# How an action is named for people when its app gives no label of its own: the object's name
# and one of these verbs ("servicedesk.ticket.opened" -> "Ticket opened").
VERBS = {
    "created": pgettext_lazy("audit verb", "created"),
    "changed": pgettext_lazy("audit verb", "changed"),
    "updated": pgettext_lazy("audit verb", "changed"),
    "deleted": pgettext_lazy("audit verb", "deleted"),
    "removed": pgettext_lazy("audit verb", "removed"),
    "added": pgettext_lazy("audit verb", "added"),
    "opened": pgettext_lazy("audit verb", "opened"),
    "closed": pgettext_lazy("audit verb", "closed"),
    "ended": pgettext_lazy("audit verb", "ended"),
    "published": pgettext_lazy("audit verb", "published"),
    "confirmed": pgettext_lazy("audit verb", "confirmed"),
    "cancelled": pgettext_lazy("audit verb", "cancelled"),
    "approved": pgettext_lazy("audit verb", "approved"),
    "rejected": pgettext_lazy("audit verb", "rejected"),
    "issued": pgettext_lazy("audit verb", "issued"),
    "recorded": pgettext_lazy("audit verb", "recorded"),
    "assigned": pgettext_lazy("audit verb", "assigned"),
    "resolved": pgettext_lazy("audit verb", "resolved"),
    "reopened": pgettext_lazy("audit verb", "reopened"),
    "escalated": pgettext_lazy("audit verb", "escalated"),
    "submitted": pgettext_lazy("audit verb", "submitted"),
    "started": pgettext_lazy("audit verb", "started"),
    "finished": pgettext_lazy("audit verb", "finished"),
    "completed": pgettext_lazy("audit verb", "completed"),
    "sent": pgettext_lazy("audit verb", "sent"),
    "granted": pgettext_lazy("audit verb", "granted"),
    "revoked": pgettext_lazy("audit verb", "revoked"),
    "failed": pgettext_lazy("audit verb", "failed"),
    "locked": pgettext_lazy("audit verb", "locked"),
    "loaded": pgettext_lazy("audit verb", "loaded"),
    "accepted": pgettext_lazy("audit verb", "accepted"),
    "declined": pgettext_lazy("audit verb", "declined"),
    "rated": pgettext_lazy("audit verb", "rated"),
    "scanned": pgettext_lazy("audit verb", "scanned"),
    "reported": pgettext_lazy("audit verb", "reported"),
    "verified": pgettext_lazy("audit verb", "verified"),
    "archived": pgettext_lazy("audit verb", "archived"),
    "posted": pgettext_lazy("audit verb", "posted"),
    "waived": pgettext_lazy("audit verb", "waived"),
    "refunded": pgettext_lazy("audit verb", "refunded"),
}


@lru_cache(maxsize=1)
def _labels():
    from .apps import anju_apps

    labels = {}
    for config in anju_apps():
        labels.update(config.audit_labels)
    return labels


def action_label(action: str, model=None) -> str:
    """``"servicedesk.ticket.escalated"`` as people read it: the app's own label when it gives
    one, else the object's name and a verb; never the raw key."""
    label = _labels().get(action)
    if label is not None:
        return str(label)
    parts = action.split(".")
    verb = parts[-1] if len(parts) > 1 else action
    name = None
    if model is not None:
        name = model._meta.verbose_name
    elif len(parts) >= 3:
        from django.apps import apps

        try:
            name = apps.get_model(parts[0], parts[1])._meta.verbose_name
        except LookupError:
            name = None
    verb_label = VERBS.get(verb)
    if verb_label is None:
        verb_label = VERBS["changed"]
    if name is None:
        return capfirst(str(verb_label))
    return _("%(object)s %(verb)s") % {"object": capfirst(str(name)), "verb": verb_label}


def collapse(entries):
    """Consecutive entries of the same action on the same object by the same actor read as
    one line with a count (a patrol's five scans, a bulk change), not five lines."""
    out = []
    for entry in entries:
        last = out[-1] if out else None
        key = (entry.action, entry.content_type_id, entry.object_id, entry.actor_id)
        if last is not None and last.collapse_key == key:
            last.repeat += 1
            continue
        entry.collapse_key = key
        entry.repeat = 1
        out.append(entry)
    return out


def _field_label(model, key):
    if model is not None:
        try:
            field = model._meta.get_field(key)
            return capfirst(str(getattr(field, "verbose_name", None) or field.name))
        except FieldDoesNotExist:  # a payload key that is not a field (a count, a total)
            pass
    return capfirst(key.replace("_", " "))


def who(entry) -> str:
    """Who did it, as people name them: the person's name, never a login name."""
    if entry.actor is not None:
        return entry.actor.get_full_name() or entry.actor.get_username()
    if entry.actor_type == ActorType.USER:
        return str(_("A former user"))
    return str(ActorType(entry.actor_type).label)


def present(entries, collapse_repeats=True):
    """Audit rows ready for a page: ``label`` (the action in words), ``who`` (the person's
    name, "System" for the system, never a login name) and ``fields`` (changes with field
    names in words), repeated consecutive events collapsed into one with ``repeat``."""
    entries = list(entries)
    for entry in entries:
        model = entry.content_type.model_class() if entry.content_type_id else None
        entry.label = action_label(entry.action, model)
        entry.who = who(entry)
        entry.fields = [(_field_label(model, key), old, new) for key, old, new in entry.changes()]
    if collapse_repeats:
        return collapse(entries)
    for entry in entries:
        entry.repeat = 1
    return entries
