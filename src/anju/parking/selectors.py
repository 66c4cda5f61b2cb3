"""The read side of parking: scoped lists for the API and pages, occupancy, passes in force."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from anju.core.choices import HouseUsage
from anju.core.models import House
from anju.core.money import ZERO

from .choices import INSIDE, ContractKind, SessionState, WindowStatus
from .law import planned_q
from .models import (
    Gate,
    ParkingLot,
    ParkingSpace,
    Pass,
    Session,
    ShareBooking,
    ShareSplit,
    ShareWindow,
    SpaceContract,
    Vehicle,
)


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
            active=True,
            starts__lte=day,
            ends__gte=day,
        )
        .order_by("-ends")
        .first()
    )


def active_vehicles_of(house):
    return Vehicle.objects.filter(house=house, active=True)


# Sales and rentals of spaces (law.py) ---------------------------------------------------------


def _current_rentals(on):

    return SpaceContract.objects.filter(kind=ContractKind.RENTAL, starts__lte=on).filter(
        Q(ends__isnull=True) | Q(ends__gte=on)
    )


def sold_space_ids(community):

    return SpaceContract.objects.filter(community=community, kind=ContractKind.SALE).values(
        "space_id"
    )


def space_surplus(community, on=None):
    """Planned spaces left over once every home could have one (满足业主需要后仍有空余): free
    planned spaces (neither sold nor rented now) less the homes holding none. Positive means a
    surplus that may go to people from outside (民法典第276条, 北京条例第80条)."""
    on = on or timezone.localdate()
    rented = _current_rentals(on).filter(community=community)
    free = (
        ParkingSpace.objects.filter(community=community)
        .filter(planned_q())
        .exclude(pk__in=sold_space_ids(community))
        .exclude(pk__in=rented.values("space_id"))
        .count()
    )
    holding = SpaceContract.objects.filter(community=community, house__isnull=False).filter(
        Q(kind=ContractKind.SALE) | Q(pk__in=rented.values("pk"))
    )
    homes_without = (
        House.objects.filter(community=community, usage=HouseUsage.RESIDENTIAL)
        .exclude(pk__in=holding.values("house_id"))
        .count()
    )
    return free - homes_without


def planned_and_homes(community):
    """(planned spaces, homes) of the community: 上海规定第61条 compares the two."""

    spaces = ParkingSpace.objects.filter(community=community).filter(planned_q()).count()
    homes = House.objects.filter(community=community, usage=HouseUsage.RESIDENTIAL).count()
    return spaces, homes


def purchases_of(house):

    return SpaceContract.objects.filter(house=house, kind=ContractKind.SALE)


def rental_overlapping(space, starts, ends):

    rows = SpaceContract.objects.filter(space=space, kind=ContractKind.RENTAL)
    rows = rows.filter(Q(ends__isnull=True) | Q(ends__gte=starts))
    return rows.filter(starts__lte=ends) if ends else rows


# Disclosure of sales, rentals and income (民法典第943条; 北京条例第70条(七)) ------------------------


def _per_lot(queryset, lot_path, value):
    """A subquery of ``value`` (an aggregate) of ``queryset``'s rows of the outer lot."""
    from django.db.models import OuterRef, Subquery

    return Subquery(
        queryset.filter(**{lot_path: OuterRef("pk")})
        .order_by()
        .values(lot_path)
        .annotate(v=value)
        .values("v")[:1]
    )


