"""open_ticket: the entry point other modules use; numbers, due times, first responder, idempotency."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, Notification
from anju.servicedesk.models import DutyShift, SlaPolicy, Ticket
from anju.servicedesk.services import open_ticket, ticket_for_source

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 26, 14, 0, tzinfo=SH)


def test_staff_opening_is_first_responder_and_due_times_follow_level_one(world):
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(
            actor=world.users["agent"],
            community=world.community,
            kind="repair",
            category="gas",
            description="楼道燃气味",
            channel="phone",
            house=world.house,
            reporter=world.people["owner"],
        )
    assert ticket.number == f"BX-{world.community.code}-20261126-0001"
    assert ticket.priority == "P1"
    assert ticket.first_responder == world.users["agent"]
    assert ticket.arrive_due_at == T0 + timedelta(minutes=30)  # 一级: 急修半小时内
    assert ticket.accept_due_at == T0 + timedelta(minutes=10)
    assert ticket.building_id == world.building.pk
    assert ticket.events.get().action == "open"
    assert AuditEntry.objects.filter(
        action="servicedesk.ticket.opened", object_id=str(ticket.pk)
    ).exists()


def test_numbers_per_kind_community_and_day(world):
    with time_machine.travel(T0, tick=False):
        a = open_ticket(
            actor=None,
            community=world.community,
            kind="complaint",
            category="noise",
            description="x",
        )
        b = open_ticket(
            actor=None,
            community=world.community,
            kind="complaint",
            category="noise",
            description="y",
        )
        c = open_ticket(
            actor=None, community=world.community2, kind="inquiry", category="fees", description="z"
        )
    one, two = world.community.code, world.community2.code
    assert [a.number, b.number, c.number] == [
        f"TS-{one}-20261126-0001",
        f"TS-{one}-20261126-0002",
        f"ZX-{two}-20261126-0001",
    ]


def test_system_ticket_first_responder_is_on_duty_agent_then_manager(world):
    with time_machine.travel(T0, tick=False):
        t1 = open_ticket(
            actor=None, community=world.community, kind="repair", category="water", description="x"
        )
        assert t1.first_responder == world.users["agent"]  # the community's agent (no roster)
        DutyShift.objects.create(
            organization=world.org,
            community=world.community,
            user=world.users["manager"],
            role="manager",
            starts_at=T0 - timedelta(hours=1),
            ends_at=T0 + timedelta(hours=8),
        )
        t2 = open_ticket(
            actor=None, community=world.community, kind="repair", category="water", description="y"
        )
        assert (
            t2.first_responder == world.users["manager"]
        )  # nobody on agent duty, the manager on duty
    assert Notification.objects.filter(
        user=world.users["manager"], title__startswith=t2.number
    ).exists()


def test_source_is_idempotent_per_category(world):
    source = world.houses[2]  # any model instance will do
    t1 = open_ticket(
        actor=None,
        community=world.community,
        kind="repair",
        category="elevator",
        description="困人",
        source=source,
    )
    t2 = open_ticket(
        actor=None,
        community=world.community,
        kind="repair",
        category="elevator",
        description="again",
        source=source,
    )
    t3 = open_ticket(
        actor=None,
        community=world.community,
        kind="repair",
        category="water",
        description="other",
        source=source,
    )
    assert t1.pk == t2.pk != t3.pk
    assert ticket_for_source(source) == t3
    assert ticket_for_source(world.houses[3]) is None
    Ticket.objects.filter(pk=t1.pk).update(status="closed")
    t4 = open_ticket(
        actor=None,
        community=world.community,
        kind="repair",
        category="elevator",
        description="new",
        source=source,
    )
    assert t4.pk != t1.pk


def test_sla_policy_row_overrides_settings(world):
    SlaPolicy.objects.create(
        organization=world.org,
        community=world.community,
        priority="P2",
        accept_minutes=5,
        arrive_minutes=20,
        resolve_minutes=60,
    )
    with time_machine.travel(T0, tick=False):
        t = open_ticket(
            actor=None, community=world.community, kind="repair", category="water", description="x"
        )
    assert t.priority == "P2"
    assert (t.accept_due_at, t.arrive_due_at, t.resolve_due_at) == (
        T0 + timedelta(minutes=5),
        T0 + timedelta(minutes=20),
        T0 + timedelta(minutes=60),
    )


def test_sla_settings_override(world, settings):
    settings.ANJU_SERVICEDESK_SLA = {
        1: {"P1": (1, 2, 3), "P2": (4, 5, 6), "P3": (7, 8, 9), "P4": (10, 11, 12)}
    }
    with time_machine.travel(T0, tick=False):
        t = open_ticket(
            actor=None, community=world.community, kind="repair", category="water", description="x"
        )
    assert t.arrive_due_at == T0 + timedelta(minutes=5)


@pytest.mark.parametrize(
    "field,kwargs",
    [
        ("kind", {"kind": "bogus"}),
        ("category", {"category": "bogus"}),
        ("channel", {"channel": "fax"}),
        ("description", {"description": "  "}),
    ],
)
def test_bad_input_names_the_field(world, field, kwargs):
    data = {
        "actor": None,
        "community": world.community,
        "kind": "repair",
        "category": "water",
        "description": "x",
    }
    data.update(kwargs)
    with pytest.raises(DomainError) as exc:
        open_ticket(**data)
    assert field in exc.value.fields
    assert not Ticket.objects.exists()


def test_house_of_another_community_is_refused(world):
    with pytest.raises(DomainError) as exc:
        open_ticket(
            actor=None,
            community=world.community,
            kind="repair",
            category="water",
            description="x",
            house=world.houses[-1],
        )
    assert "house" in exc.value.fields


def test_resident_cannot_choose_priority_staff_can(world):
    resident_ticket = open_ticket(
        actor=world.users["resident"],
        community=world.community,
        kind="repair",
        category="greening",
        description="x",
        priority="P1",
        channel="portal",
    )
    assert resident_ticket.priority == "P4"
    assert resident_ticket.reporter == world.people["owner"]
    assert resident_ticket.first_responder == world.users["agent"]
    staff_ticket = open_ticket(
        actor=world.users["agent"],
        community=world.community,
        kind="repair",
        category="greening",
        description="x",
        priority="P1",
        channel="phone",
    )
    assert staff_ticket.priority == "P1" and staff_ticket.priority_reason


def test_two_communities_of_a_company_never_share_a_number(world):
    with time_machine.travel(T0, tick=False):
        a = open_ticket(
            actor=None, community=world.community, kind="repair", category="water", description="x"
        )
        b = open_ticket(
            actor=None, community=world.community2, kind="repair", category="water", description="y"
        )
    # Each community counts from 1; its short code keeps the numbers apart (issue 18).
    assert a.number == f"BX-{world.community.code}-20261126-0001"
    assert b.number == f"BX-{world.community2.code}-20261126-0001"
    assert a.number != b.number


def test_intake_terms_are_sla_for_and_default_first_responder_in_one_statement(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from anju.core.models import Membership
    from anju.servicedesk.services import default_first_responder, intake_terms, sla_for

    def check(community, priority):
        with CaptureQueriesContext(connection) as ctx:
            terms = intake_terms(community, priority, T0)
        assert len(ctx.captured_queries) == 1
        assert terms == (sla_for(community, priority), default_first_responder(community, T0))
        return terms

    # No roster, no policy row: the community's agent, the settings' minutes.
    assert check(world.community, "P2")[1] == world.users["agent"]
    SlaPolicy.objects.create(
        organization=world.org,
        community=world.community,
        priority="P2",
        accept_minutes=7,
        arrive_minutes=70,
        resolve_minutes=700,
    )
    DutyShift.objects.create(
        organization=world.org,
        community=world.community,
        user=world.users["manager"],
        role="manager",
        starts_at=T0 - timedelta(hours=1),
        ends_at=T0 + timedelta(hours=8),
    )
    assert check(world.community, "P2") == ((7, 70, 700), world.users["manager"])
    assert check(world.community, "P1")[0] != (7, 70, 700)  # other priorities: settings
    # Nobody to answer: no first responder, and the minutes still come.
    Membership.objects.filter(organization=world.org, role__in=["agent", "manager"]).update(
        active=False
    )
    DutyShift.objects.all().delete()
    sla, responder = check(world.community2, "P3")
    assert responder is None and all(sla)


@pytest.mark.postgres
def test_an_intake_through_the_api_costs_a_fixed_number_of_queries(world):
    """The login with its token, the community, the house with its building, the transaction
    (here a savepoint), the SLA with the first responder, the number, the ticket, then its
    event, audit entry and notification in one statement, the end of the transaction."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from anju.core.testing import api_token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(world.users['resident'])}")
    data = {
        "community": world.community.pk,
        "house": world.house.pk,
        "kind": "repair",
        "category": "water",
        "description": "厨房水管漏水",
        "channel": "portal",
    }
    client.post("/api/v1/tickets/", data, format="json")  # warm caches (content types)
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/api/v1/tickets/", data, format="json")
    assert response.status_code == 201, response.content
    statements = [q["sql"] for q in ctx.captured_queries]
    assert len(statements) == 9, "\n".join(s[:100] for s in statements)
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert ticket.events.get().action == "open"
    assert AuditEntry.objects.filter(
        action="servicedesk.ticket.opened", object_id=str(ticket.pk)
    ).exists()
    assert Notification.objects.filter(
        user=ticket.first_responder, title__startswith=ticket.number
    ).exists()


