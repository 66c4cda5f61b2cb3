"""Real browser: a guard's phone page scans a route (QR text typed in, one scan made off-line and
sent when the network returns); the missed checkpoint shows on the manager's dashboard."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from anju.core.testing import browser_login
from anju.facilities import services
from anju.facilities.models import PatrolScan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_guard_scans_route_and_manager_sees_missed_checkpoint(live_server, world, phone_page, page):
    manager, guard = world.users["manager"], world.users["guard"]
    route = services.create_patrol_route(
        actor=manager,
        community=world.community,
        name="外围巡更",
        checkpoints=[
            {"name": "东门岗亭", "opens_after_minutes": 0, "closes_after_minutes": 20},
            {"name": "地下车库", "opens_after_minutes": 40, "closes_after_minutes": 90},
            {"name": "北门", "opens_after_minutes": 45, "closes_after_minutes": 120},
        ],
    )
    east, garage, north = route.checkpoints.order_by("order")
    now = timezone.now()
    shift = services.create_shift(
        actor=manager,
        route=route,
        guard=guard,
        name="白班",
        starts_at=now - timedelta(minutes=60),
        ends_at=now + timedelta(minutes=60),
    )

    browser_login(phone_page, live_server.url, "guard")
    phone_page.goto(f"{live_server.url}/console/facilities/m/patrol/")
    phone_page.wait_for_selector("#checkpoints li")
    assert "外围巡更" in phone_page.content()

    phone_page.fill("#scan-code", garage.qr_text)
    phone_page.click("#scan-form button[type=submit]")
    # Locator assertions, not wait_for_function: its string predicate is an eval, which the
    # Content-Security-Policy refuses.
    expect(phone_page.locator("#scan-result")).to_contain_text("地下车库")
    assert phone_page.text_content("#queue-count") == "0"

    # The network drops: the scan is queued with its time and sent when the phone is back on-line.
    phone_page.context.set_offline(True)
    phone_page.fill("#scan-code", north.qr_text)
    phone_page.click("#scan-form button[type=submit]")
    expect(phone_page.locator("#queue-count")).to_have_text("1")
    assert PatrolScan.objects.filter(checkpoint=north).count() == 0
    phone_page.context.set_offline(False)
    phone_page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(phone_page.locator("#queue-count")).to_have_text("0")
    scan = PatrolScan.objects.get(checkpoint=north)
    assert scan.shift_id == shift.pk and scan.timing == "on_time"
    expect(phone_page.locator("#checkpoints li").nth(2)).to_have_attribute("data-state", "on_time")
    states = phone_page.eval_on_selector_all(
        "#checkpoints li", "els => els.map(e => e.dataset.state)"
    )
    assert states == ["missed", "on_time", "on_time"]

    services.sweep_patrols()  # the every-minute job

    browser_login(page, live_server.url, "manager")
    page.goto(f"{live_server.url}/console/facilities/")
    row = page.locator("tr.patrol-alert", has_text="东门岗亭")
    row.wait_for()
    assert "外围巡更" in row.text_content()
    page.goto(f"{live_server.url}/console/")
    assert page.locator(".card", has_text="1").count() >= 1
