"""The read side of the gate: scoped lists for the API and pages, the doors a person may open,
passes by plate for the parking gate, what waits for the guard and the resident."""

from django.db.models import Exists, OuterRef, Q

from anju.core import policy
from anju.core.choices import OWNER_RELATIONS, Relation
from anju.core.models import Occupancy

from . import plates
from .choices import DoorKind, PassStatus, ReleaseStatus, WalkInStatus
from .models import (
    Credential,
    Door,
    DoorCommand,
    ReleasePass,
    VisitorEntry,
    VisitorPass,
    WalkIn,
)


def _in(queryset, community_id):
    return queryset.in_community(community_id) if community_id else queryset


def passes(user, community_id=None):
    rows = VisitorPass.objects.visible_to(user, "gate.pass.view").select_related(
        "house__building", "community"
    )
    return _in(rows, community_id)


def my_passes(user):
    """The passes of the resident's homes (issued by anyone of the household)."""
    return (
        VisitorPass.objects.filter(house_id__in=user.resident_house_ids())
        .select_related("house__building")
        .order_by("-valid_from", "-id")
    )


def visitor_log(user, community_id=None):
    rows = VisitorEntry.objects.visible_to(user, "gate.visitor.view").select_related(
        "house__building", "by"
    )
    return _in(rows, community_id)


def walk_ins(user, community_id=None):
    rows = WalkIn.objects.visible_to(user, "gate.walkin.view").select_related(
        "house__building", "registered_by", "answered_by"
    )
    return _in(rows, community_id)


def walk_ins_waiting_for(user):
    """Walk-in visitors at the gate asking to visit the resident's homes."""
    return WalkIn.objects.filter(
        house_id__in=user.resident_house_ids(), status=WalkInStatus.PENDING
    ).select_related("house__building")


def visitor_pass_for_plate(community_id, plate, at):
    """A visitor pass of ``community_id`` carrying ``plate`` that is valid at ``at`` with an
    entry left (the one ending soonest), or None: what lets a visitor's car through the
    parking gate."""
    plate = plates.normalize(plate)
    if not plate:
        return None
    candidates = VisitorPass.objects.filter(
        community_id=community_id,
        plate=plate,
        status=PassStatus.ACTIVE,
        valid_from__lte=at,
        valid_until__gte=at,
    ).order_by("valid_until", "pk")
    for visitor_pass in candidates:
        if visitor_pass.entries_used < visitor_pass.entries:
            return visitor_pass
    return None


# Doors ---------------------------------------------------------------------------------------


def doors(user, community_id=None):
    rows = Door.objects.visible_to(user, "gate.door.view").select_related(
        "building", "community", "device"
    )
    return _in(rows, community_id)


def _homes(person_id, on=None):
    """(community id, building id) of the homes a person lives in or owns today."""
    if not person_id:
        return []
    return list(
        Occupancy.objects.active(on)
        .filter(person_id=person_id)
        .values_list("house__community_id", "house__building_id")
    )


def right_filter(homes) -> Q:
    """The doors ``homes`` give a right to: the community's gates and garages, and the
    entrances of the buildings the homes are in."""
    q = Q(pk__in=[])
    for community_id, building_id in homes:
        q |= Q(community_id=community_id) & (
            ~Q(kind=DoorKind.BUILDING_ENTRANCE) | Q(building_id=building_id)
        )
    return q


def staff_door_communities(user):
    """Communities where ``user`` opens any door as staff (a guard letting someone in)."""
    return [c for c in user.staff_community_ids() if policy.staff_has(user, "gate.door.open", c)]


def doors_openable_by(user, on=None):
    """The doors ``user`` may open now: as staff with ``gate.door.open`` any door of the
    communities they work in; as a resident the doors their current homes give (a tenant's
    end date ends them)."""
    q = right_filter(_homes(user.person_id, on))
    if user.active_memberships() or user.is_superuser:
        q |= Q(community_id__in=staff_door_communities(user))
    return (
        Door.objects.filter(active=True)
        .filter(q)
        .select_related("building", "device")
        .order_by("kind", "name")
    )


def may_open(user, door, on=None) -> bool:
    if not door.active:
        return False
    if user.is_superuser or policy.staff_has(user, "gate.door.open", door.community_id):
        return True
    return Door.objects.filter(pk=door.pk).filter(right_filter(_homes(user.person_id, on))).exists()


def door_commands(user, community_id=None):
    rows = DoorCommand.objects.visible_to(user, "gate.door.view").select_related(
        "door", "requested_by"
    )
    return _in(rows, community_id)


def door_credentials(door, on=None):
    """The credentials that open ``door`` today: active cards, QR codes and consented face
    references of people who live in or own a home that gives a right to it (a tenant's end
    date removes theirs). What the door's device keeps as its list; the face reference is an
    id, never the face data."""
    lives_there = Occupancy.objects.active(on).filter(
        house_id=OuterRef("house_id"), person_id=OuterRef("person_id")
    )
    rows = Credential.objects.filter(community_id=door.community_id, active=True).filter(
        Exists(lives_there)
    )
    if door.kind == DoorKind.BUILDING_ENTRANCE:
        rows = rows.filter(house__building_id=door.building_id)
    return rows.order_by("kind", "number")


def gateway_door(gateway, pk):
    """A door of the gateway's community, or None (another community's is unknown to it)."""
    return Door.objects.filter(pk=pk, community_id=gateway.community_id).first()


def pending_commands(gateway):
    """Commands for the devices of ``gateway``'s community that no gateway has acknowledged,
    oldest first (the HTTP polling of a gateway without MQTT)."""
    from .choices import PENDING_COMMANDS

    return (
        DoorCommand.objects.filter(community_id=gateway.community_id, status__in=PENDING_COMMANDS)
        .select_related("door__device")
        .order_by("created_at", "pk")
    )


# Goods release -------------------------------------------------------------------------------


def releases(user, community_id=None):
    rows = ReleasePass.objects.visible_to(user, "gate.release.view").select_related(
        "house__building", "applicant"
    )
    return _in(rows, community_id)


def my_releases(user):
    return (
        ReleasePass.objects.filter(house_id__in=user.resident_house_ids())
        .select_related("house__building", "applicant")
        .order_by("-date", "-id")
    )


def releases_to_confirm(user):
    """Tenants' applications waiting for this owner."""
    owned = (
        Occupancy.objects.active()
        .filter(person_id=user.person_id, relation__in=OWNER_RELATIONS)
        .values("house_id")
        if user.person_id
        else []
    )
    return ReleasePass.objects.filter(
        house_id__in=owned, status=ReleaseStatus.WAITING_OWNER
    ).select_related("house__building", "applicant")


def relation_to(user, house, on=None):
    """The person's relation to ``house`` today (owner before tenant before family), or None."""
    if not user.person_id:
        return None
    relations = set(
        Occupancy.objects.active(on)
        .filter(person_id=user.person_id, house=house)
        .values_list("relation", flat=True)
    )
    for relation in (Relation.OWNER, Relation.CO_OWNER, Relation.TENANT, Relation.FAMILY):
        if relation in relations:
            return relation
    return None
