"""A return visit is recorded once: the service refuses a second (409 with what is allowed),
and the ticket page hides the form once it is recorded."""

import pytest
from django.utils import translation

from anju.core.errors import InvalidTransition
from anju.servicedesk import services
from anju.servicedesk.models import ReturnVisit, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(world):
    ticket = services.create_ticket(
        actor=world.users["agent"],
        community=world.community,
        kind="inquiry",
        category="fees",
        description="物业费怎么交",
        channel="phone",
    )
    services.resolve(actor=world.users["org_admin"], ticket=ticket, note="已解答")
    ticket.refresh_from_db()
    return ticket


def _record(world, ticket, outcome="satisfied", note=""):
    return services.record_return_visit(
        actor=world.users["agent"],
        ticket=Ticket.objects.get(pk=ticket.pk),
        outcome=outcome,
        note=note,
    )


def test_service_refuses_a_second_record(world, resolved):
    assert resolved.return_visits.filter(status="pending").count() == 1
    _record(world, resolved, "unreachable", "无人接听")
    assert "return-visit" in Ticket.objects.get(pk=resolved.pk).allowed_actions()  # closed
    with pytest.raises(InvalidTransition) as refused:
        _record(world, resolved)
    assert "return-visit" not in refused.value.allowed
    assert ReturnVisit.objects.filter(ticket=resolved, status="done").count() == 1


def test_api_answers_409_with_the_allowed_actions(world, api, resolved):
    client = api(world.users["agent"])
    url = f"/api/v1/tickets/{resolved.pk}/return-visit/"
    first = client.post(url, {"outcome": "unreachable", "note": "无人接听"}, format="json")
    assert first.status_code == 200, first.content
    with translation.override("en"):
        second = client.post(url, {"outcome": "satisfied"}, format="json")
    assert second.status_code == 409
    error = second.json()["error"]
    assert error["code"] == "invalid_state"
    assert "return-visit" not in error["allowed"]
    assert ReturnVisit.objects.filter(ticket=resolved, status="done").count() == 1


def test_page_hides_the_form_once_recorded(world, client, resolved):
    client.force_login(world.users["agent"])
    url = f"/console/tickets/{resolved.pk}/"
    assert 'id="return-visit"' in client.get(url).content.decode()
    _record(world, resolved, "unreachable", "无人接听")
    page = client.get(url)
    assert "return-visit" not in [a for a, *_ in page.context["action_pairs"]]
    assert 'id="return-visit"' not in page.content.decode()
    posted = client.post(f"{url}do/return-visit/", {"outcome": "satisfied"})
    assert posted.status_code == 302
    assert ReturnVisit.objects.filter(ticket=resolved, status="done").count() == 1


def test_a_reopened_ticket_resolved_again_gets_a_new_visit(world, resolved):
    _record(world, resolved, "reopen", "还是坏的")
    ticket = Ticket.objects.get(pk=resolved.pk)
    services.resolve(actor=world.users["org_admin"], ticket=ticket, note="再次处理")
    _record(world, resolved)
    assert ReturnVisit.objects.filter(ticket=resolved, status="done").count() == 2
