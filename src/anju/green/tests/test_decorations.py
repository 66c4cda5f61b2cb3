"""Festival decorations: plans proposed by the warm reminders' calendar (holidays and season
beginnings) once, filled in, done with the actual cost, rated by residents with one tap."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from anju.core.errors import DomainError, InvalidTransition
from anju.green import selectors, services
from anju.green.models import DecorationPlan, DecorationRating

pytestmark = pytest.mark.django_db


def test_the_calendar_proposes_a_plan_per_occasion_once(world):
    today = date(2027, 1, 20)
    created = services.propose_plans(today=today, communities=[world.community])
    keys = {p.occasion_key for p in created}
    assert "holiday:spring_festival:2027" in keys  # 2027-02-06
    assert "season:spring:2027" in keys  # 立春 2027-02-04
    assert all(p.status == "proposed" for p in created)
    assert services.propose_plans(today=today, communities=[world.community]) == []
    assert DecorationPlan.objects.filter(community=world.community).count() == len(created)


def test_a_plan_is_filled_in_done_and_rated_by_residents(world):
    manager = world.users["manager"]
    plan = services.create_plan(
        actor=manager,
        community=world.community,
        occasion="中秋节",
        occasion_date=date(2026, 9, 25),
        theme="花好月圆",
        items="灯笼 30 只 @ 南门\n月饼造型灯 @ 中心花园",
        budget="5000",
        done_by="环境部",
    )
    assert plan.items[0] == {"item": "灯笼 30 只", "place": "南门"}
    resident = world.users["resident"]
    with pytest.raises(DomainError):
        services.rate_plan(actor=resident, plan=plan, house=world.houses[0], stars=5)
    services.finish_plan(actor=manager, plan=plan, actual_cost=Decimal("5200.00"))
    plan.refresh_from_db()
    assert plan.over_budget
    with pytest.raises(InvalidTransition):
        services.finish_plan(actor=manager, plan=plan, actual_cost=Decimal("1"))
    portal = Client()
    portal.force_login(resident)
    page = portal.get("/app/green/decorations/")
    assert page.status_code == 200 and "花好月圆" in page.content.decode()
    portal.post("/app/green/decorations/", {"plan": plan.pk, "stars": "4", "comment": "很好看"})
    portal.post("/app/green/decorations/", {"plan": plan.pk, "stars": "5"})
    rating = DecorationRating.objects.get(plan=plan)
    assert (rating.stars, rating.house_id) == (5, world.houses[0].pk)
    with pytest.raises(DomainError):
        services.rate_plan(actor=resident, plan=plan, house=world.houses[0], stars=9)
    rows, totals = selectors.company_decorations(manager)
    assert rows.get(pk=plan.pk).rating == 5
    assert totals[0]["cost"] == Decimal("5200.00")
    console = Client()
    console.force_login(manager)
    assert console.get("/console/green/decorations/company/").status_code == 200
    assert console.get(f"/console/green/decorations/{plan.pk}/").status_code == 200
