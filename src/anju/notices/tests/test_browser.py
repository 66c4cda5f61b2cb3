"""A manager publishes a notice in the console, a resident reads it on the phone, and the
reach report counts it."""

import pytest

from anju.core.testing import browser_login, make_world
from anju.notices.models import Notice, NoticeReceipt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_publishes_resident_reads_reach_counts(live_server, browser, transactional_db):
    world = make_world()
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(20000)
    browser_login(page, live_server.url, "manager")
    page.goto(f"{live_server.url}/console/notices/new/")
    with page.expect_navigation():  # the audience pickers reload for the community
        page.select_option("#id_community", str(world.community.pk))
    page.select_option("#id_audience_scope", "houses")
    houses = page.locator("#id_houses option")
    assert houses.count() == 4  # this community's, not the other one's
    page.locator("[data-audience=houses] input.select-filter").fill("0201")
    shown = page.evaluate(
        "Array.from(document.querySelectorAll('#id_houses option'))"
        ".filter(o => !o.hidden).map(o => o.textContent.trim())"
    )
    assert shown == ["1幢-1-0201"]
    page.select_option("#id_audience_scope", "community")
    page.select_option("#id_kind", "outage")
    page.fill("#id_title", "停水通知：周六水箱清洗")
    page.fill("#id_body", "周六9:00-17:00停水，请提前储水。")
    page.click("#publish-now")
    page.wait_for_url("**/console/notices/*/")
    notice = Notice.objects.get(title="停水通知：周六水箱清洗")
    assert notice.status == "published" and notice.recipient_count == 3
    assert page.locator("#reach-total").inner_text() == "3"
    assert page.locator("#reach-read").inner_text() == "0"
    context.close()

    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    resident = phone.new_page()
    resident.set_default_timeout(20000)
    browser_login(resident, live_server.url, "resident", portal=True)
    resident.goto(f"{live_server.url}/app/notices/")
    item = resident.locator(".notice-item", has_text="停水通知")
    assert "新" in item.inner_text() or item.get_attribute("class").endswith("unread")
    item.click()
    resident.wait_for_url("**/app/notices/*/")
    assert "请提前储水" in resident.locator("#notice-body").inner_text()
    phone.close()
    receipt = NoticeReceipt.objects.get(notice=notice, person=world.people["owner"])
    assert receipt.read_at is not None

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(20000)
    browser_login(page, live_server.url, "manager")
    page.goto(f"{live_server.url}/console/notices/{notice.pk}/")
    assert page.locator("#reach-read").inner_text() == "1"
    assert page.locator("#reach-unread").inner_text() == "2"
    unread = page.locator("#reach").inner_text()
    assert "李四" in unread and "王五" in unread and "张三" not in unread.split("李四")[1]
    context.close()
