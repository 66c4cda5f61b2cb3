"""The hand-built ticket representation (rows.py) says exactly what DRF's generic serializer
says, and the ticket list's own filters validate like django-filter did."""

from datetime import datetime

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory, force_authenticate

from anju.core.models import Person, User
from anju.servicedesk import listing, services
from anju.servicedesk.api.serializers import TicketSerializer
from anju.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db


def generic(ticket, request):
    """DRF's field-by-field representation of the same serializer."""
    serializer = TicketSerializer(ticket, context={"request": request})
    return serializers.ModelSerializer.to_representation(serializer, ticket)


def tickets_in_every_shape(world):
    agent, tech = world.users["agent"], world.users["technician"]
    resident = world.users["resident"]
    plain = services.open_ticket(
        actor=resident,
        community=world.community,
        house=world.house,
        kind="repair",
        category="water",
        description="厨房水管漏水",
        channel="portal",
    )
    worked = services.open_ticket(
        actor=agent,
        community=world.community,
        house=world.house,
        kind="repair",
        category="elevator",
        description="电梯异响",
        channel="phone",
        reporter=Person.objects.get(pk=resident.person_id),
    )
    services.assign(actor=agent, ticket=worked, assignee=tech)
    services.accept(actor=tech, ticket=worked)
    services.arrive(actor=tech, ticket=worked)
    services.add_work_item(
        actor=tech,
        ticket=worked,
        kind="material",
        description="轴承",
        quantity=1,
        unit="个",
        unit_price="35.50",
        chargeable=True,
    )
    services.resolve(actor=tech, ticket=worked, note="更换轴承")
    services.rate(actor=resident, ticket=worked, score=4, comment="及时")
    complaint = services.open_ticket(
        actor=agent,
        community=world.community,
        kind="complaint",
        category="noise",
        description="夜间施工噪音",
        channel="walk_in",
        source=world.house,
    )
    return [plain.pk, worked.pk, complaint.pk]


@pytest.mark.parametrize("who", ["agent", "technician", "resident"])
def test_fast_rows_equal_generic_representation(world, who):
    ids = tickets_in_every_shape(world)
    request = APIRequestFactory().get("/api/v1/tickets/")
    user = world.users[who]
    force_authenticate(request, user)
    request.user = user
    # The rows and labels the list reads (listing.ticket_page), unscoped for the comparison.
    everyone = User(is_superuser=True)
    _total, page = listing.ticket_page(everyone, None, listing.TicketQuery(), offset=0, limit=500)
    tickets = sorted((t for t in page if t.pk in ids), key=lambda t: t.pk)
    fast = TicketSerializer(tickets, many=True, context={"request": request}).data
    reference = Ticket.objects.select_related(
        "house__building", "first_responder", "assignee", "reporter", "source_type"
    )
    assert len(fast) == 3
    for row in fast:
        expected = generic(reference.get(pk=row["id"]), request)
        # The generic path masks nothing itself (masking was an override); the due step's
        # time is the same instant, now rendered in the current time zone like the others.
        expected["contact_phone"] = row["contact_phone"]
        if expected["next_due"]:
            assert datetime.fromisoformat(row["next_due"]["at"]) == expected["next_due"]["at"]
            expected["next_due"]["at"] = row["next_due"]["at"]
        assert row == expected
    worked = next(r for r in fast if r["id"] == ids[1])
    assert worked["charge_amount"] == "35.50" and worked["rating"] == 4
    assert worked["assignee_name"] and worked["reporter_name"]
    complaint = next(r for r in fast if r["id"] == ids[2])
    assert complaint["source"]["type"] == "core.house"


def test_contact_phone_masking_decided_per_viewer(world, api):
    ids = tickets_in_every_shape(world)
    rows = {
        who: {r["id"]: r for r in api(world.users[who]).get("/api/v1/tickets/").json()["results"]}
        for who in ("agent", "technician", "resident")
    }
    phone = rows["agent"][ids[0]]["contact_phone"]
    assert phone and "*" not in phone
    assert rows["technician"][ids[0]]["contact_phone"] != phone
    assert rows["resident"][ids[0]]["contact_phone"] == phone  # their own number


def test_list_filters(world, api):
    tickets_in_every_shape(world)
    agent = api(world.users["agent"])
    body = agent.get("/api/v1/tickets/?kind=complaint").json()
    assert [r["kind"] for r in body["results"]] == ["complaint"]
    body = agent.get(f"/api/v1/tickets/?house={world.house.pk}&status=new").json()
    assert body["count"] == 1
    assert agent.get("/api/v1/tickets/?assignee=999999").json()["count"] == 0


@pytest.mark.parametrize(
    "query, field",
    [("status=bogus", "status"), ("house=abc", "house"), ("priority=P9", "priority")],
)
def test_bad_filter_values_name_the_parameter(world, api, query, field):
    response = api(world.users["agent"]).get(f"/api/v1/tickets/?{query}")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_page_size_default_and_override(world, api):
    for i in range(22):
        services.open_ticket(
            actor=world.users["agent"],
            community=world.community,
            kind="inquiry",
            category="fees",
            description=f"咨询 {i}",
            channel="phone",
        )
    agent = api(world.users["agent"])
    body = agent.get("/api/v1/tickets/").json()
    assert body["count"] == 22 and len(body["results"]) == 20
    assert len(agent.get("/api/v1/tickets/?page_size=22").json()["results"]) == 22
