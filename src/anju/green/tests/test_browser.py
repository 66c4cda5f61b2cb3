"""On a phone (390 px, Chinese): a resident whose waste an inspection found correctly sorted
checks in at a community event by its QR code, sees the points of the company's rule on
我的积分 with the history, and then what the service centre spent for a good."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from anju.core.testing import browser_login, make_world
from anju.green import services
from anju.green.models import PointsRule
from anju.life import services as life
from anju.life.tests.helpers import event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_sees_points_earned_for_sorting_and_an_event_and_spent(
    live_server, browser, transactional_db
):
    world = make_world()
    manager, house = world.users["manager"], world.house
    PointsRule.objects.create(
        organization=world.org,
        effective_from=date(2020, 1, 1),
        valid_months=12,
        sorting_points=6,
        event_points=12,
        survey_points=3,
        space_lent_points=8,
        note="积分 12 个月内有效",
    )
    point = services.save_point(
        actor=manager, community=world.community, building=world.building, name="1幢投放点"
    )
    services.record_inspection(actor=manager, point=point, grade="correct", house=house)
    now = timezone.now()
    party = event(
        world,
        days=0,
        title="邻里节",
        starts_at=now + timedelta(minutes=20),
        signup_until=now + timedelta(minutes=10),
        ends_at=now + timedelta(hours=2),
    )
    life.sign_up(actor=world.users["resident"], event=party, house=house, people=2)

    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(60000)  # a loaded shared machine
    browser_login(page, live_server.url, "resident", portal=True)
    # Checked in at the door by the event's QR code.
    page.goto(f"{live_server.url}/app/life/events/{party.pk}/check-in/{party.checkin_code}/")
    page.click("#check-in")
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/app/green/points/")
    tile = page.locator(f"#points-home-{house.pk}").inner_text()
    balance = page.locator(f"#points-home-{house.pk} .tag")
    assert balance.inner_text().split()[0] == "18" and "积分 12 个月内有效" in tile
    rule = page.locator(f"#earn-table-{house.pk}").inner_text()
    assert "+6" in rule and "+12" in rule and "+8" in rule
    history = page.locator("main").inner_text()
    assert "1幢投放点" in history and "邻里节" in history and "+12" in history and "+6" in history
    # Nothing wider than the phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390

    # The service centre exchanges 10 points for a shopping bag; the resident sees it.
    services.spend(actor=manager, house=house, points=10, reason="兑换环保购物袋")
    page.reload()
    assert balance.inner_text().split()[0] == "8"
    history = page.locator("main").inner_text()
    assert "兑换环保购物袋" in history and "-10" in history
    context.close()
