"""Every service-desk and staff dashboard card (and the workbench's own cards) counts exactly
the rows of the list its link opens, for a manager, an agent, a technician and the company."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.test import RequestFactory
from django.utils import timezone, translation

from anju.core.middleware import SESSION_KEY
from anju.servicedesk import services
from anju.servicedesk.models import ReturnVisit, Ticket
from anju.staff import services as staff_services

pytestmark = pytest.mark.django_db

WHO = ["manager", "agent", "technician", "org_admin"]


def _open(world, community, **kwargs):
    return services.create_ticket(
        actor=world.users["org_admin"],
        community=community,
        kind="repair",
        category="water",
        description="水管漏水",
        channel="phone",
        **kwargs,
    )


@pytest.fixture
def desk(world):
    """Open tickets in both communities (new ones, one dispatched to the technician, one
    overdue), a resolved one, return visits due today, tomorrow and done, and an evaluation
    each for the agent and the technician still to acknowledge."""
    now = timezone.now()
    made = [_open(world, world.community) for _ in range(3)]
    made += [_open(world, world.community2) for _ in range(2)]
    services.assign(
        actor=world.users["org_admin"], ticket=made[0], assignee=world.users["technician"]
    )
    Ticket.objects.filter(pk=made[1].pk).update(resolve_due_at=now - timedelta(hours=1))
    done = [_open(world, world.community) for _ in range(3)]
    Ticket.objects.filter(pk__in=[t.pk for t in done]).update(
        status="resolved", resolved_at=now - timedelta(hours=3)
    )
    for ticket, due, status in (
        (done[0], now, "pending"),
        (done[1], now + timedelta(days=2), "pending"),
        (done[2], now - timedelta(days=1), "done"),
    ):
        ReturnVisit.objects.create(
            organization_id=ticket.organization_id,
            community_id=ticket.community_id,
            ticket=ticket,
            due_at=due,
            status=status,
        )
    month = f"{timezone.localdate():%Y-%m}"
    for who in ("agent", "technician"):
        staff_services.record_evaluation(
            actor=world.users["manager"],
            community=world.community,
            staff=world.users[who],
            period=month,
            attitude=5,
            quality=4,
            timeliness=4,
            discipline=5,
        )
    return made


def _login(client, user, community_id):
    client.force_login(user)
    if community_id:
        session = client.session
        session[SESSION_KEY] = community_id
        session.save()


def _rows(page):
    """How many rows the page lists (all pages of a paginated list)."""
    ctx = page.context
    if ctx.get("paginator") is not None:
        return ctx["paginator"].count
    for name in ("rows", "evaluations"):
        if name in ctx:
            return len(list(ctx[name]))
    raise AssertionError("no list on the page")


def _cards(user, community_id):
    request = RequestFactory().get("/console/")
    request.user, request.community_id = user, community_id
    return [
        card
        for label in ("servicedesk", "staff")
        for card in apps.get_app_config(label).dashboard_cards(request)
    ]


@pytest.mark.parametrize("in_community", [False, True])
@pytest.mark.parametrize("who", WHO)
def test_each_dashboard_card_counts_the_rows_of_its_list(world, client, desk, who, in_community):
    user = world.users[who]
    community_id = world.community.pk if in_community else None
    cards = _cards(user, community_id)
    assert cards
    _login(client, user, community_id)
    for card in cards:
        page = client.get(card["link"])
        assert page.status_code == 200, card["link"]
        assert _rows(page) == card["value"], (card["title"], card["link"])


def test_the_cards_a_manager_and_an_agent_and_a_technician_see(world, desk):
    with translation.override("en"):
        titles = {who: {str(c["title"]) for c in _cards(world.users[who], None)} for who in WHO}
    assert {"Open tickets", "Overdue tickets", "Return visits due"} <= titles["manager"]
    assert {"Open tickets", "Return visits due", "Evaluations to acknowledge"} <= titles["agent"]
    assert {"My tasks", "Evaluations to acknowledge"} <= titles["technician"]


@pytest.mark.parametrize("who", ["manager", "agent", "org_admin"])
def test_workbench_cards_count_the_rows_of_their_lists(world, client, desk, who):
    """Defect: the workbench's "Open tickets" card linked to the new ones only."""
    _login(client, world.users[who], None)
    page = client.get("/console/service/")
    html = page.content.decode()
    counts = page.context["counts"]
    for link, value in (
        ("/console/tickets/?open=true", counts["open"]),
        ("/console/tickets/?overdue=true", counts["overdue"]),
        ("/console/return-visits/?due=today", counts["visits"]),
    ):
        assert f'href="{link}"' in html
        assert _rows(client.get(link)) == value, link
    assert counts["open"] > counts["unassigned"] > 0
