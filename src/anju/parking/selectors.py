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


# The daily report ----------------------------------------------------------------------------


def daily_report(lot, first_day, last_day):
    """Per day of ``first_day``..``last_day`` (local dates) for ``lot``: temporary income (the
    stays' payments by the day of their last payment), entries, exits, occupancy at the day's
    end and unpaid exits. Four aggregate queries, whatever the traffic."""
    from datetime import datetime, time

    from django.db.models import Sum
    from django.db.models.functions import TruncDate

    from .choices import Direction
    from .models import ParkingEvent

    tz = timezone.get_current_timezone()
    start = datetime.combine(first_day, time.min, tz)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tz)
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    report = {
        day: {"income": 0, "entries": 0, "exits": 0, "occupancy": 0, "unpaid": 0} for day in days
    }
    events = (
        ParkingEvent.objects.filter(lot=lot, at__gte=start, at__lt=end)
        .annotate(day=TruncDate("at", tzinfo=tz))
        .values("day", "direction")
        .annotate(n=Count("pk"))
    )
    for row in events:
        report[row["day"]]["entries" if row["direction"] == Direction.IN else "exits"] = row["n"]
    sessions = Session.objects.filter(lot=lot)
    paid = (
        sessions.filter(paid_at__gte=start, paid_at__lt=end)
        .annotate(day=TruncDate("paid_at", tzinfo=tz))
        .values("day")
        .annotate(total=Sum("paid_amount"))
    )
    for row in paid:
        report[row["day"]]["income"] = row["total"]
    unpaid = (
        sessions.filter(state=SessionState.UNPAID_EXIT, exited_at__gte=start, exited_at__lt=end)
        .annotate(day=TruncDate("exited_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("pk"))
    )
    for row in unpaid:
        report[row["day"]]["unpaid"] = row["n"]
    ends = {day: datetime.combine(day + timedelta(days=1), time.min, tz) for day in days}
    occupancy = sessions.filter(entered_at__lt=end).aggregate(
        **{
            f"d{n}": Count(
                "pk",
                filter=Q(entered_at__lt=moment)
                & (Q(exited_at__isnull=True) | Q(exited_at__gte=moment)),
            )
            for n, moment in enumerate(ends.values())
        }
    )
    for n, day in enumerate(days):
        report[day]["occupancy"] = occupancy[f"d{n}"]
    return report
