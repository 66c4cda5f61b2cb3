"""The workbench queue and the technician's tasks are ordered by the next SLA step due, over
all open tickets, in SQL, before the page is cut."""

from datetime import timedelta

import pytest
from django.utils import timezone

from anju.servicedesk import selectors, services
from anju.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db


def test_a_new_report_due_for_acceptance_soon_is_on_the_workbench(world, client):
    """Defect: the workbench took the first 40 open tickets by resolve-by and only then sorted
    them by the next step, so a report opened now (accept within minutes, resolve by
    tomorrow) never appeared behind older tickets with an earlier resolve-by."""
    now = timezone.now()
    old = [
        services.ticket_row(
            community=world.community,
            kind="complaint",
            category="noise",
            description="楼上噪音",
            priority="P3",
            sla=(30, 120, 24 * 60),
            opened_at=now - timedelta(hours=20),
            number=f"TS-OLD-{n:03d}",
            channel="phone",
        )
        for n in range(60)
    ]
    Ticket.objects.bulk_create(old)
    fresh = services.create_ticket(
        actor=world.users["agent"],
        community=world.community,
        kind="repair",
        category="water",
        description="厨房水管爆裂",
        channel="phone",
    )
    assert fresh.resolve_due_at > max(t.resolve_due_at for t in old)
    assert fresh.accept_due_at < min(t.resolve_due_at for t in old)
    client.force_login(world.users["agent"])
    page = client.get("/console/service/")
    queue = [row["t"].pk for row in page.context["queue"]]
    assert queue[0] == fresh.pk
    assert len(queue) == 40
    assert fresh.number in page.content.decode()


def test_by_next_due_orders_a_queryset_in_sql_as_the_list_rule(world):
    now = timezone.now()
    made = [
        services.create_ticket(
            actor=world.users["agent"],
            community=world.community,
            kind=kind,
            category="water",
            description="测试",
            channel="phone",
        )
        for kind in ("repair", "repair", "inquiry", "repair")
    ]
    Ticket.objects.filter(pk=made[1].pk).update(accepted_at=now)  # next: arrive
    Ticket.objects.filter(pk=made[3].pk).update(status="waiting")  # paused: last
    qs = Ticket.objects.filter(pk__in=[t.pk for t in made])
    in_sql = [t.pk for t in selectors.by_next_due(qs)]
    in_python = [t.pk for t in selectors.by_next_due(list(qs))]
    assert in_sql == in_python
    assert in_sql[-1] == made[3].pk


def test_open_tasks_for_a_technician(world):
    tech = world.users["technician"]
    a, b = (
        services.create_ticket(
            actor=world.users["agent"],
            community=world.community,
            kind="repair",
            category="water",
            description="测试",
            channel="phone",
        )
        for _ in range(2)
    )
    services.assign(actor=world.users["org_admin"], ticket=b, assignee=tech)
    services.assign(actor=world.users["org_admin"], ticket=a, assignee=tech)
    services.accept(actor=tech, ticket=Ticket.objects.get(pk=b.pk))
    tasks = list(selectors.open_tasks_for(tech))
    assert [t.pk for t in tasks] == [t.pk for t in selectors.by_next_due(tasks)]
    assert {t.pk for t in tasks} == {a.pk, b.pk}
    assert list(selectors.open_tasks_for(world.users["agent"])) == []
