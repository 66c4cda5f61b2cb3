"""scoping.scope_sql writes the rules of scope_q as SQL: for every user shape and permission,
``SELECT id FROM <table> WHERE <scope_sql>`` selects exactly ``visible_to(user, perm)``."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anju.core import identity
from anju.core.choices import Relation, Role
from anju.core.models import Community, House, Membership, Occupancy, Organization, Person, User
from anju.core.scoping import NotColumnScope, Scope, scope_sql
from anju.servicedesk import services
from anju.servicedesk.models import Ticket

from .conftest import TODAY

pytestmark = pytest.mark.django_db

VIEW = "servicedesk.ticket.view"
DISPATCH = "servicedesk.ticket.dispatch"  # staff only: residents do not hold it
PERMS = [None, VIEW, DISPATCH, "servicedesk.ticket.resident", "core.house.view"]


def plain(model):
    """Scopes scope_sql can write: every path one of the model's own columns."""
    scope = model.scope
    paths = [scope.organization, scope.community, scope.house, scope.person]
    return scope.community_subquery is None and not any(p and "__" in p for p in paths)


SCOPED = [m for m in apps.get_models() if isinstance(getattr(m, "scope", None), Scope)]
PLAIN = [m for m in SCOPED if plain(m)]


def sql_ids(model, user, perm=None, alias=None):
    q = connection.ops.quote_name
    found = scope_sql(model, user, perm, alias=alias)
    where, params = found if found is not None else ("1 = 1", [])
    table = q(model._meta.db_table)
    source, name = (f"{table} {q(alias)}", q(alias)) if alias else (table, table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {name}.{q(model._meta.pk.column)} FROM {source} WHERE {where}", params
        )
        return {row[0] for row in cursor.fetchall()}


def orm_ids(model, user, perm=None):
    return set(model._default_manager.visible_to(user, perm).values_list("pk", flat=True))


def fresh(user):
    """The user as the ORM loads it (caches computed lazily), and as core.identity loads it."""
    if user is None or not user.is_authenticated:
        return [AnonymousUser()]
    return [User.objects.get(pk=user.pk), identity.user_by_id(user.pk)]


@pytest.fixture
def tickets(world, shapes):
    """Tickets across both companies, three communities, houses, common areas and reporters."""
    people = world.people
    houses = world.houses
    staff, outsider = world.users["agent"], world.users["outsider"]
    common = {"kind": "complaint", "category": "noise", "description": "夜间噪音"}
    made = []

    def open_(actor, community, **kw):
        kw = {"kind": "repair", "category": "water", "description": "漏水", **kw}
        made.append(services.create_ticket(actor=actor, community=community, **kw))

    for i, house in enumerate(houses[:4]):
        open_(staff, world.community, house=house, reporter=None)
        open_(staff, world.community, house=house, reporter=people["owner" if i else "tenant"])
    open_(world.users["resident"], world.community, house=houses[0])
    open_(world.users["neighbour"], world.community, house=houses[1])
    open_(staff, world.community, **common)  # common area, no reporter
    # Reported by the owner about a common area: visible to them through the reporter alone.
    open_(staff, world.community, reporter=people["owner"], **common)
    open_(world.users["org_admin"], world.community2, house=houses[4])
    open_(world.users["org_admin"], world.community2, house=houses[4], reporter=people["neighbour"])
    open_(world.users["manager2"], world.community2, **common)
    open_(outsider, world.other_community, house=world.other_house)
    open_(outsider, world.other_community, house=world.other_house, reporter=people["stranger"])
    open_(outsider, world.other_community, **common)
    return made


USERS = [
    "anonymous",
    "superuser",
    "org_admin",
    "multi",
    "lapsed",
    "resident",
    "movers",
    "moved_out",
    "both",
    "inactive",
    "no_scope",
    "agent",
    "manager2",
    "cleaner",
    "committee",
    "finance",
    "tenant",
    "neighbour",
    "outsider",
    "stranger",
]


def user_named(world, shapes, name):
    if name == "anonymous":
        return None
    return shapes.get(name) or world.users[name]


def test_the_tickets_tell_the_users_apart(world, shapes, tickets):
    """Different shapes see different ticket sets, so agreement below is not vacuous."""
    seen = {
        name: frozenset(orm_ids(Ticket, fresh(user_named(world, shapes, name))[0], VIEW))
        for name in USERS
    }
    assert len(set(seen.values())) >= 12
    assert seen["superuser"] == {t.pk for t in tickets}
    assert seen["anonymous"] == seen["no_scope"] == seen["committee"] == frozenset()
    assert seen["resident"] and seen["resident"] != seen["neighbour"]


@pytest.mark.parametrize("name", USERS)
def test_tickets_visible_by_sql_and_orm_agree(world, shapes, tickets, name):
    for perm in PERMS:
        for user in fresh(user_named(world, shapes, name)):
            expected = orm_ids(Ticket, user, perm)
            assert sql_ids(Ticket, user, perm) == expected, perm
            assert sql_ids(Ticket, user, perm, alias="t") == expected, perm


@pytest.mark.parametrize(
    "scope",
    [
        Scope(organization="organization", community="community", residents_see_community=True),
        Scope(organization="organization", community="community", house="house"),
        Scope(organization="organization", community="community", person="reporter"),
        Scope(organization="organization"),  # organization-wide rows
    ],
    ids=["residents_see_community", "house_only", "person_only", "organization_only"],
)
def test_scope_variants_agree(world, shapes, tickets, monkeypatch, scope):
    """The branches no plain model's scope takes today, tried on the ticket table."""
    monkeypatch.setattr(Ticket, "scope", scope)
    for name in USERS:
        for perm in PERMS:
            for user in fresh(user_named(world, shapes, name)):
                assert sql_ids(Ticket, user, perm) == orm_ids(Ticket, user, perm), (name, perm)


