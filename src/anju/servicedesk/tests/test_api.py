"""The API contract of issue 3: create, every transition, 409 with allowed actions, scoping, roles."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from anju.core.models import Notification
from anju.servicedesk.models import ReturnVisit, Ticket, WorkItem

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=SH)


def post(client, url, data=None):
    return client.post(url, data or {}, format="json")


def report(world, api, user="resident", **extra):
    data = {
        "community": world.community.pk,
        "house": world.house.pk,
        "kind": "repair",
        "category": "water",
        "description": "厨房水管漏水",
        "channel": "portal",
    }
    data.update(extra)
    response = post(api(world.users[user]), "/api/v1/tickets/", data)
    assert response.status_code == 201, response.content
    return response.json()


def test_create_returns_contract_fields(world, api):
    with time_machine.travel(T0, tick=False):
        body = report(world, api)
    for key in (
        "id",
        "number",
        "status",
        "priority",
        "first_responder",
        "accept_due_at",
        "arrive_due_at",
        "resolve_due_at",
    ):
        assert key in body
    assert body["number"] == f"BX-{world.community.code}-20261126-0001"
    assert body["status"] == "new"
    assert body["priority"] == "P2"
    assert body["first_responder"] == world.users["agent"].pk
    assert body["arrive_due_at"].startswith("2026-11-26T11:00")
    assert body["channel"] == "portal"


def test_full_flow_through_the_api(world, api):
    agent, tech, resident = (api(world.users[k]) for k in ("agent", "technician", "resident"))
    with time_machine.travel(T0, tick=False):
        ticket = report(world, api)
    url = f"/api/v1/tickets/{ticket['id']}"
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        r = post(agent, f"{url}/assign/", {"assignee": world.users["technician"].pk})
        assert r.status_code == 200, r.content
        assert (
            r.json()["status"] == "assigned"
            and r.json()["assignee"] == world.users["technician"].pk
        )
        assert post(tech, f"{url}/accept/").json()["status"] == "accepted"
    with time_machine.travel(T0 + timedelta(minutes=50), tick=False):
        assert post(tech, f"{url}/arrive/").json()["status"] == "in_progress"
        r = post(
            tech,
            f"{url}/work/",
            {
                "kind": "material",
                "description": "水管接头",
                "quantity": "2",
                "unit": "个",
                "unit_price": "12.50",
                "chargeable": True,
            },
        )
        assert r.status_code == 201, r.content
        assert r.json()["charge_amount"] == "25.00"
        r = post(tech, f"{url}/resolve/", {"note": "更换接头"})
        assert r.json()["status"] == "resolved", r.content
    assert ReturnVisit.objects.filter(ticket_id=ticket["id"], status="pending").count() == 1
    assert post(resident, f"{url}/confirm/").json()["status"] == "confirmed"
    r = post(resident, f"{url}/rate/", {"score": 5, "comment": "师傅很快"})
    assert r.json()["rating"] == 5
    r = post(agent, f"{url}/return-visit/", {"outcome": "satisfied", "note": ""})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "closed"
    timeline = resident.get(f"{url}/timeline/").json()
    actions = [e["action"] for e in timeline["events"]]
    assert actions == [
        "open",
        "assign",
        "accept",
        "arrive",
        "work",
        "resolve",
        "confirm",
        "rate",
        "return-visit",
        "close",
    ]
    assert timeline["resolve_due_at"]
    # the first responder heard of every change
    assert (
        Notification.objects.filter(
            user=world.users["agent"], title__startswith=ticket["number"]
        ).count()
        >= 5
    )
    item = WorkItem.objects.get()
    assert item.amount == item.unit_price * 2


def test_wrong_state_answers_409_with_allowed_actions(world, api):
    ticket = report(world, api)
    tech = api(world.users["technician"])
    r = post(tech, f"/api/v1/tickets/{ticket['id']}/accept/")
    assert r.status_code == 409
    error = r.json()["error"]
    assert error["code"] == "invalid_state"
    assert "assign" in error["allowed"] and "accept" not in error["allowed"]
    r = post(api(world.users["resident"]), f"/api/v1/tickets/{ticket['id']}/confirm/")
    assert r.status_code == 409


@pytest.mark.parametrize(
    "action,data",
    [
        ("accept", {}),
        ("decline", {"reason": "x"}),
        ("arrive", {}),
        ("resolve", {"note": "x"}),
        ("confirm", {}),
        ("reopen", {"reason": "x"}),
        ("rate", {"score": 3}),
        ("return-visit", {"outcome": "satisfied"}),
        ("close", {}),
    ],
)
def test_every_action_refused_from_new(world, api, action, data):
    ticket = report(world, api)
    r = post(api(world.users["manager"]), f"/api/v1/tickets/{ticket['id']}/{action}/", data)
    assert r.status_code == 409, (action, r.content)
    assert r.json()["error"]["allowed"] == ["assign", "cancel", "triage", "appoint"] or set(
        r.json()["error"]["allowed"]
    ) >= {"assign", "cancel"}


def test_decline_needs_reason_and_returns_to_pool(world, api):
    ticket = report(world, api)
    url = f"/api/v1/tickets/{ticket['id']}"
    post(api(world.users["agent"]), f"{url}/assign/", {"assignee": world.users["technician"].pk})
    tech = api(world.users["technician"])
    r = post(tech, f"{url}/decline/", {"reason": ""})
    assert r.status_code == 400 and "reason" in r.json()["error"]["fields"]
    r = post(tech, f"{url}/decline/", {"reason": "不在班"})
    assert r.json()["status"] == "new" and r.json()["assignee"] is None


def test_reopen_counts_and_goes_back_to_technician(world, api):
    ticket = report(world, api)
    url = f"/api/v1/tickets/{ticket['id']}"
    agent, tech, resident = (api(world.users[k]) for k in ("agent", "technician", "resident"))
    post(agent, f"{url}/assign/", {"assignee": world.users["technician"].pk})
    post(tech, f"{url}/accept/")
    post(tech, f"{url}/resolve/", {"note": "done"})
    r = post(resident, f"{url}/reopen/", {"reason": "还在漏"})
    assert r.json()["status"] == "assigned" and r.json()["reopen_count"] == 1
    assert ReturnVisit.objects.get(ticket_id=ticket["id"]).status == "cancelled"
    post(tech, f"{url}/accept/")
    post(tech, f"{url}/resolve/", {"note": "再修"})
    r = post(resident, f"{url}/reopen/", {"reason": "还漏"})
    assert r.json()["reopen_count"] == 2


def test_rating_once_and_in_range(world, api):
    ticket = report(world, api, user="agent", reporter=world.people["owner"].pk, channel="phone")
    url = f"/api/v1/tickets/{ticket['id']}"
    agent, tech, resident = (api(world.users[k]) for k in ("agent", "technician", "resident"))
    post(agent, f"{url}/assign/", {"assignee": world.users["technician"].pk})
    post(tech, f"{url}/accept/")
    post(tech, f"{url}/resolve/", {"note": "done"})
    assert post(resident, f"{url}/rate/", {"score": 6}).status_code == 400
    assert post(resident, f"{url}/rate/", {"score": 4}).status_code == 200
    assert post(resident, f"{url}/rate/", {"score": 5}).status_code == 409


def test_unhappy_return_visit_opens_a_complaint(world, api):
    ticket = report(world, api)
    url = f"/api/v1/tickets/{ticket['id']}"
    agent, tech, manager = (api(world.users[k]) for k in ("agent", "technician", "manager"))
    post(agent, f"{url}/assign/", {"assignee": world.users["technician"].pk})
    post(tech, f"{url}/accept/")
    post(tech, f"{url}/resolve/", {"note": "done"})
    assert (
        post(agent, f"{url}/return-visit/", {"outcome": "complaint", "note": ""}).status_code == 400
    )
    r = post(agent, f"{url}/return-visit/", {"outcome": "complaint", "note": "态度不好"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    complaint = Ticket.objects.get(kind="complaint")
    assert complaint.number.startswith("TS-") and complaint.parent_id == ticket["id"]
    curl = f"/api/v1/tickets/{complaint.pk}"
    r = post(agent, f"{curl}/resolve/", {"note": "已致歉"})
    assert r.json()["status"] == "resolved"
    r = post(agent, f"{curl}/close/")
    assert r.status_code == 400 and "response" in r.json()["error"]["fields"]
    assert post(agent, f"{curl}/respond/", {"response": "x"}).status_code == 403
    assert (
        post(
            manager, f"{curl}/respond/", {"response": "经核查，已对维修人员批评教育。"}
        ).status_code
        == 200
    )
    assert post(agent, f"{curl}/close/").json()["status"] == "closed"


def test_unhappy_return_visit_can_reopen(world, api):
    ticket = report(world, api)
    url = f"/api/v1/tickets/{ticket['id']}"
    agent, tech = api(world.users["agent"]), api(world.users["technician"])
    post(agent, f"{url}/assign/", {"assignee": world.users["technician"].pk})
    post(tech, f"{url}/accept/")
    post(tech, f"{url}/resolve/", {"note": "done"})
    r = post(agent, f"{url}/return-visit/", {"outcome": "reopen", "note": "没修好"})
    assert r.json()["status"] == "assigned" and r.json()["reopen_count"] == 1


def test_residents_see_only_their_tickets(world, api):
    mine = report(world, api)
    other = report(world, api, user="neighbour", house=world.houses[1].pk)
    common = report(world, api, user="agent", house=None, category="elevator", channel="phone")

    def ids(user):
        return {t["id"] for t in api(world.users[user]).get("/api/v1/tickets/").json()["results"]}  # noqa: E731

    assert ids("resident") == {mine["id"]}
    assert ids("tenant") == {mine["id"]}  # same house
    assert ids("neighbour") == {other["id"]}
    assert ids("agent") == {mine["id"], other["id"], common["id"]}
    assert ids("manager2") == set()
    assert ids("outsider") == set()
    assert ids("stranger") == set()
    assert api(world.users["neighbour"]).get(f"/api/v1/tickets/{mine['id']}/").status_code == 404
    assert (
        api(world.users["outsider"]).get(f"/api/v1/tickets/{mine['id']}/timeline/").status_code
        == 404
    )
    assert (
        post(api(world.users["outsider"]), f"/api/v1/tickets/{mine['id']}/assign/", {}).status_code
        == 404
    )


def test_resident_cannot_report_for_another_house_or_company(world, api):
    resident = api(world.users["resident"])
    data = {
        "community": world.community.pk,
        "house": world.houses[1].pk,
        "kind": "repair",
        "category": "water",
        "description": "x",
        "channel": "portal",
    }
    assert post(resident, "/api/v1/tickets/", data).status_code == 404
    data.update(community=world.other_community.pk, house=None)
    assert post(resident, "/api/v1/tickets/", data).status_code == 404
    data.update(community=world.community2.pk)
    assert post(resident, "/api/v1/tickets/", data).status_code == 404  # not their community
    data.update(community=world.community.pk)
    assert post(api(world.users["cashier"]), "/api/v1/tickets/", data).status_code == 403


@pytest.mark.parametrize(
    "user,action,data",
    [
        ("technician", "assign", {"assignee": None}),
        ("resident", "assign", {}),
        ("guard", "accept", {}),
        ("cashier", "assign", {}),
        ("resident", "return-visit", {"outcome": "satisfied"}),
        ("technician", "close", {}),
    ],
)
def test_forbidden_roles_get_403(world, api, user, action, data):
    ticket = report(world, api)
    r = post(api(world.users[user]), f"/api/v1/tickets/{ticket['id']}/{action}/", data)
    assert r.status_code in (403, 404) if user == "cashier" else r.status_code == 403, r.content


def test_only_assignee_or_dispatcher_works_a_ticket(world, api):
    from anju.core.testing import make_user

    other_tech = make_user(
        "tech_b", org=world.org, role="technician", communities=[world.community]
    )
    ticket = report(world, api)
    url = f"/api/v1/tickets/{ticket['id']}"
    post(api(world.users["agent"]), f"{url}/assign/", {"assignee": world.users["technician"].pk})
    assert post(api(other_tech), f"{url}/accept/").status_code == 403
    assert post(api(world.users["technician"]), f"{url}/accept/").status_code == 200


def test_assign_to_someone_outside_the_community_is_refused(world, api):
    ticket = report(world, api)
    r = post(
        api(world.users["agent"]),
        f"/api/v1/tickets/{ticket['id']}/assign/",
        {"assignee": world.users["cashier"].pk},
    )
    assert r.status_code == 400 and "assignee" in r.json()["error"]["fields"]


def test_automatic_dispatch_by_skill_and_load(world, api):
    from anju.core.testing import make_user
    from anju.servicedesk.models import StaffSkill

    plumber = make_user("plumber", org=world.org, role="technician", communities=[world.community])
    StaffSkill.objects.create(organization=world.org, user=plumber, skill="plumbing")
    StaffSkill.objects.create(
        organization=world.org, user=world.users["technician"], skill="electrical"
    )
    ticket = report(world, api)
    r = post(api(world.users["agent"]), f"/api/v1/tickets/{ticket['id']}/assign/", {})
    assert r.json()["assignee"] == plumber.pk


def test_timeline_hides_internal_notes_from_residents(world, api):
    ticket = report(world, api)
    url = f"/api/v1/tickets/{ticket['id']}"
    assert post(api(world.users["agent"]), f"{url}/note/", {"note": "内部备注"}).status_code == 201
    staff_events = api(world.users["agent"]).get(f"{url}/timeline/").json()["events"]
    resident_events = api(world.users["resident"]).get(f"{url}/timeline/").json()["events"]
    assert len(staff_events) == 2 and len(resident_events) == 1


def test_contact_phone_masked_for_technician(world, api):
    ticket = report(world, api)
    assert (
        api(world.users["agent"]).get(f"/api/v1/tickets/{ticket['id']}/").json()["contact_phone"]
        == "13900001111"
    )
    assert (
        "*"
        in api(world.users["technician"])
        .get(f"/api/v1/tickets/{ticket['id']}/")
        .json()["contact_phone"]
    )


def test_queue_list_query_count(world, api, django_assert_max_num_queries):
    for _ in range(15):
        report(world, api)
    agent = api(world.users["agent"])
    with django_assert_max_num_queries(8):
        r = agent.get(
            f"/api/v1/tickets/?community={world.community.pk}&open=1&ordering=resolve_due_at"
        )
    assert r.json()["count"] == 15
    resident = api(world.users["resident"])
    with django_assert_max_num_queries(8):
        assert resident.get("/api/v1/tickets/").json()["count"] == 15


def test_export(world, api):
    report(world, api)
    r = api(world.users["agent"]).get("/api/v1/tickets/export/")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")


def test_intake_serializers_bind_fields_of_their_own(world):
    """The intake's shallow field copies: each serializer binds and validates its own."""
    from anju.servicedesk.api.serializers import TicketCreateSerializer

    first, second = TicketCreateSerializer(data={}), TicketCreateSerializer(data={"kind": "x"})
    for name in ("community", "kind", "appointment_at"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
        assert TicketCreateSerializer._declared_fields[name].parent is None
    assert not first.is_valid() and not second.is_valid()
    assert "kind" in first.errors and "community" in second.errors
    assert second.errors["kind"] and first.errors["kind"] != second.errors["kind"]
