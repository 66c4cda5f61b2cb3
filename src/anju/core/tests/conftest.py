"""User shapes shared by the identity and scoping tests: every form a user's scope can take."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from anju.core.choices import Relation, Role
from anju.core.models import Membership, Occupancy, Person
from anju.core.testing import make_user

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=SH)
TODAY = date(2026, 11, 26)


@pytest.fixture
def frozen():
    # Occupancies start and end on dates: keep "today" fixed for the ORM and the SQL alike.
    with time_machine.travel(NOW, tick=False):
        yield


def occupy(person, house, *, since=None, until=None, relation=Relation.TENANT):
    return Occupancy.objects.create(
        organization=house.organization,
        community=house.community,
        house=house,
        person=person,
        relation=relation,
        since=since,
        until=until,
    )


@pytest.fixture
def shapes(world, frozen):
    """name -> user, one of each shape the scope can take."""
    org, other_org = world.org, world.other_org
    c1, c2, houses = world.community, world.community2, world.houses

    # Staff in two companies: limited to two communities in one, unlimited in the other.
    multi = make_user("multi", org=org, role=Role.AGENT, communities=[c2, c1])
    Membership.objects.create(user=multi, organization=other_org, role=Role.MANAGER)

    # An inactive membership next to an active one.
    lapsed = make_user("lapsed", org=org, role=Role.TECHNICIAN, communities=[c1])
    gone = Membership.objects.create(user=lapsed, organization=org, role=Role.MANAGER, active=False)
    gone.communities.set([c2])
    Membership.objects.create(
        user=lapsed, organization=other_org, role=Role.ORG_ADMIN, active=False
    )

    # A resident: two current homes (one since today, one until today), one ended, one future.
    person = Person.objects.create(organization=org, name="钱七", phone="13900005555")
    occupy(person, houses[2], since=TODAY)
    occupy(person, houses[4], since=date(2019, 5, 1), until=TODAY)
    occupy(person, houses[3], since=date(2020, 1, 1), until=TODAY - timedelta(days=1))
    occupy(person, houses[1], since=TODAY + timedelta(days=1))
    movers = make_user("movers", person=person, phone="13900005555")

    # A person whose only home is in the past.
    former = Person.objects.create(organization=org, name="孙八", phone="13900006666")
    occupy(former, houses[3], until=date(2025, 1, 1))
    moved_out = make_user("moved_out", person=former, phone="13900006666")

    # Staff in one community who also lives in another one.
    neighbour_staff = Person.objects.create(organization=org, name="周九", phone="13900007777")
    occupy(neighbour_staff, houses[4], relation=Relation.OWNER)
    both = make_user(
        "both",
        org=org,
        role=Role.MANAGER,
        communities=[c1],
        person=neighbour_staff,
        phone="13900007777",
    )

    inactive = make_user("inactive", org=org, role=Role.AGENT, communities=[c1])
    inactive.is_active = False
    inactive.save()

    return {
        "superuser": world.users["root"],
        "org_admin": world.users["org_admin"],
        "multi": multi,
        "lapsed": lapsed,
        "resident": world.users["resident"],
        "movers": movers,
        "moved_out": moved_out,
        "both": both,
        "inactive": inactive,
        "no_scope": make_user("no_scope"),
    }
