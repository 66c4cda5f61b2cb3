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


def test_holiday_page_on_a_phone_and_a_desk(live_server, browser, transactional_db, tmp_path):
    """The holiday page at 390 and 1366 px, in Chinese and English: the days off and make-up
    working days of 2026, the working-day answer, a company day added on the phone.
    ANJU_SCREENSHOTS=<dir> keeps the pictures."""
    import os
    from pathlib import Path

    make_world()
    shots = Path(os.environ.get("ANJU_SCREENSHOTS") or tmp_path)
    for locale, language in (("zh-CN", "zh-hans"), ("en-US", "en")):
        for width, height in ((390, 844), (1366, 900)):
            context = browser.new_context(
                locale=locale,
                viewport={"width": width, "height": height},
                extra_http_headers={"Accept-Language": language},
            )
            page = context.new_page()
            page.set_default_timeout(20000)
            browser_login(page, live_server.url, "manager")
            page.goto(f"{live_server.url}/console/holidays/?year=2026&check=2026-02-14")
            text = page.locator("main, body").first.inner_text()
            assert "2026-02-15" in text and "2026-02-14" in text
            assert ("调休" in text) if language == "zh-hans" else ("make-up" in text)
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width + 1, scroll_width  # no sideways scrolling of the page
            page.screenshot(path=str(shots / f"holidays-{language}-{width}.png"), full_page=True)
            if width == 390 and language == "zh-hans":
                page.fill("#id_name", "业主开放日")
                page.fill("#id_date", "2026-12-18")
                page.click("button[name=action][value=add]")
                page.wait_for_load_state("networkidle")
                assert "业主开放日" in page.locator("table.holidays").inner_text()
            context.close()
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    browser_login(page, live_server.url, "manager")
    page.goto(f"{live_server.url}/console/holidays/?year=2028")
    page.screenshot(path=str(shots / "holidays-zh-hans-1366-2028.png"), full_page=True)
    assert "待定" in page.locator("body").inner_text()
    context.close()
