"""Triage at intake: staff may override the computed priority with a reason (console phone
intake and POST /api/v1/tickets/); residents choose the urgency, never the priority."""

import pytest

from anju.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db


def report_data(world, **extra):
    data = {
        "community": world.community.pk,
        "house": world.house.pk,
        "kind": "repair",
        "category": "door",  # P3 by default
        "description": "单元门禁坏了，老人进不了门",
        "channel": "phone",
    }
    data.update(extra)
    return data


def test_console_intake_overrides_priority_with_reason(world, client):
    client.force_login(world.users["agent"])
    page = client.get("/console/service/").content.decode()
    assert 'name="priority"' in page and 'name="priority_reason"' in page
    response = client.post(
        "/console/service/",
        {
            **report_data(world),
            "reporter": world.people["owner"].pk,
            "urgency": "normal",
            "priority": "P1",
            "priority_reason": "独居老人被困门外，天冷",
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.priority == "P1" and ticket.priority_reason == "独居老人被困门外，天冷"
    opened = ticket.events.get(action="open")
    assert opened.data["priority"] == "P1"
    # P1 due times, not P3's
    assert (ticket.arrive_due_at - ticket.opened_at).total_seconds() == 30 * 60
    page = client.get(f"/console/tickets/{ticket.pk}/").content.decode()
    assert "独居老人被困门外" in page


def test_console_intake_without_override_uses_the_computed_priority(world, client):
    client.force_login(world.users["agent"])
    client.post(
        "/console/service/",
        {**report_data(world), "urgency": "high", "priority": "", "priority_reason": "x"},
    )
    ticket = Ticket.objects.get()
    assert ticket.priority == "P2" and ticket.priority_reason == ""


def test_api_staff_sets_priority_and_reason(world, api):
    r = api(world.users["agent"]).post(
        "/api/v1/tickets/",
        report_data(world, priority="P1", priority_reason="独居老人被困门外"),
        format="json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["priority"] == "P1" and r.json()["priority_reason"] == "独居老人被困门外"
    r = api(world.users["agent"]).post(
        "/api/v1/tickets/", report_data(world, priority="P9"), format="json"
    )
    assert r.status_code == 400 and "priority" in r.json()["error"]["fields"]
    r = api(world.users["agent"]).post(
        "/api/v1/tickets/",
        report_data(world, priority="P1", priority_reason="x" * 201),
        format="json",
    )
    assert r.status_code == 400 and "priority_reason" in r.json()["error"]["fields"]


def test_api_resident_cannot_override_priority(world, api):
    r = api(world.users["resident"]).post(
        "/api/v1/tickets/",
        report_data(world, channel="portal", priority="P1", priority_reason="我很急"),
        format="json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["priority"] == "P3" and r.json()["priority_reason"] == ""
    ticket = Ticket.objects.get()
    assert ticket.priority == "P3" and ticket.priority_reason == "" and ticket.channel == "portal"
