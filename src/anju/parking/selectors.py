"""The read side of parking: scoped lists for the API and pages, occupancy, passes in force."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from .choices import INSIDE, SessionState
from .models import ParkingLot, Pass, Session, Vehicle


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
