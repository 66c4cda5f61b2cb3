"""Manual escalation (升级): the periodic job's ladder, by hand, with a reason."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from anju.core.models import AuditEntry, Notification
from anju.servicedesk import services
from anju.servicedesk.models import Escalation

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=SH)


def post(client, url, data=None):
    return client.post(url, data or {}, format="json")


@pytest.fixture
def ticket(world):
    with time_machine.travel(T0, tick=False):
        ticket = services.create_ticket(
            actor=world.users["agent"],
            community=world.community,
            kind="repair",
            category="water",
            description="楼上漏水到楼下",
            channel="phone",
            house=world.house,
            reporter=world.people["owner"],
        )
        return services.assign(
            actor=world.users["agent"], ticket=ticket, assignee=world.users["technician"]
        )


def titles(user):
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))


def test_escalate_climbs_the_ladder_with_reason(world, ticket):
    agent, tech, manager, admin = (
        world.users[k] for k in ("agent", "technician", "manager", "org_admin")
    )
    with time_machine.travel(T0 + timedelta(minutes=20), tick=False):
        services.escalate(actor=agent, ticket=ticket, reason="住户第三次来电催促")
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
    assert any("住户第三次来电催促" in t for t in titles(tech))
    assert not any("住户第三次来电催促" in t for t in titles(manager))
    services.escalate(actor=agent, ticket=ticket, reason="师傅电话打不通")
    ticket.refresh_from_db()
    assert ticket.escalation_level == 2
    assert any("师傅电话打不通" in t for t in titles(manager))
    services.escalate(actor=agent, ticket=ticket, reason="影响三户，需公司协调")
    services.escalate(actor=agent, ticket=ticket, reason="仍未处理")  # top: the company again
    ticket.refresh_from_db()
    assert ticket.escalation_level == 3
    assert sum("公司协调" in t or "仍未处理" in t for t in titles(admin)) == 2
    rows = Escalation.objects.filter(ticket=ticket).order_by("id")
    assert [(r.step, r.level) for r in rows] == [
        ("manual", 1),
        ("manual", 2),
        ("manual", 3),
        ("manual", 3),
    ]
    assert rows[1].notified == [manager.pk]
    events = ticket.events.filter(action="escalate").order_by("id")
    assert [e.data["level"] for e in events] == [1, 2, 3, 3]
    first = events[0]
    assert first.actor == agent and first.note == "住户第三次来电催促" and not first.public
    assert first.data["manual"] is True
    assert AuditEntry.objects.filter(action="servicedesk.ticket.escalated").count() == 4
    # the technician hears that it went above them
    assert any("升级" in t or "escalated" in t for t in titles(tech))


def test_manager_escalating_skips_a_rung_that_would_only_tell_themselves(world, ticket):
    manager = world.users["manager"]
    services.escalate(actor=manager, ticket=ticket, reason="先提醒师傅")
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
    services.escalate(actor=manager, ticket=ticket, reason="需要公司支援")
    ticket.refresh_from_db()
    assert ticket.escalation_level == 3  # level 2 is the manager alone
    assert Escalation.objects.filter(ticket=ticket, level=2).count() == 0


def test_periodic_job_continues_above_a_manual_level(world, ticket, settings):
    settings.ANJU_SERVICEDESK_ESCALATION_MINUTES = (0, 30, 120)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        services.escalate(actor=world.users["agent"], ticket=ticket, reason="住户很着急")
    # P2 accept due at 30 minutes: the job tells level 1 for the missed step on its own key
    with time_machine.travel(T0 + timedelta(minutes=31), tick=False):
        assert services.escalate_overdue() == 1
    assert Escalation.objects.filter(ticket=ticket, step="accept", level=1).exists()
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1


def test_api_escalate(world, api, ticket):
    url = f"/api/v1/tickets/{ticket.pk}/escalate/"
    agent = api(world.users["agent"])
    r = post(agent, url, {"reason": "  "})
    assert r.status_code == 400 and "reason" in r.json()["error"]["fields"]
    assert not Escalation.objects.exists()
    r = post(agent, url, {"reason": "住户投诉迟迟不来"})
    assert r.status_code == 200, r.content
    assert r.json()["escalation_level"] == 1 and "escalate" in r.json()["allowed_actions"]
    timeline = agent.get(f"/api/v1/tickets/{ticket.pk}/timeline/").json()["events"]
    assert timeline[-1]["action"] == "escalate" and timeline[-1]["note"] == "住户投诉迟迟不来"
    resident_timeline = api(world.users["resident"]).get(f"/api/v1/tickets/{ticket.pk}/timeline/")
    assert "escalate" not in [e["action"] for e in resident_timeline.json()["events"]]


def test_api_escalate_closed_or_cancelled_is_409(world, api, ticket):
    services.cancel(actor=world.users["agent"], ticket=ticket, reason="住户自行修好")
    r = post(api(world.users["agent"]), f"/api/v1/tickets/{ticket.pk}/escalate/", {"reason": "x"})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "invalid_state"
    assert "escalate" not in r.json()["error"]["allowed"]


def test_api_escalate_resolved_is_409_with_allowed_actions(world, api, ticket):
    services.accept(actor=world.users["technician"], ticket=ticket)
    services.resolve(actor=world.users["technician"], ticket=ticket, note="已修好")
    r = post(api(world.users["manager"]), f"/api/v1/tickets/{ticket.pk}/escalate/", {"reason": "x"})
    assert r.status_code == 409
    assert "confirm" in r.json()["error"]["allowed"]


@pytest.mark.parametrize(
    "user,status", [("technician", 403), ("resident", 403), ("manager2", 404), ("outsider", 404)]
)
def test_api_escalate_scoping_and_roles(world, api, ticket, user, status):
    r = post(api(world.users[user]), f"/api/v1/tickets/{ticket.pk}/escalate/", {"reason": "x"})
    assert r.status_code == status, r.content
    assert not Escalation.objects.exists()


def test_console_escalate_button(world, client, ticket):
    client.force_login(world.users["agent"])
    page = client.get(f"/console/tickets/{ticket.pk}/").content.decode()
    assert 'id="escalate"' in page and 'id="escalate-reason"' in page
    client.post(f"/console/tickets/{ticket.pk}/do/escalate/", {"reason": ""})
    ticket.refresh_from_db()
    assert ticket.escalation_level == 0
    response = client.post(f"/console/tickets/{ticket.pk}/do/escalate/", {"reason": "住户急"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
    page = client.get(f"/console/tickets/{ticket.pk}/").content.decode()
    assert "住户急" in page
    client.force_login(world.users["technician"])
    page = client.get(f"/console/tickets/{ticket.pk}/").content.decode()
    assert 'id="escalate"' not in page
    client.post(f"/console/tickets/{ticket.pk}/do/escalate/", {"reason": "x"})
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
