"""On PostgreSQL the ticket list's rows are JSON written by the database
(``listing.ticket_page_json``): the same keys, values and order as ``rows.TicketRows.row`` for
every shape of ticket, in both languages and in time zones east, west and at UTC, for viewers
who may and may not see contact numbers. (``test_listing.py`` compares the API's pages with the
ORM's on PostgreSQL too; this file checks the transcription itself, edge by edge.)"""

import json
from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone, translation
from rest_framework.test import APIClient

from anju.core.models import User
from anju.servicedesk import listing
from anju.servicedesk.models import Ticket
from anju.servicedesk.rows import TicketRows

from .test_listing import NOW, VIEW, build, client_of, fresh

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

WHO = ["root", "org_admin", "agent", "technician", "resident", "tenant", "neighbour"]
EVERYONE = listing.TicketQuery(ordering=["number"])


@pytest.fixture
def desk(world):
    with time_machine.travel(NOW, tick=False):
        made = build(world)
        edges(world, made)
        yield made


def edges(world, made):
    """Values the transcription must spell exactly as Python does."""
    tickets = list(Ticket.objects.filter(pk__in=made).order_by("pk"))
    odd = [
        # Microseconds, none and some; text JSON must escape; a phone too short to mask the
        # middle of; a waiting ticket; one due within the warning window, one long overdue.
        {"opened_at": NOW - timedelta(hours=3, microseconds=120)},
        {"resolve_due_at": NOW + timedelta(minutes=20, microseconds=5), "status": "new"},
        {"description": 'say "hi"\n\ttab \\ back \u2028 line \x01 ctl 中文', "title": "</script>"},
        {"contact_phone": "12345", "reporter": None},
        {"contact_phone": "1", "reporter": None},
        {"status": "waiting"},
        {"status": "new", "kind": "complaint", "resolve_due_at": NOW - timedelta(days=40)},
        {"status": "accepted", "kind": "repair", "accepted_at": NOW - timedelta(hours=1)},
        {"rating": 5, "status": "resolved", "charge_amount": "1234.50", "chargeable": True},
    ]
    for ticket, values in zip(tickets, odd, strict=False):
        Ticket.objects.filter(pk=ticket.pk).update(**values)
    # Names: a full-width space around a name is stripped as Python strips it.
    User.objects.filter(pk=world.users["manager"].pk).update(first_name="\u3000", last_name=" ")
    User.objects.filter(pk=world.users["manager2"].pk).update(first_name="\u3000芳", last_name="李")


def python_rows(user, query):
    total, tickets = listing.ticket_page(user, VIEW, query, offset=0, limit=500)
    rows = TicketRows(user)
    return total, [rows.row(t) for t in tickets]


def database_rows(user, query, **kwargs):
    total, texts = listing.ticket_page_json(user, VIEW, query, offset=0, limit=500, **kwargs)
    return total, [json.loads(text) for text in texts], texts


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/New_York", "Asia/Kolkata"])
def test_rows_as_python_writes_them(world, desk, language, zone):
    with override_settings(TIME_ZONE=zone), translation.override(language):
        timezone.deactivate()
        for who in WHO:
            user = fresh(world.users[who])
            for query in (EVERYONE, listing.TicketQuery(open=True, ordering=["resolve_due_at"])):
                total, expected = python_rows(user, query)
                got_total, got, texts = database_rows(user, query)
                assert got_total == total and expected, who
                for row, want, text in zip(got, expected, texts, strict=True):
                    assert row == want, (who, row["id"])
                    assert list(row) == list(want)  # the keys in the same order
                    assert "\u2028" not in text or "\\u2028" not in text


def test_edges_are_present(world, desk):
    """The edges above reach the page (so the comparison covers them)."""
    _total, rows, texts = database_rows(fresh(world.users["root"]), EVERYONE)
    assert {r["sla_state"] for r in rows} == {"ok", "warn", "bad"}
    assert any("." in (r["opened_at"] or "") for r in rows)
    assert any("." not in (r["opened_at"] or "") for r in rows)
    assert any(r["contact_phone"] == "12345" for r in rows)
    assert any('"hi"' in r["description"] for r in rows)
    assert {r["assignee_name"] for r in rows} | {r["first_responder_name"] for r in rows} >= {
        "manager",
        "芳 李",
    }
    technician = fresh(world.users["technician"])
    masked = [r["contact_phone"] for r in database_rows(technician, EVERYONE)[1]]
    assert "1****" in masked  # mask_middle of a short number


def test_an_empty_page_and_a_page_past_the_end(world, desk):
    user = fresh(world.users["agent"])
    total = database_rows(user, EVERYONE)[0]
    assert listing.ticket_page_json(user, VIEW, EVERYONE, offset=total + 5, limit=10) == (
        total,
        [],
    )
    nobody = listing.TicketQuery(search=["no such ticket anywhere"])
    assert listing.ticket_page_json(user, VIEW, nobody, offset=0, limit=10) == (0, [])


def test_the_api_answers_the_same_bytes_either_way(world, desk):
    """JSON from the database on the plain path; an indented answer (rendered by DRF from the
    Python rows) holds the same data."""
    client = client_of(world.users["agent"])
    plain = client.get("/api/v1/tickets/?page_size=100", HTTP_ACCEPT="application/json")
    indented = client.get(
        "/api/v1/tickets/?page_size=100", HTTP_ACCEPT="application/json; indent=2"
    )
    assert plain.status_code == indented.status_code == 200
    assert b"\n" not in plain.content and b"\n  " in indented.content
    assert json.loads(plain.content) == json.loads(indented.content)
    assert "\u2028".encode() not in plain.content  # escaped as DRF escapes it


def test_anonymous_and_foreign_viewers_see_nothing(world, desk):
    from django.contrib.auth.models import AnonymousUser

    assert listing.ticket_page_json(AnonymousUser(), VIEW, EVERYONE, offset=0, limit=10) == (0, [])
    outsider = fresh(world.users["outsider"])
    ids = {r["id"] for r in database_rows(outsider, EVERYONE)[1]}
    assert ids and ids.isdisjoint(
        Ticket.objects.filter(organization=world.org).values_list("pk", flat=True)
    )
    assert APIClient().get("/api/v1/tickets/").status_code in (401, 403)
