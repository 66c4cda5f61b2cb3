"""The ticket list as one hand-written statement (listing.py, GET /api/v1/tickets/) gives the
pages the ORM gives: ``visible_to`` + the same filters, search and ordering (+ "-id", which the
list always appends), and for each row what ``TicketSerializer`` says of the ticket read by the
ORM (labels, masking, due step, allowed actions)."""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.db.models import Q
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import urlencode
from rest_framework.filters import search_smart_split
from rest_framework.test import APIClient, APIRequestFactory

from anju.core.models import User
from anju.core.testing import api_token
from anju.servicedesk import listing, services
from anju.servicedesk.api.serializers import TicketSerializer
from anju.servicedesk.choices import OPEN_STATUSES, Category, Channel, Kind, Priority, Status
from anju.servicedesk.models import Ticket
from anju.servicedesk.rows import labels_of

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=SH)
VIEW = "servicedesk.ticket.view"
URL = "/api/v1/tickets/"
ID_FILTERS = ["community", "house", "building", "assignee", "first_responder", "reporter"]
CHOICE_FILTERS = {
    "kind": Kind,
    "category": Category,
    "status": Status,
    "priority": Priority,
    "channel": Channel,
}
ORDERINGS = ["opened_at", "resolve_due_at", "priority", "number"]
RELATED = ("house__building", "first_responder", "assignee", "reporter", "source_type")

TITLES = ["", "Elevator noise", "电梯异响", "100% broken", "a_b door", "100x broken", "aXb door"]
DESCRIPTIONS = [
    "厨房水管漏水",
    "楼上噪音",
    "Lift stuck on 3F",
    "门禁坏了 a_b",
    "满意度 100%",
    "aXb",
]


@pytest.fixture
def desk(world):
    """~65 tickets: two communities of one company (houses, common areas, residents' and staff's
    reports) and a few of the other company; every status, overdue and not, assigned or not."""
    with time_machine.travel(NOW, tick=False):
        yield build(world)


def build(world):
    rng = random.Random(2026)
    users, people, houses = world.users, world.people, world.houses
    # Labels show full names where there are any, else the username.
    User.objects.filter(pk=users["technician"].pk).update(first_name="建国", last_name="王")
    User.objects.filter(pk=users["agent"].pk).update(first_name="小丽")
    c1, c2 = world.community, world.community2
    made = []
    for i in range(60):
        in_c1 = i % 4 != 0  # 45 in c1, 15 in c2
        community = c1 if in_c1 else c2
        house = rng.choice([*houses[:4], None] if in_c1 else [houses[4], None])
        # Residents report about their own house, or a common area.
        reporter = rng.choice(
            {
                houses[0].pk: [people["owner"], people["tenant"], None],
                houses[1].pk: [people["neighbour"], None],
                None: [people["owner"], people["tenant"], people["neighbour"], None],
            }.get(house.pk if house else None, [None])
        )
        ticket = services.create_ticket(
            actor=users["agent"] if in_c1 else users["manager2"],
            community=community,
            house=house,
            reporter=reporter,
            kind=rng.choice(Kind.values),
            category=rng.choice(Category.values),
            channel=rng.choice(["phone", "walk_in", "staff", "system"]),
            priority=rng.choice(Priority.values),
            title=rng.choice(TITLES),
            description=f"{rng.choice(DESCRIPTIONS)} #{i}",
            contact_phone="" if reporter else rng.choice(["", "13800009999"]),
            source=houses[3] if i == 7 else None,
            now=NOW - timedelta(hours=rng.choice(range(0, 240, 6))),  # repeated opened_at
        )
        staff = ["agent", "manager", "org_admin"] if in_c1 else ["manager2", "org_admin"]
        workers = ["technician", "agent"] if in_c1 else ["manager2"]
        Ticket.objects.filter(pk=ticket.pk).update(
            status=rng.choice(Status.values),
            first_responder=rng.choice([*(users[n] for n in staff), None]),
            assignee=rng.choice([*(users[n] for n in workers), None]),
            resolve_due_at=NOW + timedelta(hours=rng.choice([-48, -5, -1, 0, 1, 5, 48])),
        )
        made.append(ticket.pk)
    for i in range(2):  # through the resident portal
        made.append(
            services.create_ticket(
                actor=users["resident"],
                community=c1,
                house=houses[0],
                kind="repair",
                category="water",
                channel="portal",
                description=f"卫生间漏水 {i}",
                now=NOW - timedelta(minutes=30 * i),
            ).pk
        )
    for i in range(3):  # the other company
        made.append(
            services.create_ticket(
                actor=users["outsider"],
                community=world.other_community,
                house=world.other_house if i else None,
                reporter=people["stranger"] if i == 2 else None,
                kind="repair",
                category="elevator",
                channel="phone",
                title="Elevator 100% broken",
                description=f"电梯 {i}",
                now=NOW - timedelta(hours=i),
            ).pk
        )
    return made


