"""Demo: an underground garage of the first community with its gates, spaces, fee rule, a few
residents' vehicles with monthly passes, and yesterday's traffic through the gates (visitors
paying at the booth, one leaving without paying), all through the services."""

from datetime import time, timedelta
from decimal import Decimal

from anju.core.choices import HouseUsage
from anju.core.models import House

from . import services
from .choices import GateDirection, LotKind, SpaceKind
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
        vehicle = services.save_vehicle(actor=manager, house=house, plate=random_plate(rng))
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
    simulate_day(lot, today - timedelta(days=1), rng=rng, visits=16, guard=guard, cashier=cashier)
    ctx.out.write(f"Parking: 1 lot, {len(spaces)} spaces, {len(vehicles)} vehicles with passes.\n")
