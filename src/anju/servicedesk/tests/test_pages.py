"""Console and portal pages render for the right people and run actions through services."""

import pytest

from anju.servicedesk import services
from anju.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(world):
    return services.create_ticket(
        actor=world.users["agent"],
        community=world.community,
        kind="repair",
        category="water",
        description="厨房漏水",
        channel="phone",
        house=world.house,
        reporter=world.people["owner"],
    )


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/console/service/",
        "/console/tickets/",
        "/console/service/kpis/",
        "/console/service/sla/",
        "/console/return-visits/",
        "/console/my-tasks/",
    ],
)
def test_console_pages_render_for_manager(world, client, ticket, url):
    response = login(client, world.users["manager"]).get(url)
    assert response.status_code == 200, url


def test_workbench_phone_intake_finds_caller_and_opens_ticket(world, client, ticket):
    c = login(client, world.users["agent"])
    page = c.get("/console/service/?phone=13900001111").content.decode()
    assert "张三" in page and ticket.number in page
    page = c.get("/console/service/?phone=1111").content.decode()  # last digits are enough
    assert "张三" in page
    response = c.post(
        "/console/service/",
        {
            "community": world.community.pk,
            "house": world.house.pk,
            "reporter": world.people["owner"].pk,
            "kind": "repair",
            "category": "elevator",
            "urgency": "emergency",
            "channel": "phone",
            "description": "电梯困人",
            "contact_phone": "13900001111",
        },
    )
    assert response.status_code == 302
    new = Ticket.objects.exclude(pk=ticket.pk).get()
    assert new.priority == "P1" and new.first_responder == world.users["agent"]


def test_ticket_page_actions_and_technician_phone_page(world, client, ticket):
    c = login(client, world.users["agent"])
    page = c.get(f"/console/tickets/{ticket.pk}/").content.decode()
    assert 'id="assign"' in page and 'id="accept"' not in page
    c.post(f"/console/tickets/{ticket.pk}/do/assign/", {"assignee": world.users["technician"].pk})
    ticket.refresh_from_db()
    assert ticket.status == "assigned"
    tech = login(client, world.users["technician"])
    page = tech.get("/console/my-tasks/").content.decode()
    assert ticket.number in page
    tech.post(f"/console/tickets/{ticket.pk}/do/accept/", {"next": "/console/my-tasks/"})
    tech.post(f"/console/tickets/{ticket.pk}/do/arrive/", {})
    response = tech.post(f"/console/tickets/{ticket.pk}/do/resolve/", {"note": ""})
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"  # a repair needs to say what was done
    tech.post(f"/console/tickets/{ticket.pk}/do/resolve/", {"note": "换了阀门"})
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    assert response.status_code == 302
    # a technician may not close
    assert tech.post(f"/console/tickets/{ticket.pk}/do/close/", {}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_outsider_cannot_open_ticket_page(world, client, ticket):
    assert (
        login(client, world.users["outsider"]).get(f"/console/tickets/{ticket.pk}/").status_code
        == 404
    )
    assert (
        login(client, world.users["manager2"]).get(f"/console/tickets/{ticket.pk}/").status_code
        == 404
    )


def test_portal_report_and_rate(world, client):
    c = login(client, world.users["resident"])
    assert c.get("/app/tickets/").status_code == 200
    assert c.get("/app/tickets/new/").status_code == 200
    response = c.post(
        "/app/tickets/new/",
        {
            "house": world.house.pk,
            "kind": "repair",
            "category": "water",
            "urgency": "normal",
            "description": "卫生间漏水",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    t = Ticket.objects.get()
    assert t.channel == "portal" and t.reporter == world.people["owner"]
    page = c.get(f"/app/tickets/{t.pk}/").content.decode()
    assert t.number in page
    services.assign(actor=world.users["agent"], ticket=t, assignee=world.users["technician"])
    services.accept(actor=world.users["technician"], ticket=t)
    services.resolve(actor=world.users["technician"], ticket=t, note="ok")
    c.post(f"/app/tickets/{t.pk}/do/rate/", {"score": "4", "comment": "好"})
    t.refresh_from_db()
    assert t.rating == 4
    assert login(client, world.users["neighbour"]).get(f"/app/tickets/{t.pk}/").status_code == 404


def test_dashboard_cards_and_personal_data(world, client, ticket):
    page = login(client, world.users["manager"]).get("/console/").content.decode()
    assert "/console/tickets/" in page
    from django.apps import apps

    data = apps.get_app_config("servicedesk").personal_data(world.users["resident"])
    assert data["tickets"][0]["number"] == ticket.number


def _in_progress(world, client, ticket):
    c = login(client, world.users["agent"])
    c.post(f"/console/tickets/{ticket.pk}/do/assign/", {"assignee": world.users["technician"].pk})
    tech = login(client, world.users["technician"])
    tech.post(f"/console/tickets/{ticket.pk}/do/accept/", {})
    tech.post(f"/console/tickets/{ticket.pk}/do/arrive/", {})
    return tech


def test_a_refused_action_keeps_what_was_typed(world, client, ticket, settings, tmp_path):
    """The resolve note survives a refused photo, on the technician's phone page too; the
    refusal shows beside the form it belongs to; another ticket's page does not get it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    tech = _in_progress(world, client, ticket)
    page_url = f"/console/my-tasks/{ticket.pk}/"
    note = "换了厨房进水阀门 <b>并试水</b>"
    bad = SimpleUploadedFile("x.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg")
    response = tech.post(
        f"/console/tickets/{ticket.pk}/do/resolve/",
        {"note": note, "photos": bad, "next": page_url},
    )
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    assert response.status_code == 302 and response["Location"].startswith(page_url)
    page = tech.get(page_url).content.decode()
    assert "换了厨房进水阀门 &lt;b&gt;并试水&lt;/b&gt;</textarea>" in page  # kept, escaped
    assert 'class="field-error"' in page
    # shown once: the next visit is a clean form
    assert "换了厨房进水阀门" not in tech.get(page_url).content.decode()


def test_a_refused_reason_is_kept_for_its_own_form_only(world, client, ticket):
    c = login(client, world.users["agent"])
    c.post(f"/console/tickets/{ticket.pk}/do/assign/", {"assignee": world.users["technician"].pk})
    c.post(f"/console/tickets/{ticket.pk}/do/transfer/", {"assignee": "", "reason": "师傅请假"})
    page = c.get(f"/console/tickets/{ticket.pk}/").content.decode()
    assert page.count('value="师傅请假"') == 1