def client_of(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def fresh(user):
    return User.objects.get(pk=user.pk)


def truthy(value):
    return value in ("1", "true")


def reference_ids(user, params):
    """The ORM's answer, written from the API's documented behaviour."""
    qs = Ticket.objects.visible_to(fresh(user), VIEW)
    for name in ID_FILTERS:
        if params.get(name):
            qs = qs.filter(**{f"{name}_id": int(params[name])})
    for name in CHOICE_FILTERS:
        if params.get(name):
            qs = qs.filter(**{name: params[name]})
    if truthy(params.get("overdue")):
        qs = qs.overdue()  # the ORM's rule (models.overdue_condition) the SQL must match
    elif truthy(params.get("open")):
        qs = qs.filter(status__in=OPEN_STATUSES)
    if params.get("created_after"):  # local days, both ends included
        qs = qs.filter(opened_at__date__gte=params["created_after"])
    if params.get("created_before"):
        qs = qs.filter(opened_at__date__lte=params["created_before"])
    for term in search_smart_split(params.get("search", "")):  # DRF's own term splitting
        qs = qs.filter(
            Q(number__icontains=term) | Q(description__icontains=term) | Q(title__icontains=term)
        )
    ordering = [
        name.strip()
        for name in params.get("ordering", "").split(",")
        if name.strip().removeprefix("-") in ORDERINGS
    ] or ["-opened_at"]
    return list(qs.order_by(*ordering, "-id").values_list("pk", flat=True))


def reference_rows(user, ids):
    request = APIRequestFactory().get(URL)
    request.user = fresh(user)
    tickets = Ticket.objects.select_related(*RELATED).in_bulk(ids)
    return [TicketSerializer(tickets[pk], context={"request": request}).data for pk in ids]


def check(user, query="", *, page=1, size=20):
    """GET the list as ``user`` and compare it with the ORM's page; returns (body, all ids)."""
    response = client_of(user).get(f"{URL}?{query}" if query else URL)
    assert response.status_code == 200, response.content
    body = response.json()
    ids = reference_ids(user, QueryDict(query))
    assert body["count"] == len(ids)
    expected = ids[(page - 1) * size : page * size]
    assert [row["id"] for row in body["results"]] == expected
    assert body["results"] == reference_rows(user, expected)
    return body, ids


def tickets_of(ids):
    return list(Ticket.objects.filter(pk__in=ids))


def test_the_data_has_every_shape(world, desk):
    tickets = Ticket.objects.filter(pk__in=desk)
    assert tickets.count() == 65
    assert {t.community_id for t in tickets} == {
        world.community.pk,
        world.community2.pk,
        world.other_community.pk,
    }
    assert tickets.filter(house=None).exists() and tickets.filter(reporter=None).exists()
    assert tickets.filter(status__in=OPEN_STATUSES, resolve_due_at__lt=NOW).count() >= 5
    assert tickets.filter(status__in=OPEN_STATUSES, resolve_due_at=NOW).exists()  # not overdue yet
    assert tickets.exclude(status__in=OPEN_STATUSES).count() >= 10
    assert (
        tickets.exclude(assignee=None).exists() and tickets.exclude(first_responder=None).exists()
    )
    opened = list(tickets.values_list("opened_at", flat=True))
    assert len(set(opened)) < len(opened)  # ties, so the "-id" tiebreak matters
    numbers = list(tickets.values_list("number", flat=True))
    assert len(set(numbers)) < len(numbers)  # the same number in two communities
    assert tickets.exclude(source_type=None).exists()


@pytest.mark.parametrize("who", ["resident", "tenant", "neighbour", "stranger"])
def test_residents_my_tickets(world, desk, who):
    body, ids = check(world.users[who])
    assert ids  # each of them has some
    person_id = world.users[who].person_id
    for row in body["results"]:
        if row["reporter"] == person_id:
            assert row["contact_phone"] == "" or "*" not in row["contact_phone"]


@pytest.mark.parametrize("who", ["agent", "technician", "manager2", "org_admin", "root"])
def test_staff_queue(world, desk, who):
    for community in (world.community, world.community2):
        check(world.users[who], f"community={community.pk}&open=1&ordering=resolve_due_at")
    check(world.users[who])


@pytest.mark.parametrize("flag", ["overdue=1", "overdue=true", "open=1", "open=true", "open=0"])
def test_open_and_overdue(world, desk, flag):
    for who in ("agent", "org_admin", "resident"):
        body, ids = check(world.users[who], f"{flag}&page_size=100", size=100)
        if flag.startswith("overdue"):
            assert all(
                t.resolve_due_at < NOW and t.is_open and t.status != "waiting"
                for t in tickets_of(ids)
            )
    assert check(world.users["org_admin"], "overdue=1&page_size=100", size=100)[1]


@pytest.mark.parametrize("name", ID_FILTERS)
def test_each_id_filter(world, desk, name):
    values = set(
        Ticket.objects.filter(pk__in=desk)
        .exclude(**{f"{name}_id": None})
        .values_list(f"{name}_id", flat=True)
    )
    assert len(values) >= 2
    for value in sorted(values):
        for who in ("org_admin", "agent", "resident"):
            check(world.users[who], f"{name}={value}&page_size=100", size=100)
    assert check(world.users["org_admin"], f"{name}=999999")[0]["count"] == 0


@pytest.mark.parametrize("name", list(CHOICE_FILTERS))
def test_each_choice_filter(world, desk, name):
    for value in CHOICE_FILTERS[name].values:
        for who in ("org_admin", "technician"):
            check(world.users[who], f"{name}={value}&page_size=100", size=100)


def test_opened_between_days(world, desk):
    opened = Ticket.objects.filter(pk__in=desk).values_list("opened_at", flat=True)
    days = sorted({timezone.localtime(at).date().isoformat() for at in opened})
    assert len(days) >= 3
    for who in ("org_admin", "agent", "resident"):
        user = world.users[who]
        check(user, f"created_after={days[1]}&page_size=100", size=100)
        check(user, f"created_before={days[1]}&page_size=100", size=100)
        check(user, f"created_after={days[1]}&created_before={days[-2]}&page_size=100", size=100)
    assert check(world.users["org_admin"], f"created_after={days[-1]}")[0]["count"] < len(desk)


@pytest.mark.parametrize(
    "query, name",
    [
        ("created_after=2026-02-30", "created_after"),  # the example: once ignored
        ("created_before=2026-13-01", "created_before"),
        ("created_after=yesterday", "created_after"),
        ("created_after=2026-03-02&created_before=2026-03-01", "created_before"),
    ],
)
def test_an_unreadable_or_reversed_day_is_400_naming_it(world, desk, query, name):
    response = client_of(world.users["org_admin"]).get(f"{URL}?{query}")
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == [name]


def test_filters_combine(world, desk):
    check(
        world.users["org_admin"],
        f"community={world.community.pk}&status=new&open=1&ordering=-priority,number",
    )
    check(world.users["agent"], f"house={world.houses[0].pk}&search=漏水&ordering=opened_at")


@pytest.mark.parametrize(
    "search",
    [
        "elevator",  # "Elevator" in titles
        "ELEVATOR",
        "lift",  # "Lift" in descriptions
        "bx-2026",  # numbers are upper case
        "漏水",
        "100%",  # a literal percent sign: not "100x"
        "a_b",  # a literal underscore: not "aXb"
        "%",
        "_",
        "\\",
        "100% broken",  # two terms, both must match
        "100%,broken",
        '"a_b door"',  # a quoted phrase is one term
        "nothing-matches-this",
        "  ",
    ],
)
def test_search(world, desk, search):
    for who in ("org_admin", "resident"):
        ids = check(world.users[who], urlencode({"search": search, "page_size": 100}), size=100)[1]
    ids = check(world.users["org_admin"], urlencode({"search": search}))[1]
    if search in ("100%", "a_b", "%", "_", "100% broken"):
        assert ids
    if search == "nothing-matches-this":
        assert ids == []


def test_search_wildcards_are_literal(world, desk):
    def text(t):
        return f"{t.number} {t.description} {t.title}".upper()

    tickets = Ticket.objects.filter(pk__in=desk)
    for term, lookalike in (("100%", "100X"), ("a_b", "AXB")):
        found = set(
            check(world.users["root"], urlencode({"search": term, "page_size": 100}), size=100)[1]
        )
        lookalikes = {t.pk for t in tickets if lookalike in text(t) and term.upper() not in text(t)}
        assert found and lookalikes and not found & lookalikes, term
        assert all(term.upper() in text(t) for t in tickets_of(found))


@pytest.mark.parametrize(
    "ordering",
    [*ORDERINGS, *(f"-{name}" for name in ORDERINGS)]
    + [
        "bogus",
        "-bogus",
        "--number",
        "id",
        "priority,-number",
        "bogus,-resolve_due_at",
        " number ",
    ],
)
def test_ordering(world, desk, ordering):
    for who in ("org_admin", "resident"):
        check(world.users[who], urlencode({"ordering": ordering, "page_size": 100}), size=100)
    check(world.users["org_admin"], urlencode({"ordering": ordering, "page": 2}), page=2)


def test_unknown_ordering_is_the_default(world, desk):
    admin = world.users["org_admin"]
    default = check(admin, "page_size=100", size=100)[1]
    for ordering in ("bogus", "--opened_at", "id", "-id"):
        assert check(admin, f"ordering={ordering}&page_size=100", size=100)[1] == default


def test_pagination(world, desk):
    admin = world.users["org_admin"]
    body, ids = check(admin)
    total = len(ids)
    assert body["count"] == total == 62  # the other company's three are not theirs
    assert body["next"] == "http://testserver/api/v1/tickets/?page=2"
    assert body["previous"] is None

    body = check(admin, "page=2", page=2)[0]
    assert check(admin, "page=%2B2", page=2)[0]["results"] == body["results"]  # as DRF reads it
    assert body["next"] == "http://testserver/api/v1/tickets/?page=3"
    assert body["previous"] == "http://testserver/api/v1/tickets/"

    last = check(admin, "page=4", page=4)[0]
    assert len(last["results"]) == 2 and last["next"] is None
    assert last["previous"] == "http://testserver/api/v1/tickets/?page=3"
    assert client_of(admin).get(f"{URL}?page=last").json() == last

    for page in ("5", "99999999999999999999"):  # past the last page
        response = client_of(admin).get(f"{URL}?page={page}")
        assert response.status_code == 404, page
        assert response.json()["error"]["code"] == "not_found"
    for page in ("0", "-1", "abc", "1.0", "²", "１"):  # not a page number (issue 16)
        response = client_of(admin).get(f"{URL}?page={page}")
        assert response.status_code == 400, page
        assert list(response.json()["error"]["fields"]) == ["page"]

    body = check(admin, "page_size=7&page=3", page=3, size=7)[0]
    assert QueryDict(body["next"].split("?")[1]) == QueryDict("page_size=7&page=4")
    assert QueryDict(body["previous"].split("?")[1]) == QueryDict("page_size=7&page=2")
    body = check(admin, "page_size=7&page=last", page=9, size=7)[0]
    assert len(body["results"]) == 62 - 8 * 7 and body["next"] is None
    for size in ("0", "abc", "-3"):  # not a page size (issue 16)
        response = client_of(admin).get(f"{URL}?page_size={size}")
        assert list(response.json()["error"]["fields"]) == ["page_size"], size
    check(admin, "page_size=1000", size=500)  # capped at max_page_size

    c2 = world.community2.pk
    body = check(admin, f"community={c2}&page_size=5&page=2", page=2, size=5)[0]
    assert QueryDict(body["next"].split("?")[1]) == QueryDict(f"community={c2}&page_size=5&page=3")


def test_pagination_of_an_empty_list(world, desk):
    admin = world.users["org_admin"]
    for query in ("house=999999", "house=999999&page=1", "house=999999&page=last"):
        body = check(admin, query)[0]
        assert body == {"count": 0, "next": None, "previous": None, "results": []}
    assert client_of(admin).get(f"{URL}?house=999999&page=2").status_code == 404
    # No ticket permission at all: refused before any listing.
    assert client_of(world.users["committee"]).get(URL).status_code == 403


@pytest.mark.parametrize(
    "query, field",
    [(f"{name}={value}", name) for name in ID_FILTERS for value in ("abc", "-1", "1.5", "²")]
    + [("house=99999999999999999999", "house")]
    + [(f"{name}=bogus", name) for name in CHOICE_FILTERS]
    + [("status=NEW", "status"), ("priority=p1", "priority")],
)
def test_bad_filter_value_is_400_naming_it(world, query, field):
    response = client_of(world.users["agent"]).get(f"{URL}?{query}")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert list(error["fields"]) == [field]


def test_bad_filter_values_are_named_together(world):
    response = client_of(world.users["agent"]).get(f"{URL}?house=x&kind=y&page=abc")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"house", "kind"}