def disclosure(user, start, end, community_id=None):
    """Per lot the user sees, for the days ``start``–``end``: its spaces; the spaces sold in the
    period (count, price) and to date; the spaces rented out long-term at the end and the
    rentals made in the period (count, rent); the passes paid (count, income); temporary parking
    income. One query, each measure a subquery of its lot."""
    from django.db.models import Sum
    from django.db.models.functions import Coalesce

    from .models import PassTerm

    zero = Decimal("0.00")
    sales = SpaceContract.objects.filter(kind=ContractKind.SALE)
    in_period = {"starts__gte": start, "starts__lte": end}
    rentals = SpaceContract.objects.filter(kind=ContractKind.RENTAL)
    terms = PassTerm.objects.filter(
        paid_at__isnull=False, paid_at__date__gte=start, paid_at__date__lte=end, amount__gt=0
    )
    paid = Session.objects.filter(paid_at__date__gte=start, paid_at__date__lte=end)
    lots = ParkingLot.objects.visible_to(user, "parking.lot.view").select_related("community")
    return (
        _in(lots, community_id)
        .annotate(
            spaces_count=Coalesce(_per_lot(ParkingSpace.objects.all(), "lot", Count("pk")), 0),
            sold_n=Coalesce(_per_lot(sales.filter(**in_period), "space__lot", Count("pk")), 0),
            sold_amount=Coalesce(
                _per_lot(sales.filter(**in_period), "space__lot", Sum("amount")), zero
            ),
            sold_total=Coalesce(_per_lot(sales, "space__lot", Count("pk")), 0),
            rented_now=Coalesce(
                _per_lot(
                    rentals.filter(starts__lte=end).filter(Q(ends__isnull=True) | Q(ends__gte=end)),
                    "space__lot",
                    Count("pk"),
                ),
                0,
            ),
            rented_n=Coalesce(_per_lot(rentals.filter(**in_period), "space__lot", Count("pk")), 0),
            rented_amount=Coalesce(
                _per_lot(rentals.filter(**in_period), "space__lot", Sum("amount")), zero
            ),
            passes_n=Coalesce(_per_lot(terms, "pass_obj__lot", Count("pk")), 0),
            passes_income=Coalesce(_per_lot(terms, "pass_obj__lot", Sum("amount")), zero),
            temporary_income=Coalesce(_per_lot(paid, "lot", Sum("paid_amount")), zero),
        )
        .order_by("community_id", "name")
    )


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


# Shared spaces (共享车位) ----------------------------------------------------------------------


def spaces_i_may_share(user, perm=None):
    """The spaces ``user`` may offer: of their parking houses, or held by them (bought or
    rented; the service decides on a tenant by the community's rule)."""
    houses = user.resident_house_ids() if getattr(user, "is_authenticated", False) else []
    if not houses:
        return ParkingSpace.objects.none()
    mine = Q(house_id__in=houses)
    if user.person_id:
        mine |= Q(holder_id=user.person_id)
    return ParkingSpace.objects.filter(mine, community_id__in=user.resident_community_ids())


def open_windows(user, now=None):
    """Windows still ahead in the communities ``user`` lives in, not their own: to book."""
    now = now or timezone.now()
    return (
        ShareWindow.objects.filter(
            community_id__in=user.resident_community_ids(),
            status__in=(WindowStatus.OPEN, WindowStatus.BOOKED),
            ends__gt=now,
        )
        .exclude(house_id__in=user.resident_house_ids())
        .select_related("space__lot")
        .prefetch_related("bookings")
        .order_by("starts")
    )


def my_windows(user, days_back=30):
    """The windows my homes published (latest first), with their bookings."""
    since = timezone.now() - timedelta(days=days_back)
    return (
        ShareWindow.objects.filter(house_id__in=user.resident_house_ids(), ends__gte=since)
        .select_related("space__lot")
        .prefetch_related("bookings")
        .order_by("-starts")
    )


def my_share_bookings(user, days_back=30):
    since = timezone.now() - timedelta(days=days_back)
    return (
        ShareBooking.objects.filter(house_id__in=user.resident_house_ids(), ends__gte=since)
        .select_related("window__space__lot")
        .order_by("-starts")
    )


def my_earnings(user):
    """What my homes earned by lending their spaces: owner's credit in total and its rows."""
    rows = ShareSplit.objects.filter(house_id__in=user.resident_house_ids())
    total = rows.aggregate(total=Sum("owner_amount"))["total"] or ZERO
    return total, rows.select_related("booking__window__space").order_by("-posted_at")[:20]


def share_bookings(user, community_id=None):
    queryset = ShareBooking.objects.visible_to(user, "parking.share.view")
    return _in(queryset, community_id).select_related("window__space__lot", "house")


def split_report(user, start, end, community_id=None):
    """Per lending household, the split of the bookings paid in ``start``–``end`` (reversals
    included): amount, owner's credit, company income, costs netted, public income."""
    queryset = _in(ShareSplit.objects.visible_to(user, "parking.share.view"), community_id)
    queryset = queryset.filter(posted_at__date__gte=start, posted_at__date__lte=end)
    rows = (
        queryset.values("community__name", "house_id", "house__number")
        .annotate(
            bookings=Count("pk", filter=Q(reverses__isnull=True)),
            amount=Sum("amount"),
            owner=Sum("owner_amount"),
            company=Sum("company_amount"),
            cost=Sum("cost_amount"),
            public=Sum("public_amount"),
        )
        .order_by("community__name", "house__number")
    )
    totals = queryset.aggregate(
        amount=Sum("amount"),
        owner=Sum("owner_amount"),
        company=Sum("company_amount"),
        cost=Sum("cost_amount"),
        public=Sum("public_amount"),
    )
    return list(rows), {k: v or ZERO for k, v in totals.items()}
