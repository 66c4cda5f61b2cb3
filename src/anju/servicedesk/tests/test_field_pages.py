"""The technician's phone pages show the ticket's photos (thumbnails through the scoped
/files/ view) and take photos when resolving; the workbench and the dispatch form say when no
agent or technician is on duty and who comes next; lists name the community when the user sees
more than one; the SLA page shows skill labels and lines its cells up with its headers."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from anju.core import attachments
from anju.core.middleware import SESSION_KEY
from anju.core.tests import samples
from anju.servicedesk import services
from anju.servicedesk.models import DutyShift, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _photo(name="漏水.jpg"):
    return samples.upload(samples.jpeg(320, 240), name)


@pytest.fixture
def task(world):
    ticket = services.create_ticket(
        actor=world.users["agent"],
        community=world.community,
        kind="repair",
        category="water",
        description="厨房水管漏水",
        channel="portal",
        house=world.house,
        reporter=world.people["owner"],
        attachments=attachments.prepare([_photo()], field="photos"),
    )
    services.assign(actor=world.users["agent"], ticket=ticket, assignee=world.users["technician"])
    services.accept(actor=world.users["technician"], ticket=ticket)
    return Ticket.objects.get(pk=ticket.pk)


def test_my_tasks_and_my_task_show_the_photos(world, client, task):
    """Defect: the technician's task pages showed no photos of the report."""
    client.force_login(world.users["technician"])
    photo = attachments.of(task)[0]
    for url in ("/console/my-tasks/", f"/console/my-tasks/{task.pk}/"):
        html = client.get(url).content.decode()
        assert f'src="/files/{photo.pk}/' in html, url
        assert f'href="/files/{photo.pk}/' in html, url
    assert client.get(photo.url).status_code == 200
    client.force_login(world.users["neighbour"])
    assert client.get(photo.url).status_code in (403, 404)


def test_the_technician_resolves_with_photos(world, client, task):
    client.force_login(world.users["technician"])
    url = f"/console/my-tasks/{task.pk}/"
    client.post(f"/console/tickets/{task.pk}/do/arrive/", {"next": url})
    html = client.get(url).content.decode()
    assert 'id="resolve-photos"' in html and 'capture="environment"' in html
    answer = client.post(
        f"/console/tickets/{task.pk}/do/resolve/",
        {"note": "更换了阀门", "next": url, "photos": [_photo("完工.jpg")]},
    )
    assert answer.status_code == 302
    ticket = Ticket.objects.get(pk=task.pk)
    assert ticket.status == "resolved"
    assert len(attachments.of(ticket)) == 2


def test_my_task_targets_are_thumb_sized(world, client, task):
    client.force_login(world.users["technician"])
    html = client.get(f"/console/my-tasks/{task.pk}/").content.decode()
    assert "servicedesk/servicedesk.css" in html
    assert 'class="check"' in html  # checkboxes inside 44 px labels


def _shift(world, user, role, start, hours):
    return DutyShift.objects.create(
        organization=world.org,
        community=world.community,
        user=world.users[user],
        role=role,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
    )


def test_workbench_and_dispatch_form_say_nobody_is_on_duty_and_who_is_next(world, client):
    """Defect: at night no agent or technician was on duty and no page said so."""
    now = timezone.now()
    world.users["technician"].first_name = "王师傅"
    world.users["technician"].save()
    _shift(world, "agent", "agent", now - timedelta(hours=2), 8)  # the agent is on now
    _shift(world, "technician", "technician", now + timedelta(hours=3), 8)  # next technician
    ticket = services.create_ticket(
        actor=world.users["agent"],
        community=world.community,
        kind="repair",
        category="water",
        description="夜间漏水",
        channel="phone",
    )
    client.force_login(world.users["org_admin"])
    session = client.session
    session[SESSION_KEY] = world.community.pk
    session.save()
    page = client.get("/console/service/")
    gaps = [c for c in page.context["cover"] if not c["on_duty"]]
    assert [g["role"] for g in gaps] == ["technician"]
    html = page.content.decode()
    gap = html[html.index('class="duty-gap"') :]
    gap = gap[: gap.index("</p>")]
    assert "王师傅" in gap and timezone.localtime(now + timedelta(hours=3)).strftime("%H:%M") in gap
    detail = client.get(f"/console/tickets/{ticket.pk}/").content.decode()
    gap = detail[detail.index('class="duty-gap"') :]
    assert "王师傅" in gap[: gap.index("</p>")]
    # with a technician on duty the warning goes
    _shift(world, "technician", "technician", now - timedelta(hours=1), 4)
    page = client.get("/console/service/")
    assert not [c for c in page.context["cover"] if not c["on_duty"]]
    assert 'class="duty-gap"' not in client.get(f"/console/tickets/{ticket.pk}/").content.decode()


def test_lists_name_the_community_when_the_user_sees_more_than_one(world, client):
    """Defect: ticket numbers repeated across communities and no list said which one. Numbers
    now carry the community's code; lists mixing communities still name each one."""
    a = services.create_ticket(
        actor=world.users["org_admin"],
        community=world.community,
        kind="repair",
        category="water",
        description="漏水",
        channel="phone",
    )
    b = services.create_ticket(
        actor=world.users["org_admin"],
        community=world.community2,
        kind="repair",
        category="water",
        description="漏水",
        channel="phone",
    )
    assert a.number != b.number and a.number[-4:] == b.number[-4:] == "0001"
    client.force_login(world.users["org_admin"])
    listed = client.get("/console/tickets/?open=true")
    assert "community" in [str(c.name) for c in listed.context["columns"]]
    html = listed.content.decode()
    assert world.community.name in html and world.community2.name in html
    workbench = client.get("/console/service/").content.decode()
    assert workbench.count(world.community2.name) >= 1
    assert world.community.name in workbench
    # one community chosen (or only one seen): no column
    client.force_login(world.users["agent"])
    listed = client.get("/console/tickets/")
    assert "community" not in [str(c.name) for c in listed.context["columns"]]


def test_sla_page_shows_skill_labels_and_one_cell_per_header(world, client):
    client.force_login(world.users["org_admin"])
    with translation.override("en"):
        html = client.get("/console/service/sla/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    table = html[html.index('id="category-table"') :]
    table = table[: table.index("</table>")]
    assert "Plumbing" in table and ">plumbing<" not in table
    sla = html[html.index('id="sla-table"') :]
    sla = sla[: sla.index("</table>")]
    headers = len(re.findall(r"<th[ >]", sla[: sla.index("</thead>")]))
    for row in sla[sla.index("<tbody>") :].split("<tr>")[1:]:
        assert row.count("<td") == headers, row[:200]
        assert "colspan" not in row
