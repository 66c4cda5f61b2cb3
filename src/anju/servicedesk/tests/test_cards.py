"""The dashboard cards count what the lists they link to show: one rule of "overdue" (open,
the clock running, past resolve-by) for the card, the console list, the API filter, the
workbench and the KPIs' backlog."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.test import RequestFactory
from django.utils import timezone

from anju.core.middleware import SESSION_KEY
from anju.servicedesk import selectors, services
from anju.servicedesk.models import ReturnVisit, Ticket

pytestmark = pytest.mark.django_db


def _open(world, community):
    return services.create_ticket(
        actor=world.users["org_admin"],
        community=community,
        kind="repair",
        category="water",
        description="水管漏水",
        channel="phone",
    )


@pytest.fixture
def tickets(world):
    """In the first community: two overdue with the clock running, one overdue while waiting
    for the resident (paused: not overdue), one closed past its time, one not yet due; and one
    overdue in the second community."""
    past = timezone.now() - timedelta(hours=3)
    made = {
        name: _open(world, world.community)
        for name in ("late", "late2", "waiting", "closed", "fresh")
    }
    made["elsewhere"] = _open(world, world.community2)
    for name in ("late", "late2", "waiting", "closed", "elsewhere"):
        Ticket.objects.filter(pk=made[name].pk).update(resolve_due_at=past)
    Ticket.objects.filter(pk=made["waiting"].pk).update(status="waiting", paused_at=past)
    Ticket.objects.filter(pk=made["closed"].pk).update(status="closed", closed_at=past)
    return made


def _card(user, community_id, link):
    request = RequestFactory().get("/console/")
    request.user, request.community_id = user, community_id
    cards = apps.get_app_config("servicedesk").dashboard_cards(request)
    return next(c for c in cards if c["link"] == link)


@pytest.mark.parametrize("in_community", [False, True])
def test_overdue_card_counts_the_list_it_links_to(world, client, api, tickets, in_community):
    manager = world.users["org_admin"]
    community_id = world.community.pk if in_community else None
    card = _card(manager, community_id, "/console/tickets/?overdue=true")
    client.force_login(manager)
    if community_id:
        session = client.session
        session[SESSION_KEY] = community_id
        session.save()
    page = client.get(card["link"])
    assert page.status_code == 200
    listed = {t.pk for t in page.context["paginator"].object_list}
    expected = {tickets["late"].pk, tickets["late2"].pk}
    if not in_community:
        expected.add(tickets["elsewhere"].pk)
    assert listed == expected
    assert card["value"] == page.context["paginator"].count == len(expected)
    # The API's ?overdue=true and the workbench agree.
    params = {"overdue": "true"} | ({"community": community_id} if community_id else {})
    body = api(manager).get("/api/v1/tickets/", params).json()
    assert {row["id"] for row in body["results"]} == expected
    assert selectors.desk_counts(
        Ticket.objects.visible_to(manager, "servicedesk.ticket.view").in_community(community_id)
    )["overdue"] == len(expected)


def test_backlog_and_comparison_count_overdue_the_same_way(world, tickets):
    today = timezone.localdate()
    tickets_here = Ticket.objects.filter(community=world.community)
    assert selectors.backlog(tickets_here)["overdue"] == 2
    metrics = selectors.community_metrics(
        world.users["org_admin"], [world.community.pk], today, today
    )
    overdue = next(m for m in metrics if m.key == "overdue")
    assert overdue.values == {world.community.pk: 2}


def test_workbench_counts_overdue_by_the_rule(world, client, tickets):
    client.force_login(world.users["org_admin"])
    page = client.get("/console/service/")
    assert page.context["counts"]["overdue"] == 3


def test_return_visits_due_are_all_counted_not_the_thirty_listed(world, client):
    """Defect: the workbench card showed how many return visits it lists (30 at most)."""
    now = timezone.now()
    rows = [
        services.ticket_row(
            community=world.community,
            kind="repair",
            category="water",
            description="水管漏水",
            priority="P3",
            sla=(30, 120, 1440),
            opened_at=now - timedelta(days=1),
            number=f"R-TEST-{n:04d}",
            channel="phone",
        )
        for n in range(31)
    ]
    for row in rows:
        row.status, row.resolved_at = "resolved", now - timedelta(hours=2)
    Ticket.objects.bulk_create(rows)
    ReturnVisit.objects.bulk_create(
        ReturnVisit(
            organization_id=t.organization_id,
            community_id=t.community_id,
            ticket=t,
            due_at=now,
        )
        for t in Ticket.objects.filter(number__startswith="R-TEST-")
    )
    client.force_login(world.users["org_admin"])
    page = client.get("/console/service/")
    assert len(page.context["visits"]) == 30
    assert page.context["counts"]["visits"] == 31
    card = _card(world.users["org_admin"], None, "/console/return-visits/?due=today")
    assert card["value"] == 31
