"""Headless Chromium, in Chinese: resident report -> agent dispatch -> technician resolve ->
resident rating -> return visit."""

import base64

import pytest

from anju.core.testing import browser_login
from anju.servicedesk.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _phone(browser):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def test_report_dispatch_resolve_rate_return_visit(world, live_server, browser, page):
    base = live_server.url
    resident_ctx, resident = _phone(browser)
    tech_ctx, tech = _phone(browser)
    try:
        # 1. The resident reports a leak with a photo, on the phone.
        browser_login(resident, base, "13900001111", portal=True)
        resident.click('.tabbar a[href="/app/tickets/"]')
        assert "我的报修" in resident.content()
        resident.click("text=我要报修")
        resident.select_option("#id_category", "water")
        resident.fill("#id_description", "厨房水管漏水，地上有积水")
        resident.set_input_files(
            "#id_photos", files=[{"name": "leak.png", "mimeType": "image/png", "buffer": PNG}]
        )
        resident.click("button:has-text('提交')")
        resident.wait_for_load_state("networkidle")
        assert "已提交，您的单号是 BX-" in resident.content()
        ticket = Ticket.objects.get()
        assert ticket.channel == "portal"
        assert "到场时限" in resident.content()

        # 2. The agent sees it in the SLA queue and dispatches it.
        browser_login(page, base, "agent")
        page.goto(f"{base}/console/service/")
        assert "按时限排序的待办" in page.content()
        page.click(f"text={ticket.number}")
        page.select_option("#assign-assignee", str(world.users["technician"].pk))
        page.click("#assign button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert "派单：已完成" in page.content()

        # 3. The technician accepts, arrives and resolves on the phone.
        browser_login(tech, base, "technician")
        tech.goto(f"{base}/console/my-tasks/")
        assert ticket.number in tech.content()
        tech.click("button:has-text('接单')")
        tech.wait_for_load_state("networkidle")
        tech.goto(f"{base}/console/my-tasks/{ticket.pk}/")
        tech.click("#arrive button[type=submit]")
        tech.wait_for_load_state("networkidle")
        tech.fill("#resolve-note", "更换三通接头，试水正常")
        tech.click("#resolve button[type=submit]")
        tech.wait_for_load_state("networkidle")
        ticket.refresh_from_db()
        assert ticket.status == "resolved"

        # 4. The resident confirms and rates five stars, in one submit.
        resident.goto(f"{base}/app/tickets/{ticket.pk}/")
        assert "已完工" in resident.content()
        assert resident.locator("#rate").count() == 0
        resident.check("#confirm input[value='5']")
        resident.fill("#confirm textarea[name=comment]", "师傅很快，谢谢")
        resident.click("#confirm button[type=submit]")
        resident.wait_for_load_state("networkidle")
        assert "谢谢，已提交" in resident.content()
        assert "5 ★" in resident.content()

        # 5. The agent makes the return visit; the ticket closes.
        page.goto(f"{base}/console/service/")
        assert "今日待回访" in page.content()
        page.goto(f"{base}/console/tickets/{ticket.pk}/")
        page.select_option("#rv-outcome", "satisfied")
        page.click("#return-visit button[type=submit]")
        page.wait_for_load_state("networkidle")
        ticket.refresh_from_db()
        assert ticket.status == "closed" and ticket.rating == 5
        content = page.content()
        assert "已关闭" in content and "回访" in content and "处理轨迹" in content
    finally:
        resident_ctx.close()
        tech_ctx.close()
