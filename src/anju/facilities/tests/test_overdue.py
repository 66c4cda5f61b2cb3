""" "Overdue" is one definition (MaintenanceTask.overdue_q, Hazard.overdue_q): the workbench card's
number is the number of rows of the list it links to, of the API with the same filter, of the
dashboard and of the comparison report."""

from datetime import date
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.test import RequestFactory, override_settings
from django.urls import reverse

from anju.facilities import services
from anju.facilities.models import MaintenancePlan, MaintenanceTask
from anju.facilities.selectors import community_metrics

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def late(fac, world, frozen):
    """Today is 2026-11-28. A fortnightly lift plan from 11-01: the 11-01 task was marked overdue
    by a sweep on 11-10, the 11-15 one is past due but no sweep has run since, the 11-29 one is
    to come; a hazard past its deadline, one within it and one closed."""
    plan = services.create_plan(
        actor=fac.manager,
        community=world.community,
        name="电梯半月保养",
        category="elevator",
        frequency="every_n_days",
        interval=14,
        starts_on=date(2026, 11, 1),
        assets=[fac.lift],
        checklist=[{"label": "制动器"}],
    )
    services.generate_tasks(
        today=date(2026, 11, 1), plans=MaintenancePlan.objects.filter(pk=plan.pk)
    )
    assert services.sweep_overdue_tasks(date(2026, 11, 10)) == 1
    hazards = [
        services.report_hazard(
            actor=fac.guard,
            community=world.community,
            category="fire",
            place=place,
            description="楼道堆物",
            deadline=deadline,
        )
        for place, deadline in (
            ("3幢楼道", date(2026, 11, 27)),
            ("4幢楼道", date(2026, 12, 20)),
            ("5幢楼道", date(2026, 11, 27)),
        )
    ]
    closed = hazards[2]
    services.rectify_hazard(closed, actor=fac.tech, rectification="已清理")
    services.verify_hazard(closed, actor=fac.manager, passed=True)
    services.close_hazard(closed, actor=fac.manager)
    frozen.move_to(at(2026, 11, 28, 9, 0))
    return plan


def _card(user, url_name):
    """The facilities workbench card that links to the page ``url_name``."""
    request = RequestFactory().get("/console/")
    request.user = user
    request.community_id = None
    cards = apps.get_app_config("facilities").dashboard_cards(request)
    (card,) = [c for c in cards if urlsplit(c["link"]).path == reverse(url_name)]
    return card


def _rows_of(client, link):
    response = client.get(link)
    assert response.status_code == 200, link
    return response.context["page_obj"].paginator.count


def test_the_overdue_card_counts_the_list_it_opens(client, api, fac, world, late):
    tasks = MaintenanceTask.objects.filter(plan=late).order_by("due_on")
    assert [(t.due_on, t.status, t.is_overdue) for t in tasks[:3]] == [
        (date(2026, 11, 1), "overdue", True),
        (date(2026, 11, 15), "scheduled", True),  # past due, not swept yet: overdue all the same
        (date(2026, 11, 29), "scheduled", False),
    ]
    card = _card(fac.manager, "console:facilities-task-list")
    assert card["value"] == 2
    client.force_login(fac.manager)
    assert _rows_of(client, card["link"]) == 2  # the list it opens
    # It used to open ?status=overdue, which lists only what a sweep has marked so far.
    assert _rows_of(client, reverse("console:facilities-task-list") + "?status=overdue") == 1
    listed = api(fac.manager).get("/api/v1/maintenance-tasks/?overdue=true").json()["results"]
    assert len(listed) == 2 and all(row["is_overdue"] for row in listed)
    others = api(fac.manager).get("/api/v1/maintenance-tasks/?overdue=false").json()["results"]
    assert others and not any(row["is_overdue"] for row in others)
    dashboard = client.get("/console/facilities/")
    assert dashboard.context["overdue_count"] == 2
    assert urlsplit(card["link"]).query in dashboard.content.decode()
    today = date(2026, 11, 28)
    metrics = {
        m.key: m.values[world.community.pk]
        for m in community_metrics(fac.manager, [world.community.pk], today, today)
    }
    assert metrics["overdue_maintenance"] == 2


def test_the_grace_days_hold_for_the_card_as_for_the_sweep(fac, late, frozen):
    with override_settings(ANJU_FACILITIES_OVERDUE_GRACE_DAYS=14):
        # 11-15 + 14 days is not yet past on 11-28: neither the sweep nor the card count it.
        assert _card(fac.manager, "console:facilities-task-list")["value"] == 1
        assert services.sweep_overdue_tasks() == 0
        frozen.move_to(at(2026, 12, 1, 9, 0))
        assert _card(fac.manager, "console:facilities-task-list")["value"] == 2
        assert services.sweep_overdue_tasks() == 1
        assert _card(fac.manager, "console:facilities-task-list")["value"] == 2


def test_the_hazard_card_counts_the_list_it_opens(client, api, fac, world, late):
    card = _card(fac.manager, "console:facilities-hazard-list")
    assert card["value"] == 2 and "1" in str(card["note"])
    client.force_login(fac.manager)
    assert _rows_of(client, card["link"]) == 2  # it opened every hazard, the closed one too
    assert _rows_of(client, "/console/facilities/hazards/?overdue=true") == 1
    manager = api(fac.manager)
    assert len(manager.get("/api/v1/hazards/?open=true").json()["results"]) == 2
    overdue = manager.get("/api/v1/hazards/?overdue=true").json()["results"]
    assert [h["place"] for h in overdue] == ["3幢楼道"] and overdue[0]["is_overdue"]
    assert manager.get("/api/v1/hazards/?overdue=maybe").status_code == 400
    today = date(2026, 11, 28)
    metrics = {
        m.key: m.values[world.community.pk]
        for m in community_metrics(fac.manager, [world.community.pk], today, today)
    }
    assert metrics["open_hazards"] == 2 and metrics["late_hazards"] == 1