def test_nobody_sees_anyone_elses(world, desk):
    def seen(who):
        return set(check(world.users[who], "page_size=500", size=500)[1])

    agent, manager2 = seen("agent"), seen("manager2")
    assert agent and manager2 and not agent & manager2
    c1 = set(Ticket.objects.filter(community=world.community).values_list("pk", flat=True))
    assert agent == c1
    resident, neighbour = seen("resident"), seen("neighbour")
    assert resident and neighbour and not resident & neighbour
    outsider, stranger = seen("outsider"), seen("stranger")
    assert outsider == set(desk[-3:]) and stranger and stranger <= outsider
    assert not (outsider & (agent | manager2 | resident | neighbour))
    # Filtering by someone else's community or house shows nothing more.
    assert check(world.users["agent"], f"community={world.community2.pk}")[1] == []
    assert check(world.users["resident"], f"house={world.houses[1].pk}")[1] == []


def test_contact_phone_masking(world, desk):
    def phones(who):
        body = check(world.users[who], "page_size=500", size=500)[0]
        return {row["id"]: row["contact_phone"] for row in body["results"] if row["contact_phone"]}

    agent, technician, resident = phones("agent"), phones("technician"), phones("resident")
    assert agent and all("*" not in phone for phone in agent.values())
    assert technician and all("*" in phone for phone in technician.values())
    assert technician.keys() == agent.keys()
    owner = world.people["owner"]
    own = set(Ticket.objects.filter(reporter=owner).values_list("pk", flat=True))
    for pk, phone in resident.items():
        assert ("*" in phone) == (pk not in own)
        if pk in own:
            assert phone == owner.phone
    assert any("*" in phone for phone in resident.values())  # the tenant's, same house


