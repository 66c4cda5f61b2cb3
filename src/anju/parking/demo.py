"""Demo: an underground garage of the first community with its gates, spaces, fee rule, a few
residents' vehicles with monthly passes, and yesterday's traffic through the gates (visitors
paying at the booth, one leaving without paying), all through the services."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from anju.core.choices import HouseUsage
from anju.core.models import House

from . import services
from .choices import Direction, GateDirection, LotKind, PayMethod, SpaceKind

SERIAL = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


def _plate(rng):
    return rng.choice("京沪粤浙苏川") + rng.choice("ABCDE") + "".join(rng.choices(SERIAL, k=5))


def build(ctx):
    community = ctx.communities[0]
    manager, guard, cashier = ctx.staff["manager"], ctx.staff["guard"], ctx.staff["cashier"]
    rng = ctx.rng
    lot = services.save_lot(
        actor=manager, community=community, name="地下车库", kind=LotKind.UNDERGROUND
    )
    entry = services.save_gate(actor=manager, lot=lot, name="东门入口", direction=GateDirection.IN)
    exit_ = services.save_gate(actor=manager, lot=lot, name="东门出口", direction=GateDirection.OUT)
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
    vehicles = []
    for index, house in enumerate(homes[:5]):
        vehicle = services.save_vehicle(actor=manager, house=house, plate=_plate(rng))
        vehicles.append(vehicle)
        ends = today + timedelta(days=10 if index == 0 else 60 + 30 * index)
        services.save_pass(
            actor=manager,
            vehicle=vehicle,
            lot=lot,
            space=spaces[len(owned) + index] if len(spaces) > len(owned) + index else None,
            starts=today.replace(day=1) - timedelta(days=30),
            ends=ends,
            price=Decimal("300.00"),
        )
    # Yesterday's traffic: residents with passes and visitors who pay at the booth.
    day = today - timedelta(days=1)
    tz = timezone.get_current_timezone()
    unpaid_done = False
    for _visit in range(14):
        arrive = datetime.combine(day, time(rng.randrange(7, 20), rng.randrange(60)), tz)
        stay = timedelta(minutes=rng.choice([12, 25, 50, 95, 140, 200, 330]))
        passholder = vehicles and rng.random() < 0.3
        plate = rng.choice(vehicles).plate if passholder else _plate(rng)
        event = services.record_event(
            actor=guard, lot=lot, plate=plate, direction=Direction.IN, at=arrive, gate=entry
        )
        if event.session.entered_at != arrive:
            continue  # already inside
        leave = arrive + stay
        due = services.quote(event.session, leave - timedelta(minutes=5)).amount
        if due and unpaid_done:
            services.pay(
                actor=cashier,
                session=event.session,
                method=rng.choice(PayMethod.values),
                amount=due,
                at=leave - timedelta(minutes=5),
            )
        unpaid_done = unpaid_done or bool(due)
        services.record_event(
            actor=guard, lot=lot, plate=plate, direction=Direction.OUT, at=leave, gate=exit_
        )
    # Two visitors are still inside.
    for hour in (21, 22):
        services.record_event(
            actor=guard,
            lot=lot,
            plate=_plate(rng),
            direction=Direction.IN,
            at=datetime.combine(day, time(hour, 5), tz),
            gate=entry,
        )
    ctx.out.write(f"Parking: 1 lot, {len(spaces)} spaces, {len(vehicles)} vehicles with passes.\n")
