"""Demo-like data in two companies for the policy walk: the named-actor world of
``core.testing`` (company A and company B), then every app's demo builder run for each company,
so each registered viewset has objects of both to list, read, change and act on."""

import io
import random
from decimal import Decimal
from importlib import import_module

from django.apps import apps
from django.db import transaction

from anju.core.choices import Relation
from anju.core.demo import STAFF as DEMO_STAFF
from anju.core.demo import DemoContext
from anju.core.errors import DomainError
from anju.core.models import Building, Community, House, Occupancy, Person
from anju.core.testing import make_user, make_world


def _fill(community, count=30):
    """``count`` more homes in ``community``, each with an owner (the demo builders bill, poll
    and survey a few dozen)."""
    org = community.organization
    building = Building.objects.filter(community=community).first() or Building.objects.create(
        organization=org, community=community, name="8幢"
    )
    houses = House.objects.bulk_create(
        House(
            organization=org,
            community=community,
            building=building,
            number=f"8-{i + 1:03d}",
            floor=i // 4 + 1,
            area=Decimal("80.00") + i,
        )
        for i in range(count)
    )
    people = Person.objects.bulk_create(
        Person(
            organization=org, name=f"业主{community.pk}-{i}", phone=f"1370{community.pk:03d}{i:04d}"
        )
        for i in range(count)
    )
    Occupancy.objects.bulk_create(
        Occupancy(
            organization=org,
            community=community,
            house=house,
            person=person,
            relation=Relation.OWNER,
            is_payer=True,
            is_representative=True,
        )
        for house, person in zip(houses, people, strict=True)
    )


def _second_community_of_b(world):
    community = Community.objects.create(organization=world.other_org, name="乙二小区")
    building = Building.objects.create(
        organization=world.other_org, community=community, name="2幢"
    )
    for number in ("201", "202"):
        House.objects.create(
            organization=world.other_org,
            community=community,
            building=building,
            number=number,
            floor=2,
            area=Decimal("95.00"),
        )
    return community


def build():
    world = make_world()
    root = world.users["root"]
    b2 = _second_community_of_b(world)
    communities_a = [world.community, world.community2]
    communities_b = [world.other_community, b2]
    for community in (*communities_a, *communities_b):
        _fill(community)
    residents_a = [
        (world.users["resident"], world.people["owner"], world.houses[0]),
        (world.users["neighbour"], world.people["neighbour"], world.houses[1]),
    ]
    # The demo's own staff play its parts in each company (the world's actors are the callers).
    staff_a, staff_b = {"root": root}, {"root": root}
    for staff, org, communities, prefix in (
        (staff_a, world.org, communities_a, "a"),
        (staff_b, world.other_org, communities_b, "b"),
    ):
        for login, _name, role, index in DEMO_STAFF:
            staff[login] = make_user(
                f"{prefix}-{login}",
                org=org,
                role=role,
                communities=[communities[index]] if index is not None else (),
            )
    residents_b = [(world.users["stranger"], world.people["stranger"], world.other_house)]
    contexts = [
        DemoContext(
            organization=world.org,
            communities=communities_a,
            staff=staff_a,
            residents=residents_a,
            rng=random.Random(2026),
            out=io.StringIO(),
        ),
        DemoContext(
            organization=world.other_org,
            communities=communities_b,
            staff=staff_b,
            residents=residents_b,
            rng=random.Random(2027),
            out=io.StringIO(),
        ),
    ]
    failed = []
    # The demo's collection step wants months of arrears this short history lacks: without it
    # billing still has fee items, runs, bills, payments and meters in both companies.
    from anju.billing import demo as billing_demo

    collections = billing_demo._collections

    def some_collections(ctx, community, demand):
        try:
            with transaction.atomic():
                collections(ctx, community, demand)
        except DomainError as exc:
            failed.append(f"anju.billing collections ({community.name}): {exc!r}")

    billing_demo._collections = some_collections
    try:
        _run_builders(contexts, failed)
    finally:
        billing_demo._collections = collections
    _company_rows(world, staff_a["admin"])
    for user in world.users.values():
        user.refresh_scope()
    return world, staff_b, failed


def _company_rows(world, admin):
    """Rows the demo leaves to each company's own hands: an entrance, a company holiday, a
    reminder template and an SLA policy of company A."""
    from datetime import date

    from anju.core.models import Entrance
    from anju.notices.calendar import Holiday
    from anju.notices.models import ReminderTemplate
    from anju.servicedesk import services as servicedesk

    Entrance.objects.create(
        organization=world.org, community=world.community, building=world.building, name="1单元"
    )
    Holiday.objects.create(
        organization=world.org, year=2026, key="founding", name="公司成立日", date=date(2026, 6, 8)
    )
    ReminderTemplate.objects.create(
        organization=world.org, key="walk", topic="weather", title="降温提醒", body="注意保暖"
    )
    servicedesk.set_sla_policy(
        actor=admin,
        community=world.community,
        priority="P3",
        accept_minutes=60,
        arrive_minutes=240,
        resolve_minutes=2880,
    )


def _run_builders(contexts, failed):
    for ctx in contexts:
        for config in apps.get_app_configs():
            if config.name.startswith("anju.") and config.name != "anju.core":
                try:
                    module = import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                # A builder made for the full demo may trip on this smaller world: its app then
                # has fewer objects here, and the walk says which viewsets it could not reach.
                try:
                    with transaction.atomic():
                        module.build(ctx)
                except Exception as exc:  # noqa: BLE001
                    failed.append(f"{config.name} ({ctx.organization.name}): {exc!r}")