def test_rows_show_labels_of_related_rows(world, desk):
    body = check(world.users["root"], "page_size=500", size=500)[0]
    rows = body["results"]
    assert any(r["house_label"] for r in rows) and any(not r["house_label"] for r in rows)
    assert any(r["reporter_name"] for r in rows)
    assert any(r["first_responder_name"] for r in rows)
    assert any(r["assignee_name"] for r in rows)
    names = {r["assignee_name"] for r in rows} | {r["first_responder_name"] for r in rows}
    assert {"建国 王", "小丽", "manager2"} <= names
    assert any(r["next_due"] for r in rows) and any(r["next_due"] is None for r in rows)
    assert any(r["allowed_actions"] for r in rows)
    assert any(r["source"] for r in rows)
    assert len({r["status_display"] for r in rows}) == len(Status.values)


@pytest.mark.parametrize("who", ["org_admin", "resident", "agent"])
def test_ticket_page_directly(world, desk, who):
    """listing.ticket_page itself: total, the page and each ticket's labels."""
    user = world.users[who]
    cases = [
        (listing.TicketQuery(), {}),
        (listing.TicketQuery(open=True, ordering=["resolve_due_at"]), {"open": "1", "ordering": "resolve_due_at"}),
        (listing.TicketQuery(overdue=True), {"overdue": "1"}),
        (listing.TicketQuery(equal={"community_id": world.community.pk}, ordering=["-priority", "number"]),
         {"community": str(world.community.pk), "ordering": "-priority,number"}),
        (listing.TicketQuery(search=["100%", "broken"]), {"search": "100% broken"}),
    ]  # fmt: skip
    for query, params in cases:
        ids = reference_ids(user, params)
        for offset, limit in ((0, 20), (5, 7), (len(ids), 10), (len(ids) + 50, 10)):
            total, tickets = listing.ticket_page(
                fresh(user), VIEW, query, offset=offset, limit=limit
            )
            assert total == len(ids)
            assert [t.pk for t in tickets] == ids[offset : offset + limit]
            orm = Ticket.objects.select_related(*RELATED).in_bulk([t.pk for t in tickets])
            for ticket in tickets:
                assert ticket._labels == labels_of(orm[ticket.pk])
                for f in Ticket._meta.concrete_fields:
                    assert getattr(ticket, f.attname) == getattr(orm[ticket.pk], f.attname), f.name


