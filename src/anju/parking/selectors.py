"""The read side of parking: scoped lists for the API and pages, occupancy, passes in force."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from anju.core.choices import HouseUsage
from anju.core.models import House

from .choices import INSIDE, ContractKind, SessionState
from .law import planned_q
from .models import ParkingLot, ParkingSpace, Pass, Session, SpaceContract, Vehicle


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
