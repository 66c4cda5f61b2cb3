"""The resident confirms a repair and rates it in one submit; a refused rating keeps what was
typed and changes nothing."""

import pytest

from anju.servicedesk import services
from anju.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(world):
    ticket = services.create_ticket(
        actor=world.users["agent"],
        community=world.community,
        kind="repair",
        category="water",
        description="厨房漏水",
        channel="phone",
        house=world.house,
        reporter=world.people["owner"],
    )
    services.assign(actor=world.users["agent"], ticket=ticket, assignee=world.users["technician"])
    services.accept(actor=world.users["technician"], ticket=ticket)
    services.resolve(actor=world.users["technician"], ticket=ticket, note="换了阀门")
    return ticket


def test_one_form_confirms_and_rates(world, client, resolved):
    client.force_login(world.users["resident"])
    url = f"/app/tickets/{resolved.pk}/"
    html = client.get(url).content.decode()
    assert f'action="{url}do/confirm/"' in html
    assert f'action="{url}do/rate/"' not in html  # no second submit for the rating
    confirm_form = html[html.index(f'action="{url}do/confirm/"') :]
    confirm_form = confirm_form[: confirm_form.index("</form>")]
    assert 'name="score"' in confirm_form and 'name="comment"' in confirm_form
    client.post(f"{url}do/confirm/", {"score": "4", "comment": "师傅很仔细"})
    ticket = Ticket.objects.get(pk=resolved.pk)
    assert ticket.status == "confirmed"
    assert ticket.rating == 4 and ticket.rating_comment == "师傅很仔细"


def test_confirming_without_a_rating_leaves_rating_for_later(world, client, resolved):
    client.force_login(world.users["resident"])
    url = f"/app/tickets/{resolved.pk}/"
    client.post(f"{url}do/confirm/", {"comment": ""})
    ticket = Ticket.objects.get(pk=resolved.pk)
    assert ticket.status == "confirmed" and ticket.rating is None
    assert f'action="{url}do/rate/"' in client.get(url).content.decode()


def test_a_refused_rating_keeps_what_was_typed_and_saves_nothing(world, client, resolved):
    client.force_login(world.users["resident"])
    url = f"/app/tickets/{resolved.pk}/"
    answer = client.post(f"{url}do/confirm/", {"score": "9", "comment": "还行吧"}, follow=True)
    ticket = Ticket.objects.get(pk=resolved.pk)
    assert ticket.status == "resolved" and ticket.rating is None
    html = answer.content.decode()
    assert "还行吧" in html and 'role="alert"' in html