def test_ticket_page_overdue_is_relative_to_now(world, desk):
    user = world.users["org_admin"]
    query = listing.TicketQuery(overdue=True)
    earlier = listing.ticket_page(
        user, VIEW, query, offset=0, limit=100, now=NOW - timedelta(days=30)
    )
    later = listing.ticket_page(
        user, VIEW, query, offset=0, limit=100, now=NOW + timedelta(days=30)
    )
    assert earlier[0] == 0
    visible = Ticket.objects.visible_to(fresh(user), VIEW)
    assert later[0] == visible.open().exclude(status="waiting").count()
    assert visible.filter(status="waiting").exists()  # the rule leaves paused tickets out


def test_session_login_lists_too(world, desk, client):
    client.force_login(world.users["agent"])
    response = client.get(f"{URL}?open=1")
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == reference_ids(
        world.users["agent"], {"open": "1"}
    )[:20]


# Query counts of a list request with a token, after one warm-up request (the content type
# cache). PostgreSQL: the user with their scope (core.identity), then the page as JSON with its
# total, labels and contact-phone masking. SQLite reads the scope the ORM way: token and user,
# memberships, (a resident's) houses, then the page; an unlimited membership (org_admin) adds
# its company's communities, read once to decide masking (rows.TicketRows.sees_contact).
QUERIES = {
    ("postgresql", "resident"): 2,
    ("postgresql", "agent"): 2,
    ("postgresql", "org_admin"): 2,
    ("sqlite", "resident"): 4,
    ("sqlite", "agent"): 3,
    ("sqlite", "org_admin"): 4,
}


@pytest.mark.parametrize(
    "who, query",
    [
        ("resident", ""),
        ("agent", "community={c1}&open=1&ordering=resolve_due_at"),
        ("org_admin", "community={c1}&open=1&ordering=resolve_due_at"),
    ],
)
def test_list_query_count(world, desk, who, query):
    client = client_of(world.users[who])
    url = f"{URL}?{query.format(c1=world.community.pk)}"
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200 and response.json()["count"] > 0
    expected = QUERIES[(connection.vendor, who)]
    assert len(queries) == expected, [q["sql"][:120] for q in queries]
