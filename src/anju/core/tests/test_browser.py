"""Real browser: a staff member logs into the console and a resident into the portal."""

import pytest

from anju.core.testing import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_console_login_and_house_list(world, live_server, page):
    browser_login(page, live_server.url, "manager")
    assert page.url.endswith("/console/")
    assert page.locator("h1").first.inner_text().startswith("看板")
    page.click("summary:has-text('基础数据')")  # the menu's sections fold; "My work" is open
    page.click("nav a:has-text('房屋')")
    page.wait_for_selector("table.list")
    assert world.house.number in page.content()
    page.select_option("#community-switch", str(world.community.pk))
    page.wait_for_load_state("networkidle")
    assert page.locator("#community-switch").input_value() == str(world.community.pk)


def test_portal_login_by_phone_and_large_text(world, live_server, phone_page):
    browser_login(phone_page, live_server.url, "13900001111", portal=True)
    assert phone_page.url.endswith("/app/")
    assert "我的家" in phone_page.content()
    assert world.house.number in phone_page.content()
    phone_page.click('.tabbar a[href="/app/me/"]')
    phone_page.click("text=大字高对比模式")
    phone_page.wait_for_load_state("networkidle")
    assert "large-text" in (phone_page.locator("body").get_attribute("class") or "")
    size = phone_page.evaluate("getComputedStyle(document.body).fontSize")
    assert float(size.replace("px", "")) >= 20


def test_wrong_password_is_refused_in_chinese(world, live_server, page):
    browser_login(page, live_server.url, "manager", password="wrong-password")
    assert "/console/login/" in page.url
    assert "用户名或手机号与密码不匹配" in page.content()