def test_superuser_is_everything_and_anonymous_nothing(world, shapes):
    assert scope_sql(Ticket, world.users["root"], VIEW) is None
    assert scope_sql(Ticket, AnonymousUser(), VIEW) == ("1 = 0", [])
    assert scope_sql(Ticket, shapes["no_scope"], VIEW) == ("1 = 0", [])
    # Residents do not dispatch: their houses do not widen a staff-only permission.
    assert scope_sql(Ticket, world.users["resident"], DISPATCH) == ("1 = 0", [])


def test_values_are_parameters(world, shapes):
    sql, params = scope_sql(Ticket, shapes["both"], VIEW, alias="t")
    assert not any(ch.isdigit() for ch in sql)  # ids and dates travel as parameters
    assert '"t".' in sql
    assert params


def test_every_plain_scope_agrees(world, shapes, tickets):
    """The other models whose scope paths are their own columns (an empty table still checks
    that the SQL is valid); combinations scope_sql declines (NotColumnScope) are skipped."""
    assert len(PLAIN) > 40
    users = [(name, user) for name in USERS for user in fresh(user_named(world, shapes, name))]
    checked = set()
    for model in PLAIN:
        for name, user in users:
            for perm in (None, VIEW, DISPATCH, "core.house.view"):
                try:
                    found = sql_ids(model, user, perm)
                except NotColumnScope:
                    continue
                assert found == orm_ids(model, user, perm), (model._meta.label, name, perm)
                checked.add(model)
    # Rows in these tables, so that they are compared on something.
    for model in (Occupancy, Ticket, House, Community, Organization):
        assert model in checked and model._default_manager.exists()


def test_scopes_through_relations_are_declined(world, shapes):
    from anju.governance.models import FundUseRequest
    from anju.servicedesk.models import TicketEvent

    resident, agent = world.users["resident"], world.users["agent"]
    with pytest.raises(NotColumnScope):
        scope_sql(TicketEvent, resident)  # ticket__house
    with pytest.raises(NotColumnScope):
        scope_sql(Person, agent)  # community-limited staff: a community subquery
    with pytest.raises(NotColumnScope):
        scope_sql(FundUseRequest, resident)  # houses: a many-to-many field, not a column
    assert scope_sql(FundUseRequest, agent) is not None  # staff: its own columns only
    assert scope_sql(Person, world.users["org_admin"]) is not None  # unlimited: org only


# Random users: memberships in either company (any role, any subset of its communities, active
# or not) and occupancies of any house, current, ended or yet to come.
membership = st.tuples(
    st.sampled_from([0, 1]),  # company
    st.sampled_from(list(Role.values)),
    st.lists(st.booleans(), min_size=2, max_size=2),  # limited to which of its communities
    st.booleans() | st.just(True),  # active
)
occupancy = st.tuples(
    st.integers(min_value=0, max_value=5),  # house (5: the other company's)
    st.sampled_from([None, -30, -1, 0, 1, 30]),  # since, days from today
    st.sampled_from([None, -30, -1, 0, 1, 30]),  # until
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    memberships=st.lists(membership, max_size=3),
    occupancies=st.lists(occupancy, max_size=3),
    resident=st.booleans(),
    perm=st.sampled_from(PERMS),
)
def test_random_users_agree(world, shapes, tickets, memberships, occupancies, resident, perm):
    companies = [
        (world.org, [world.community, world.community2]),
        (world.other_org, [world.other_community]),
    ]
    houses = [*world.houses, world.other_house]
    with transaction.atomic():
        person = None
        if resident or occupancies:
            person = Person.objects.create(organization=world.org, name="随机")
        user = User.objects.create(username="random", person=person)
        seen = set()
        for company, role, limited, active in memberships:
            org, communities = companies[company]
            if (org.pk, role) in seen:
                continue
            seen.add((org.pk, role))
            m = Membership.objects.create(user=user, organization=org, role=role, active=active)
            m.communities.set([c for c, keep in zip(communities, limited, strict=False) if keep])
        for house_index, since, until in occupancies:
            since = TODAY + timedelta(days=since) if since is not None else None
            until = TODAY + timedelta(days=until) if until is not None else None
            if since and until and until < since:
                since, until = until, since
            house = houses[house_index]
            Occupancy.objects.create(
                organization=house.organization,
                community=house.community,
                house=house,
                person=person,
                relation=Relation.FAMILY,
                since=since,
                until=until,
            )
        for loaded in fresh(user):
            expected = orm_ids(Ticket, loaded, perm)
            assert sql_ids(Ticket, loaded, perm, alias="t") == expected
            assert sql_ids(Occupancy, loaded, perm) == orm_ids(Occupancy, loaded, perm)
        transaction.set_rollback(True)


def test_dates_of_occupancies_are_today_inclusive(world, shapes, tickets):
    """since == today and until == today count; until yesterday and since tomorrow do not."""
    movers = shapes["movers"]
    visible = sql_ids(Ticket, movers, VIEW)
    houses = {t.house_id for t in Ticket.objects.filter(pk__in=visible)}
    assert houses == {world.houses[2].pk, world.houses[4].pk}