def test_a_transition_writes_its_event_audit_entry_and_notices_together(world):
    """Each change's event, audit entry and staff notices are written when its record is
    complete: one statement on PostgreSQL; the rows are those the change always wrote."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from anju.servicedesk import services

    ticket = open_ticket(
        actor=world.users["resident"],
        community=world.community,
        kind="repair",
        category="water",
        description="厨房水管漏水",
        channel="portal",
        house=world.house,
    )
    with CaptureQueriesContext(connection) as ctx:
        ticket = services.assign(
            actor=world.users["agent"], ticket=ticket, assignee=world.users["technician"]
        )
    inserts = [q["sql"] for q in ctx.captured_queries if "INSERT" in q["sql"]]
    if connection.vendor == "postgresql":
        assert len(inserts) == 1 and inserts[0].startswith("WITH i0 AS (INSERT")
    services.accept(actor=world.users["technician"], ticket=ticket)
    assert [e.action for e in ticket.events.order_by("at", "id")] == ["open", "assign", "accept"]
    for action in ("assigned", "accepted"):
        assert AuditEntry.objects.filter(
            action=f"servicedesk.ticket.{action}", object_id=str(ticket.pk)
        ).exists()
    assert Notification.objects.filter(
        user=world.users["technician"], title__startswith=ticket.number
    ).exists()


def test_staff_hear_of_a_step_in_their_own_language(world):
    """A step told to the first responder is written in the recipient's language, not the
    language of whoever took the step."""
    from django.utils import translation

    from anju.servicedesk import services

    ticket = open_ticket(
        actor=world.users["resident"],
        community=world.community,
        kind="repair",
        category="water",
        description="厨房水管漏水",
        channel="portal",
        house=world.house,
    )
    responder = ticket.first_responder
    responder.language = "en"
    responder.save(update_fields=["language"])
    with translation.override("zh-hans"):
        ticket = services.assign(
            actor=world.users["manager"] if responder != world.users["manager"] else None,
            ticket=ticket,
            assignee=world.users["technician"],
        )
        services.accept(actor=world.users["technician"], ticket=ticket)
    latest = Notification.objects.filter(user=responder).order_by("-id").first()
    assert latest.title.startswith(f"{ticket.number} accepted by "), latest.title
