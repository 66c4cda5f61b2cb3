"""Headless Chromium on a phone (390 px), in Chinese: a technician clocks in inside the
community's geofence (the phone's position from Playwright) and sees their lift licence
expiring; a manager approves the technician's clock correction."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from anju.core.testing import browser_login
from anju.people import services
from anju.people.choices import ClockMethod, CorrectionStatus
from anju.people.models import ClockRecord, Correction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CENTRE = (30.2741, 120.1551)


def _phone(browser, **extra):
    return browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        **extra,
    )


def test_a_technician_clocks_in_and_a_manager_approves_a_correction(world, live_server, browser):
    base = live_server.url
    manager, tech = world.users["manager"], world.users["technician"]
    services.set_site(
        actor=manager,
        community=world.community,
        latitude=str(CENTRE[0]),
        longitude=str(CENTRE[1]),
        radius_m=300,
    )
    employee = services.hire(
        actor=manager,
        community=world.community,
        user=tech,
        name="王德明",
        position="technician",
        hire_date=date(2022, 3, 1),
    )
    today = timezone.localdate()
    services.add_certificate(
        actor=manager,
        employee=employee,
        kind="lift",
        number="TS3301-2021-0417",
        issued_on=today - timedelta(days=1400),
        expires_on=today + timedelta(days=25),
    )

    # ~100 m north of the centre: inside the 300 m geofence.
    context = _phone(
        browser,
        geolocation={"latitude": CENTRE[0] + 0.0009, "longitude": CENTRE[1]},
        permissions=["geolocation"],
    )
    page = context.new_page()
    browser_login(page, base, "technician")
    page.goto(f"{base}/console/people/clock/")
    assert page.locator("[data-licence-alert]").count() == 1
    assert "还有 25 天到期" in page.locator("[data-licence-alert]").inner_text()
    page.wait_for_selector("body[data-located='1']")
    page.click("button[name=kind][value=in]")
    page.wait_for_load_state("networkidle")
    assert "上班打卡成功" in page.content()
    record = ClockRecord.objects.get(employee=employee)
    assert record.method == ClockMethod.GEOFENCE and record.distance_m < 300
    # The page keeps to the phone's width; the buttons are big enough for a thumb.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("button[name=kind][value=out]").first.bounding_box()
    assert box["height"] >= 44
    page.goto(f"{base}/console/people/my-licences/")
    assert "特种设备作业人员证（电梯）" in page.content() and "还有 25 天到期" in page.content()

    # The technician forgot yesterday's clock-out and asks for a correction.
    page.goto(f"{base}/console/people/clock/")
    page.click("summary:has-text('申请补卡')")
    yesterday = timezone.localtime() - timedelta(days=1)
    page.fill("input[name=at]", yesterday.strftime("%Y-%m-%dT17:05"))
    page.fill("textarea[name=reason]", "手机没电，忘记下班打卡")
    page.click("button:has-text('提交给主管')")
    page.wait_for_load_state("networkidle")
    assert "已提交主管审批" in page.content()
    context.close()

    context = _phone(browser)
    page = context.new_page()
    browser_login(page, base, "manager")
    page.goto(f"{base}/console/people/corrections/")
    assert "手机没电，忘记下班打卡" in page.content()
    page.click("button[name=decision][value=approve]")
    page.wait_for_load_state("networkidle")
    assert "已批准" in page.content()
    correction = Correction.objects.get()
    assert correction.status == CorrectionStatus.APPROVED
    assert correction.record.method == ClockMethod.CORRECTION
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
