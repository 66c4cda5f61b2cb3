"""Headless Chromium, in Chinese: a manager plans a night shift on the 排班 page from the week
grid, sees it, removes it; on a phone the grid scrolls inside its panel, not the page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from anju.core.testing import browser_login
from anju.servicedesk import services
from anju.servicedesk.models import DutyShift

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_plans_a_shift_on_the_roster(world, live_server, page, phone_page):
    base = live_server.url
    now = timezone.localtime()
    services.add_duty_shift(
        actor=world.users["manager"],
        community=world.community,
        user=world.users["agent"],
        role="agent",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
    )
    browser_login(page, base, "manager")
    page.goto(f"{base}/console/")
    page.click(".side a:has-text('排班')")
    page.wait_for_load_state("networkidle")
    content = page.content()
    assert "当前在岗" in content and "甲一小区" in content
    assert page.locator(".on-duty .who", has_text="agent").count() == 1
    tech = world.users["technician"]
    tomorrow = timezone.localdate() + timedelta(days=1)
    # "+" in the technician's cell for tomorrow fills the form below
    page.goto(
        f"{base}/console/service/roster/?week={tomorrow - timedelta(days=tomorrow.weekday())}"
    )
    page.click(f"a.add-shift[href*='user={tech.pk}'][href*='day={tomorrow}']")
    assert page.input_value("#id_day") == str(tomorrow)
    assert page.input_value("#id_user") == str(tech.pk)
    assert page.input_value("#id_role") == "technician"
    page.fill("#id_start", "20:00")
    page.fill("#id_end", "08:00")
    page.click("#add-shift button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "班次已添加" in page.content()
    shift = DutyShift.objects.get(user=tech)
    assert timezone.localtime(shift.ends_at).date() == tomorrow + timedelta(days=1)
    chip = page.locator(".shift.technician", has_text="20:00–08:00")
    assert chip.count() == 1
    page.on("dialog", lambda dialog: dialog.accept())
    chip.locator("button.x").click()
    page.wait_for_load_state("networkidle")
    assert "已删除" in page.content()
    assert not DutyShift.objects.filter(user=tech).exists()

    # On a phone the page keeps its width; the week grid scrolls in its panel.
    browser_login(phone_page, base, "manager")
    phone_page.goto(f"{base}/console/service/roster/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width
    grid = phone_page.locator(".roster-scroll").first
    assert grid.evaluate("el => el.scrollWidth > el.clientWidth")
