"""Read side of shared spaces, shared by the API, the pages, the dashboard cards and the services:
a day's bounds and slots, a space's availability, whether check-in is open, and the community
comparison figures."""

from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import policy
from anju.core.comparison import Metric, ratio

from .choices import HOLDING, BookingStatus
from .models import Booking
from .rules import setting


def day_bounds(day):
    """(start, end) of ``day`` in the current time zone, for range filters on start times."""
    start = datetime.combine(day, time(0), tzinfo=timezone.get_current_timezone())
    return start, start + timedelta(days=1)


#: The bookings that take place (the "bookings today" card and the list it opens count these).
TAKING_PLACE = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.COMPLETED)


def on_day(bookings, day):
    """The bookings starting on ``day`` (a range of start times, index friendly)."""
    start, end = day_bounds(day)
    return bookings.filter(starts_at__gte=start, starts_at__lt=end)


def upcoming(bookings, now=None, days=None):
    """The bookings still ahead that hold their time (not yet over), soonest first; with
    ``days``, only those starting within that many days (the resident home shows a week)."""
    now = now or timezone.now()
    bookings = bookings.filter(status__in=HOLDING, ends_at__gt=now)
    if days is not None:
        bookings = bookings.filter(starts_at__lt=now + timedelta(days=days))
    return bookings.order_by("starts_at", "id")


def taking_place(bookings):
    return bookings.filter(status__in=TAKING_PLACE)


def day_slots(space, day):
    """The space's slots on ``day`` as (start, end) aware datetimes in the current time zone."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, space.opens_at, tzinfo=zone)
    close = datetime.combine(day, space.closes_at, tzinfo=zone)
    step = timedelta(minutes=space.slot_minutes)
    slots = []
    while start + step <= close:
        slots.append((start, start + step))
        start += step
    return slots


def availability(space, day, *, now=None):
    """Each slot of ``day``: its times, whether it is free, past, or beyond the booking window.
    Who booked a taken slot is not said (residents see the grid)."""
    now = now or timezone.now()
    slots = day_slots(space, day)
    if not slots:
        return []
    taken = list(
        Booking.objects.filter(
            space=space,
            status__in=HOLDING,
            starts_at__lt=slots[-1][1],
            ends_at__gt=slots[0][0],
        ).values_list("starts_at", "ends_at")
    )
    last_day = timezone.localdate(now) + timedelta(days=space.book_days_ahead)
    return [
        {
            "starts_at": start,
            "ends_at": end,
            "free": not any(s < end and e > start for s, e in taken),
            "past": start <= now,
            "bookable": start > now and day <= last_day and space.active,
        }
        for start, end in slots
    ]


def check_in_open(booking, now=None):
    """Whether check-in is open now: from ``checkin_early_minutes`` before the start to the end."""
    now = now or timezone.now()
    early = booking.starts_at - timedelta(minutes=setting("checkin_early_minutes"))
    return early <= now < booking.ends_at


def may_check_in(booking, now=None):
    """Whether the booking can be checked in now: its state allows it and the window is open
    (the console and the portal offer the button by this; ``services.check_in`` enforces both)."""
    return "check-in" in booking.machine.allowed_actions(booking.status) and check_in_open(
        booking, now
    )


def community_metrics(user, community_ids, start, end, now=None):
    """小区对比: bookings used in the period and the share of no-shows, by community."""
    if not policy.staff_has(user, "spaces.booking.view"):
        return []
    lo, hi = day_bounds(start)[0], day_bounds(end)[1]
    rows = {
        row["community_id"]: row
        for row in Booking.objects.visible_to(user, "spaces.booking.view")
        .filter(community_id__in=community_ids, starts_at__gte=lo, starts_at__lt=hi)
        .values("community_id")
        .annotate(
            used=Count(
                "id", filter=Q(status__in=[BookingStatus.CHECKED_IN, BookingStatus.COMPLETED])
            ),
            missed=Count("id", filter=Q(status=BookingStatus.NO_SHOW)),
        )
        .order_by()
    }
    section = _("Shared spaces")
    return [
        Metric(
            "bookings_used",
            _("Bookings used"),
            "",
            "",
            {cid: rows.get(cid, {}).get("used", 0) for cid in community_ids},
            section,
        ),
        Metric(
            "no_shows",
            _("No-show share"),
            "%",
            "low",
            {
                cid: ratio(rows[cid]["missed"], rows[cid]["used"] + rows[cid]["missed"])
                if cid in rows
                else None
                for cid in community_ids
            },
            section,
        ),
    ]
