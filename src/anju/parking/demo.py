"""Demo: an underground garage of the first community with its gates, spaces, fee rule, its
published pass prices, a few residents' vehicles with passes billed and paid online (one renewed,
its bill waiting in 缴费), a space sold and one rented out to owners (the disclosure's figures),
yesterday's traffic through the gates (visitors paying at the booth, one leaving without
paying) and a shared space: the owner who bought a space lends it tomorrow and the day after,
a neighbour booked and paid part of tomorrow for a visitor's car (the split: owner's credit and
public income), all through the services."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from anju.billing import services as billing
from anju.core.choices import HouseUsage
from anju.core.models import House

from . import services
from .choices import ContractKind, GateDirection, LotKind, SpaceKind
from .models import SpaceContract
from .simulation import random_plate, simulate_day


def build(ctx):
    community = ctx.communities[0]
    manager, guard, cashier = ctx.staff["manager"], ctx.staff["guard"], ctx.staff["cashier"]
    rng = ctx.rng
    lot = services.save_lot(
        actor=manager, community=community, name="地下车库", kind=LotKind.UNDERGROUND
    )
    services.save_gate(actor=manager, lot=lot, name="东门入口", direction=GateDirection.IN)
    services.save_gate(actor=manager, lot=lot, name="东门出口", direction=GateDirection.OUT)
    services.save_rule(
        actor=manager,
        lot=lot,
        free_minutes=30,
        first_hour=Decimal("5.00"),
        per_hour=Decimal("2.00"),
        day_cap=Decimal("30.00"),
        grace_minutes=15,
        night_from=time(22, 0),
        night_until=time(7, 0),
        night_flat=Decimal("5.00"),
    )
    for period, amount in (("monthly", "300.00"), ("quarterly", "850.00"), ("yearly", "3200.00")):
        services.set_pass_price(actor=manager, lot=lot, period=period, amount=amount)
    owned = list(House.objects.filter(community=community, usage=HouseUsage.PARKING)[:6])
    spaces = [
        services.save_space(
            actor=manager, lot=lot, number=house.number, kind=SpaceKind.OWNED, house=house
        )
        for house in owned
    ]
    kinds = [SpaceKind.RENTED] * 8 + [SpaceKind.VISITOR] * 4 + [SpaceKind.ACCESSIBLE, SpaceKind.EV]
    for index, kind in enumerate(kinds, start=1):
        spaces.append(
            services.save_space(actor=manager, lot=lot, number=f"B1-{index:03d}", kind=kind)
        )
    homes = [house for _user, _person, house in ctx.residents if house.community_id == community.pk]
    homes += list(
        House.objects.filter(community=community, usage=HouseUsage.RESIDENTIAL)
        .exclude(pk__in=[h.pk for h in homes])
        .order_by("pk")[:4]
    )
    today = ctx.today
    vehicles, passes = [], []
    for index, house in enumerate(homes[:5]):
        vehicle = services.save_vehicle(actor=manager, house=house, plate=random_plate(rng))
        vehicles.append(vehicle)
        ends = today + timedelta(days=10 if index == 0 else 60 + 30 * index)
        pass_ = services.save_pass(
            actor=manager,
            vehicle=vehicle,
            lot=lot,
            space=spaces[len(owned) + index] if len(spaces) > len(owned) + index else None,
            starts=today.replace(day=1) - timedelta(days=30),
            ends=ends,
            price=Decimal("300.00"),
        )
        passes.append(pass_)
        _pay_online(manager, pass_)  # paid on the phone: in force, public income
    # The first pass ends in 10 days: renewed for a quarter, its bill waits in 缴费.
    if passes:
        services.renew_pass(actor=manager, pass_=passes[0], period="quarterly")
    _contracts(ctx, manager, spaces, owned)
    _share(ctx, manager)
    # Yesterday's traffic: residents with passes and visitors who pay at the booth.
    simulate_day(lot, today - timedelta(days=1), rng=rng, visits=16, guard=guard, cashier=cashier)
    ctx.out.write(f"Parking: 1 lot, {len(spaces)} spaces, {len(vehicles)} vehicles with passes.\n")


def _pay_online(actor, pass_):
    """The household pays the pass's bill online (billing's test provider)."""
    term = pass_.terms.order_by("pk").first()
    bill = services.term_bill(term) if term else None
    if bill is None:
        return
    payment, _created = billing.start_bills_payment(
        actor=actor, bills=[bill], channel="", provider="test"
    )
    billing.confirm_online_payment(
        payment_id=payment.pk,
        provider_ref=f"DEMO-PASS-{payment.pk}",
        amount_fen=int(payment.amount * 100),
    )


def _contracts(ctx, manager, spaces, owned):
    """An owner buys a planned space (the first owned one); another rents one for a year."""
    community = ctx.communities[0]
    residents = [(p, h) for _u, p, h in ctx.residents if h.community_id == community.pk]
    rented = [s for s in spaces if s.kind == SpaceKind.RENTED and not s.passes.exists()]
    if not residents or not (owned or rented):
        return
    person, house = residents[0]
    services.sell_space(
        actor=manager,
        space=spaces[0] if owned else rented.pop(0),
        person=person,
        house=house,
        amount="180000.00",
    )
    if len(residents) > 1 and rented:
        person, house = residents[1]
        services.rent_space(
            actor=manager,
            space=rented[0],
            person=person,
            house=house,
            starts=ctx.today.replace(day=1),
            months=12,
            amount="3600.00",
        )


def _share(ctx, manager):
    """共享车位: the community keeps 70% for the owner and the rest as public income less 6%
    costs and 5 green points per booking; the owner who bought a space offers it tomorrow and
    the day after; a neighbour books four hours tomorrow for a visitor and pays online (their
    share, public income and green points follow)."""
    community = ctx.communities[0]
    residents = [(u, h) for u, _p, h in ctx.residents if h.community_id == community.pk]
    services.save_share_rule(
        actor=manager,
        community=community,
        owner_percent=Decimal("70.00"),
        rest_to="public",
        cost_percent=Decimal("6.00"),
        price_per_hour=Decimal("4.00"),
    )
    sale = (
        SpaceContract.objects.filter(community=community, kind=ContractKind.SALE)
        .select_related("space")
        .order_by("-pk")
        .first()
    )
    owner = next((u for u, _h in residents if sale and u.person_id == sale.person_id), None)
    others = [(u, h) for u, h in residents if u != owner]
    if owner is None or not others:
        return
    space, (neighbour, home) = sale.space, others[0]
    tomorrow = timezone.localdate() + timedelta(days=1)

    def at(day, hour):
        return timezone.make_aware(datetime.combine(day, time(hour)))

    window = services.publish_window(
        actor=owner, space=space, starts=at(tomorrow, 8), ends=at(tomorrow, 18)
    )
    services.publish_window(
        actor=owner,
        space=space,
        starts=at(tomorrow + timedelta(days=1), 9),
        ends=at(tomorrow + timedelta(days=1), 17),
        price_per_hour=Decimal("5.00"),
    )
    booking = services.book(
        actor=neighbour,
        window=window,
        plate=random_plate(ctx.rng),
        house=home,
        starts=at(tomorrow, 10),
        ends=at(tomorrow, 14),
    )
    bill = services.start_share_pay(actor=neighbour, booking=booking)
    bill.refresh_from_db()
    if bill.status == "open":
        payment, _created = billing.start_bills_payment(
            actor=neighbour, bills=[bill], channel="", provider="test"
        )
        billing.confirm_online_payment(
            payment_id=payment.pk,
            provider_ref=f"DEMO-SHARE-{payment.pk}",
            amount_fen=int(payment.amount * 100),
        )
    ctx.out.write("Parking: a shared space offered twice, one booking paid.\n")
