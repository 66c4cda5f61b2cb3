"""Core write operations. Every write goes through here: validated, atomic, audited."""

from django.db import transaction
from django.utils.translation import gettext as _

from . import audit, bounds, idnumbers
from .choices import OWNER_RELATIONS
from .errors import DomainError, full_clean
from .models import (
    Building,
    Community,
    Entrance,
    House,
    Occupancy,
    Organization,
    Person,
)

PHONE_DIGITS = 11


def validate_phone(phone: str, field="phone"):
    """Mainland mobile (11 digits starting with 1) or a landline with area code."""
    if not phone:
        return ""
    phone = phone.strip().replace(" ", "").replace("-", "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not phone.isdigit() or not (
        (len(phone) == PHONE_DIGITS and phone.startswith("1"))
        or (phone.startswith("0") and 10 <= len(phone) <= 12)
    ):
        raise DomainError(
            _("Enter a valid phone number (11-digit mobile or landline with area code)."),
            fields={
                field: [
                    _("Enter a valid phone number (11-digit mobile or landline with area code).")
                ]
            },
        )
    return phone


def _save_new(actor, obj, action, exclude=None):
    full_clean(obj, exclude=exclude)
    obj.save()
    audit.record(actor, action, obj, after=audit.snapshot(obj))
    return obj


@transaction.atomic
def create_organization(*, actor, name, **extra):
    org = Organization(name=name, **extra)
    full_clean(org)
    org.save()
    audit.record(
        actor, "core.organization.created", org, organization=org, after=audit.snapshot(org)
    )
    return org


@transaction.atomic
def create_community(*, actor, organization, name, **extra):
    return _save_new(
        actor, Community(organization=organization, name=name, **extra), "core.community.created"
    )


@transaction.atomic
def create_building(*, actor, community, name, **extra):
    obj = Building(
        organization_id=community.organization_id, community=community, name=name, **extra
    )
    return _save_new(actor, obj, "core.building.created")


@transaction.atomic
def create_entrance(*, actor, building, name):
    obj = Entrance(
        organization_id=building.organization_id,
        community_id=building.community_id,
        building=building,
        name=name,
    )
    return _save_new(actor, obj, "core.entrance.created")


@transaction.atomic
def create_house(*, actor, building, number, area, **extra):
    bounds.area(area)
    bounds.floor(extra.get("floor"))
    entrance = extra.get("entrance")
    if entrance is not None and entrance.building_id != building.pk:
        raise DomainError(
            _("The entrance belongs to another building."),
            fields={"entrance": [_("The entrance belongs to another building.")]},
        )
    obj = House(
        organization_id=building.organization_id,
        community_id=building.community_id,
        building=building,
        number=str(number).strip(),
        area=area,
        **extra,
    )
    return _save_new(actor, obj, "core.house.created")


@transaction.atomic
def create_person(*, actor, organization, name, phone="", id_number="", **extra):
    obj = Person(
        organization=organization,
        name=name.strip(),
        phone=validate_phone(phone),
        id_number=idnumbers.normalise(id_number),
        **extra,
    )
    return _save_new(actor, obj, "core.person.created", exclude=["id_number_index"])


@transaction.atomic
def create_occupancy(
    *,
    actor,
    house,
    person,
    relation,
    is_payer=False,
    is_representative=False,
    since=None,
    until=None,
):
    if person.organization_id != house.organization_id:
        message = _("The person belongs to another company.")
        raise DomainError(message, fields={"person": [message]})
    if is_representative and relation not in OWNER_RELATIONS:
        message = _("Only an owner or co-owner can vote for the house.")
        raise DomainError(message, fields={"is_representative": [message]})
    if is_representative:
        _clear_representative(actor, house)
    obj = Occupancy(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        person=person,
        relation=relation,
        is_payer=is_payer,
        is_representative=is_representative,
        since=since,
        until=until,
    )
    return _save_new(actor, obj, "core.occupancy.created")


def _clear_representative(actor, house, keep=None):
    current = Occupancy.objects.filter(house=house, is_representative=True, until__isnull=True)
    if keep is not None:
        current = current.exclude(pk=keep.pk)
    for occ in current.select_for_update():
        occ.is_representative = False
        occ.save(update_fields=["is_representative"])
        audit.record(
            actor,
            "core.occupancy.representative_cleared",
            occ,
            before={"is_representative": True},
            after={"is_representative": False},
        )


@transaction.atomic
def end_occupancy(occupancy, *, actor, until):
    """Move-out or sale: the relation ends; the history stays."""
    before = audit.snapshot(occupancy)
    occupancy.until = until
    occupancy.is_representative = False
    full_clean(occupancy)
    occupancy.save(update_fields=["until", "is_representative"])
    audit.record(
        actor, "core.occupancy.ended", occupancy, before=before, after=audit.snapshot(occupancy)
    )
    return occupancy


@transaction.atomic
def update_object(obj, data: dict, *, actor, action=None):
    """Change fields of a core object, validated and audited."""
    before = audit.snapshot(obj)
    if isinstance(obj, Person):
        if "phone" in data:
            data["phone"] = validate_phone(data["phone"])
        if "id_number" in data:
            data["id_number"] = idnumbers.normalise(data["id_number"])
    if isinstance(obj, House):
        if "area" in data:
            bounds.area(data["area"])
        if "floor" in data:
            bounds.floor(data["floor"])
    if isinstance(obj, Occupancy) and data.get("is_representative"):
        relation = data.get("relation", obj.relation)
        if relation not in OWNER_RELATIONS:
            message = _("Only an owner or co-owner can vote for the house.")
            raise DomainError(message, fields={"is_representative": [message]})
        _clear_representative(actor, obj.house, keep=obj)
    for name, value in data.items():
        setattr(obj, name, value)
    full_clean(obj, exclude=["id_number_index"] if isinstance(obj, Person) else None)
    obj.save()
    after = audit.snapshot(obj)
    changed_before = {k: v for k, v in before.items() if after.get(k) != v}
    changed_after = {k: after[k] for k in changed_before}
    name = action or f"core.{obj._meta.model_name}.changed"
    kwargs = {"organization": obj} if isinstance(obj, Organization) else {}
    audit.record(actor, name, obj, before=changed_before, after=changed_after, **kwargs)
    return obj


@transaction.atomic
def delete_object(obj, *, actor):
    before = audit.snapshot(obj)
    kwargs = {"organization": obj} if isinstance(obj, Organization) else {}
    audit.record(actor, f"core.{obj._meta.model_name}.deleted", obj, before=before, **kwargs)
    try:
        obj.delete()
    except Exception as exc:  # ProtectedError: dependent rows exist
        from django.db.models import ProtectedError

        if isinstance(exc, ProtectedError):
            raise DomainError(
                _("This record is still in use and cannot be deleted."), code="protected"
            ) from exc
        raise


@transaction.atomic
def set_large_text(*, actor, enabled: bool):
    actor.large_text = enabled
    actor.save(update_fields=["large_text"])
    return actor
