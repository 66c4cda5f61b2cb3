"""A resident books the meeting room on the phone, in Chinese; the manager approves it in the
console; the resident sees it confirmed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from anju.core.testing import browser_login, make_world
from anju.spaces.models import Booking
from anju.spaces.tests.factories import meeting_room

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_books_manager_approves(live_server, browser, transactional_db):
    world = make_world()
    hall = meeting_room(world, per_house_limit=2)
    tomorrow = timezone.localdate() + timedelta(days=1)
    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True
    )
    resident = phone.new_page()
    resident.set_default_timeout(20000)
    browser_login(resident, live_server.url, "resident", portal=True)
    resident.click("a[href='/app/spaces/']")
    resident.click("a.tile:has-text('共享会议室')")
    resident.click(f"nav.days a[href='?date={tomorrow:%Y-%m-%d}']")
    resident.wait_for_url(f"**?date={tomorrow:%Y-%m-%d}")
    resident.click("label.slot:has-text('14:00')")
    resident.select_option("select[name=slots]", "2")
    assert "¥60.00" in resident.locator("select[name=slots] option:checked").inner_text()
    resident.fill("input[name=purpose]", "业主小组讨论")
    resident.fill("input[name=attendees]", "6")
    resident.click("button.primary")
    resident.wait_for_url("**/app/spaces/")
    assert "已提交预约" in resident.locator(".messages").inner_text()
    booking = Booking.objects.get()
    assert booking.status == "pending" and timezone.localtime(booking.starts_at).hour == 14
    # Every tap target of the booking page is at least 44 px high.
    resident.goto(f"{live_server.url}/app/spaces/{hall.pk}/?date={tomorrow:%Y-%m-%d}")
    heights = resident.evaluate(
        "Array.from(document.querySelectorAll('label.slot span, .days a, button'))"
        ".map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44
    taken = resident.locator("label.slot.taken")
    assert taken.count() == 2 and "已约" in taken.first.inner_text()

    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = desk.new_page()
    page.set_default_timeout(20000)
    browser_login(page, live_server.url, "manager")
    page.goto(f"{live_server.url}/console/bookings/?status=pending")
    page.click(f"a:has-text('{booking.number}')")
    page.click("button:text-is('通过')")
    page.wait_for_load_state("networkidle")
    # A paid room: approved, the slot is held as unpaid until the resident pays its bill online.
    assert Booking.objects.get().status == "unpaid"
    desk.close()

    resident.goto(f"{live_server.url}/app/spaces/")
    tile = resident.locator(".tile", has_text="共享会议室").first.inner_text()
    assert "待缴费" in tile and "在线支付" in tile  # the resident sees what to do next
    phone.close()
