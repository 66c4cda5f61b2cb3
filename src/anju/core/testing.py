"""Test helpers shared by every app: a small world with two companies and named actors.

world = make_world()
world.users["agent"]          # staff of company A, community A1
world.users["resident"]       # owner of house A1-1-101
world.users["outsider"]       # company admin of company B
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from rest_framework.test import APIClient

from .choices import Relation, Role
from .models import Building, Community, House, Membership, Occupancy, Organization, Person, User

PASSWORD = "anju-test-pass-2026"


@dataclass
class World:
    org: Organization
    other_org: Organization
    community: Community
    community2: Community
    other_community: Community
    building: Building
    houses: list
    other_house: House
    people: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    @property
    def house(self):
        return self.houses[0]


def make_user(
    username, *, org=None, role=None, communities=(), person=None, phone=None, superuser=False
):
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        phone=phone,
        person=person,
        is_superuser=superuser,
        home_organization=org,
    )
    if role:
        membership = Membership.objects.create(user=user, organization=org, role=role)
        if communities:
            membership.communities.set(communities)
    return user


def make_world(houses=4) -> World:
    org = Organization.objects.create(name="甲物业")
    other_org = Organization.objects.create(name="乙物业")
    community = Community.objects.create(organization=org, name="甲一小区", jurisdiction="330106")
    community2 = Community.objects.create(organization=org, name="甲二小区", jurisdiction="310115")
    other_community = Community.objects.create(organization=other_org, name="乙小区")
    building = Building.objects.create(organization=org, community=community, name="1幢")
    building2 = Building.objects.create(organization=org, community=community2, name="A座")
    other_building = Building.objects.create(
        organization=other_org, community=other_community, name="9幢"
    )
    house_list = [
        House.objects.create(
            organization=org,
            community=community,
            building=building,
            number=f"1-{i + 1:02d}01",
            floor=i + 1,
            area=Decimal("100.00") + i,
        )
        for i in range(houses)
    ]
    house_list.append(
        House.objects.create(
            organization=org,
            community=community2,
            building=building2,
            number="101",
            floor=1,
            area=Decimal("88.00"),
        )
    )
    other_house = House.objects.create(
        organization=other_org,
        community=other_community,
        building=other_building,
        number="101",
        floor=1,
        area=Decimal("90.00"),
    )
    owner = Person.objects.create(
        organization=org, name="张三", phone="13900001111", id_number="110105199001011234"
    )
    tenant = Person.objects.create(organization=org, name="李四", phone="13900002222")
    neighbour = Person.objects.create(organization=org, name="王五", phone="13900003333")
    stranger = Person.objects.create(organization=other_org, name="赵六", phone="13900004444")
    Occupancy.objects.create(
        organization=org,
        community=community,
        house=house_list[0],
        person=owner,
        relation=Relation.OWNER,
        is_payer=True,
        is_representative=True,
        since=date(2020, 1, 1),
    )
    Occupancy.objects.create(
        organization=org,
        community=community,
        house=house_list[0],
        person=tenant,
        relation=Relation.TENANT,
        since=date(2024, 1, 1),
    )
    Occupancy.objects.create(
        organization=org,
        community=community,
        house=house_list[1],
        person=neighbour,
        relation=Relation.OWNER,
        is_payer=True,
        is_representative=True,
    )
    Occupancy.objects.create(
        organization=other_org,
        community=other_community,
        house=other_house,
        person=stranger,
        relation=Relation.OWNER,
        is_payer=True,
        is_representative=True,
    )
    world = World(
        org=org,
        other_org=other_org,
        community=community,
        community2=community2,
        other_community=other_community,
        building=building,
        houses=house_list,
        other_house=other_house,
        people={"owner": owner, "tenant": tenant, "neighbour": neighbour, "stranger": stranger},
    )
    world.users = {
        "root": make_user("root", superuser=True),
        "org_admin": make_user("org_admin", org=org, role=Role.ORG_ADMIN),
        "manager": make_user("manager", org=org, role=Role.MANAGER, communities=[community]),
        "manager2": make_user("manager2", org=org, role=Role.MANAGER, communities=[community2]),
        "agent": make_user("agent", org=org, role=Role.AGENT, communities=[community]),
        "technician": make_user(
            "technician", org=org, role=Role.TECHNICIAN, communities=[community]
        ),
        "guard": make_user("guard", org=org, role=Role.GUARD, communities=[community]),
        "cleaner": make_user("cleaner", org=org, role=Role.CLEANER, communities=[community]),
        "cashier": make_user("cashier", org=org, role=Role.CASHIER, communities=[community]),
        "finance": make_user("finance", org=org, role=Role.FINANCE),
        "committee": make_user("committee", org=org, role=Role.COMMITTEE, communities=[community]),
        "resident": make_user("resident", person=owner, phone="13900001111"),
        "tenant": make_user("tenant_user", person=tenant, phone="13900002222"),
        "neighbour": make_user("neighbour", person=neighbour, phone="13900003333"),
        "outsider": make_user("outsider", org=other_org, role=Role.ORG_ADMIN),
        "stranger": make_user("stranger", person=stranger, phone="13900004444"),
    }
    return world


def api_token(user) -> str:
    """A new API token for ``user``, as ``POST /api/v1/auth/token/`` would give."""
    from .logins import issue_token

    return issue_token(user)[0]


def api_client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def browser_login(page, base_url, login, *, portal=False, password=PASSWORD):
    """Log in through the real login form (console or resident portal)."""
    page.goto(f"{base_url}/{'app' if portal else 'console'}/login/")
    page.fill("#id_username", login)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


@contextmanager
def celery_worker(app, **kwargs):
    """celery.contrib.testing's ``start_worker``, then the current Celery app put back: the
    worker makes its app the current one, and shared tasks (``ping.delay``, ``progress.launch``)
    would otherwise go to its broker in every later test of the process."""
    from celery import current_app
    from celery.contrib.testing.worker import start_worker

    previous = current_app._get_current_object()
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", **kwargs) as worker:
            yield worker
    finally:
        previous.set_current()
        previous.set_default()


def restore_migration_data():
    """Put back the rows data migrations ship (solar terms, holidays, reminder templates, vote
    rule sets) when a transactional test has flushed them: each app's
    ``AnjuAppConfig.restore_reference_data``."""
    from .apps import anju_apps

    for config in anju_apps():
        config.restore_reference_data()
