"""Audit log writer: every service write records who, when, what, before and after."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

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
    return AuditEntry.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")
