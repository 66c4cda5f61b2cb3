"""The read side of parking: scoped lists for the API and pages, occupancy, passes in force."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from .choices import INSIDE, SessionState
from .models import Gate, ParkingLot, Pass, Session, Vehicle


def _in(queryset, community_id):
    return queryset.in_community(community_id) if community_id else queryset


def lots_with_occupancy(user, community_id=None):
    """The lots the user sees, each with ``spaces_count`` and ``inside`` (vehicles parked now)."""
    lots = ParkingLot.objects.visible_to(user, "parking.lot.view").select_related("community")
    return (
        _in(lots, community_id)
        .annotate(
            spaces_count=Count("spaces", distinct=True),
            inside=Count("sessions", filter=Q(sessions__state__in=INSIDE), distinct=True),
        )
        .order_by("community_id", "name")
    )


def sessions(user, community_id=None):
    rows = Session.objects.visible_to(user, "parking.session.view").select_related("lot")
    return _in(rows, community_id)


def unpaid_exits(user, community_id=None):
    return sessions(user, community_id).filter(state=SessionState.UNPAID_EXIT)


EXPIRING_DAYS = 30


def passes_expiring(user, community_id=None, days=EXPIRING_DAYS, today=None):
    today = today or timezone.localdate()
    rows = Pass.objects.visible_to(user, "parking.pass.view").select_related("vehicle", "lot")
    return _in(rows, community_id).filter(ends__gte=today, ends__lte=today + timedelta(days=days))


def inside_session(lot, plate):
    """The session of ``plate`` still inside ``lot`` (the latest), or None."""
    return (
        Session.objects.filter(lot=lot, plate=plate, state__in=INSIDE)
        .order_by("-entered_at")
        .first()
    )


def valid_pass(lot, plate, at):
    """A pass of an active vehicle with ``plate`` in ``lot`` valid on ``at``'s date, or None."""
    day = timezone.localdate(at) if timezone.is_aware(at) else at.date()
    return (
        Pass.objects.filter(
            lot=lot,
            vehicle__plate=plate,
            vehicle__active=True,
            starts__lte=day,
            ends__gte=day,
        )
        .order_by("-ends")
        .first()
    )


def active_vehicles_of(house):
    return Vehicle.objects.filter(house=house, active=True)


# The resident's side -------------------------------------------------------------------------


def my_vehicles(user):
    """The active vehicles of the homes the resident lives in now."""
    return (
        Vehicle.objects.visible_to(user, "parking.vehicle.view")
        .filter(house_id__in=user.resident_house_ids(), active=True)
        .select_related("house__building", "house__community")
        .order_by("house_id", "plate")
    )


def my_passes(user, today=None, days_back=90):
    """The passes of those vehicles, in force or ended within ``days_back`` days."""
    today = today or timezone.localdate()
    return (
        Pass.objects.visible_to(user, "parking.pass.view")
        .filter(vehicle__house_id__in=user.resident_house_ids(), vehicle__active=True)
        .filter(ends__gte=today - timedelta(days=days_back))
        .select_related("vehicle", "lot", "space")
        .order_by("-ends", "pk")
    )


def payable_by_plate(user, plate):
    """The stays of ``plate`` a resident may pay for: inside a lot of a community they live in,
    or gone without paying from one (by the exact, normalised plate only)."""
    if not plate:
        return Session.objects.none()
    return (
        Session.objects.filter(
            community_id__in=user.resident_community_ids(),
            plate=plate,
            state__in=[*INSIDE, SessionState.UNPAID_EXIT],
        )
        .select_related("lot", "lot__fee_rule")
        .order_by("-entered_at")[:5]
    )


def booth_sessions(user, plate, community_id=None):
    """A guard's lookup of ``plate``: its stays inside and its unpaid exits, in the lots the
    guard operates."""
    rows = Session.objects.visible_to(user, "parking.session.operate").select_related("lot")
    return (
        _in(rows, community_id)
        .filter(plate=plate, state__in=[*INSIDE, SessionState.UNPAID_EXIT])
        .order_by("-entered_at")[:10]
    )


def recent_unpaid_exits(user, community_id=None, limit=10):
    rows = Session.objects.visible_to(user, "parking.session.operate").select_related("lot")
    return (
        _in(rows, community_id)
        .filter(state=SessionState.UNPAID_EXIT)
        .order_by("-exited_at", "-pk")[:limit]
    )


def operated_gates(user, community_id=None):
    rows = Gate.objects.visible_to(user, "parking.session.operate").select_related("lot")
    return _in(rows, community_id).filter(lot__active=True).order_by("lot_id", "name")
