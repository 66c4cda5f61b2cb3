"""SLA clocks with a frozen clock: appointment, pause, escalation levels, KPIs."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from anju.core.errors import DomainError
from anju.core.models import Notification
from anju.servicedesk import services
from anju.servicedesk.models import Escalation, TicketPause
from anju.servicedesk.selectors import kpis, resident_on_time
from anju.servicedesk.tasks import escalate_overdue_tickets

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=SH)


def open_repair(world, category="water", **extra):
    return services.create_ticket(
        actor=world.users["agent"],
        community=world.community,
        kind="repair",
        category=category,
        description="漏水",
        channel="phone",
        house=world.house,
        reporter=world.people["owner"],
        **extra,
    )


def test_appointment_moves_arrival_due(world):
    with time_machine.travel(T0, tick=False):
        ticket = open_repair(world, category="door", appointment_at=T0 + timedelta(days=2))
        assert ticket.arrive_due_at == T0 + timedelta(days=2)
        assert ticket.resolve_due_at >= ticket.arrive_due_at
        later = T0 + timedelta(days=3, hours=5)
        ticket = services.set_appointment(
            actor=world.users["resident"], ticket=ticket, appointment_at=later
        )
        assert ticket.arrive_due_at == later
        assert ticket.events.filter(action="appoint").exists()


def test_waiting_pauses_the_clock_and_is_recorded(world):
    with time_machine.travel(T0, tick=False):
        ticket = open_repair(world)
        services.assign(
            actor=world.users["agent"], ticket=ticket, assignee=world.users["technician"]
        )
        services.accept(actor=world.users["technician"], ticket=ticket)
        due = ticket.resolve_due_at
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        services.wait_for_resident(
            actor=world.users["technician"], ticket=ticket, reason="业主不在家"
        )
    with time_machine.travel(T0 + timedelta(hours=30), tick=False):
        assert services.escalate_overdue() == 0  # paused tickets do not escalate
    with time_machine.travel(T0 + timedelta(hours=4), tick=False):
        ticket = services.resume(actor=world.users["technician"], ticket=ticket)
    assert ticket.status == "accepted"
    assert ticket.resolve_due_at == due + timedelta(hours=3)
    assert ticket.paused_seconds == 3 * 3600
    pause = TicketPause.objects.get()
    assert pause.reason == "业主不在家" and pause.ended_at == T0 + timedelta(hours=4)


def test_escalation_levels_each_notified_once(world, settings):
    settings.ANJU_SERVICEDESK_ESCALATION_MINUTES = (0, 30, 120)
    with time_machine.travel(T0, tick=False):
        ticket = open_repair(world, category="gas")  # P1: accept 10 min
        services.assign(
            actor=world.users["agent"], ticket=ticket, assignee=world.users["technician"]
        )
    tech, manager, admin = (
        world.users["technician"],
        world.users["manager"],
        world.users["org_admin"],
    )

    def overdue_notes(user):
        return (
            Notification.objects.filter(user=user, title__contains="overdue").count()
            + Notification.objects.filter(user=user, title__contains="超时").count()
        )

    with time_machine.travel(T0 + timedelta(minutes=9), tick=False):
        assert escalate_overdue_tickets() == 0
    with time_machine.travel(T0 + timedelta(minutes=11), tick=False):
        assert escalate_overdue_tickets() == 1
        assert escalate_overdue_tickets() == 0  # idempotent
    assert overdue_notes(tech) == 1 and overdue_notes(manager) == 0
    with time_machine.travel(T0 + timedelta(minutes=41), tick=False):
        # accept L2 (manager) and arrival (due at 30) L1 to the assignee
        assert escalate_overdue_tickets() == 2
    assert overdue_notes(manager) == 1
    with time_machine.travel(T0 + timedelta(minutes=131), tick=False):
        escalate_overdue_tickets()
    assert overdue_notes(admin) >= 1
    ticket.refresh_from_db()
    assert ticket.escalation_level == 3
    assert Escalation.objects.filter(ticket=ticket, step="accept").count() == 3
    # the first responder hears about escalations too
    assert Notification.objects.filter(user=world.users["agent"], body__contains="2").exists()


def test_accepted_ticket_does_not_escalate_for_accept(world):
    with time_machine.travel(T0, tick=False):
        ticket = open_repair(world)
        services.assign(
            actor=world.users["agent"], ticket=ticket, assignee=world.users["technician"]
        )
        services.accept(actor=world.users["technician"], ticket=ticket)
    with time_machine.travel(T0 + timedelta(minutes=100), tick=False):
        assert services.escalate_overdue() == 0  # P2 arrival due at 120 minutes


def test_triage_override_recomputes_due_times(world):
    with time_machine.travel(T0, tick=False):
        ticket = open_repair(world, category="greening")
        assert ticket.priority == "P4"
        with pytest.raises(DomainError):
            services.triage(actor=world.users["agent"], ticket=ticket, priority="P1", reason="")
        ticket = services.triage(
            actor=world.users["agent"], ticket=ticket, priority="P1", reason="大树倒伏压车"
        )
    assert ticket.arrive_due_at == T0 + timedelta(minutes=30)
    assert ticket.priority_reason == "大树倒伏压车"


def test_urgency_raises_priority():
    assert services.triage_priority("door", "normal") == "P3"
    assert services.triage_priority("door", "high") == "P2"
    assert services.triage_priority("door", "emergency") == "P1"
    assert services.triage_priority("gas", "low") == "P2"
    assert services.triage_priority("fees", "normal", "inquiry") == "P3"


def _work(world, ticket, arrive_after, resolve_after, score=None):
    with time_machine.travel(ticket.opened_at + timedelta(minutes=1), tick=False):
        services.assign(
            actor=world.users["agent"], ticket=ticket, assignee=world.users["technician"]
        )
        services.accept(actor=world.users["technician"], ticket=ticket)
    with time_machine.travel(ticket.opened_at + arrive_after, tick=False):
        services.arrive(actor=world.users["technician"], ticket=ticket)
    with time_machine.travel(ticket.opened_at + resolve_after, tick=False):
        services.resolve(actor=world.users["technician"], ticket=ticket, note="ok")
        if score:
            services.rate(actor=world.users["resident"], ticket=ticket, score=score)


def test_kpis_and_endpoint(world, api):
    with time_machine.travel(T0, tick=False):
        good = open_repair(world)
        late = open_repair(world)
        open_repair(world, category="elevator")
    _work(world, good, timedelta(minutes=60), timedelta(hours=3), score=5)
    _work(world, late, timedelta(hours=5), timedelta(hours=30), score=2)
    with time_machine.travel(T0 + timedelta(hours=31), tick=False):
        services.record_return_visit(actor=world.users["agent"], ticket=good, outcome="satisfied")
        data = kpis(world.community.tickets.all(), date(2026, 11, 1), date(2026, 11, 30))
        assert data["opened"] == 3
        assert data["on_time"]["arrive"] == {"rate": 0.3333, "on_time": 1, "total": 3}
        assert data["on_time"]["resolve"]["on_time"] == 1
        assert data["return_visit"] == {"rate": 0.5, "done": 1, "due": 2, "unhappy": 0}
        assert data["satisfaction"] == {"average": 3.5, "share_4_or_5": 0.5, "rated": 2}
        assert data["backlog"]["total"] == 1
        assert data["backlog"]["by_category"][0]["category"] == "elevator"
        rate = resident_on_time(world.house)
        assert rate["building"]["total"] == 3 and rate["community"]["rate"] == round(1 / 3, 4)
        r = api(world.users["manager"]).get(
            f"/api/v1/service-kpis/?community={world.community.pk}&from=2026-11-01&to=2026-11-30"
        )
        assert r.status_code == 200 and r.json()["opened"] == 3
        assert (
            api(world.users["outsider"])
            .get(f"/api/v1/service-kpis/?community={world.community.pk}")
            .status_code
            == 404
        )
        assert api(world.users["technician"]).get("/api/v1/service-kpis/").status_code == 403
        assert api(world.users["manager"]).get("/api/v1/service-kpis/?from=bad").status_code == 400
        r = api(world.users["resident"]).get("/api/v1/service-on-time/")
        assert r.status_code == 200 and r.json()[0]["building"]["total"] == 3


def test_sla_policies_list_through_the_api(world, api):
    """The policy list answers its rows (it once ran them through the ticket-label helper)."""
    services.set_sla_policy(
        actor=world.users["manager"],
        community=world.community,
        priority="P1",
        accept_minutes=5,
        arrive_minutes=20,
        resolve_minutes=240,
    )
    response = api(world.users["agent"]).get("/api/v1/sla-policies/")
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [(r["priority"], r["arrive_minutes"]) for r in rows] == [("P1", 20)]
    assert api(world.users["outsider"]).get("/api/v1/sla-policies/").json()["results"] == []
