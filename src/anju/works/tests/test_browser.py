"""A renovation from application to deposit refund: the resident applies on the phone (390 px,
Chinese), the office approves with a deposit, collects it, inspects, accepts the works and
refunds the deposit minus a deduction in the console; the resident acknowledges on the phone."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from anju.core.testing import browser_login, make_world
from anju.works.models import Deposit, DepositEntry, Renovation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_renovation_from_application_to_refund(live_server, browser, transactional_db):
    make_world()
    today = timezone.localdate()
    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    resident = phone.new_page()
    resident.set_default_timeout(20000)
    browser_login(resident, live_server.url, "resident", portal=True)
    resident.goto(f"{live_server.url}/app/renovations/")
    resident.click("#apply")
    resident.fill("input[name=contractor]", "安居家装")
    resident.fill("textarea[name=description]", "卫生间翻新，更换防水层")
    resident.fill("input[name=starts]", f"{today:%Y-%m-%d}")
    resident.fill("input[name=ends]", f"{today + timedelta(days=30):%Y-%m-%d}")
    resident.check("input[name=works][value=waterproofing]")
    resident.check("#no-prohibited")
    heights = resident.evaluate(
        "Array.from(document.querySelectorAll('form label, button, select'))"
        ".map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44
    width = resident.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    resident.click("#submit-renovation")
    resident.wait_for_url("**/app/renovations/")
    renovation = Renovation.objects.get()
    assert renovation.state == "submitted" and renovation.works == ["waterproofing"]
    assert "待审核" in resident.locator(f"#renovation-{renovation.pk}").inner_text()

    desk = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = desk.new_page()
    page.set_default_timeout(20000)
    browser_login(page, live_server.url, "manager")
    page.goto(f"{live_server.url}/console/works/renovations/{renovation.pk}/")
    page.fill("#conditions", "电梯内铺设保护")
    page.fill("#deposit", "2000")
    page.click("#approve")
    page.wait_for_load_state("networkidle")
    deposit = Deposit.objects.get()
    assert deposit.amount == Decimal("2000.00") and deposit.state == "due"
    page.goto(f"{live_server.url}/console/works/deposits/{deposit.pk}/")
    page.select_option("#collect-method", "cash")
    page.click("#collect")
    page.wait_for_load_state("networkidle")
    assert Deposit.objects.get().state == "held"
    page.goto(f"{live_server.url}/console/works/renovations/{renovation.pk}/")
    page.fill("#findings", "防水层施工规范，已做闭水试验")
    page.click("#inspect")
    page.wait_for_load_state("networkidle")
    for box in page.locator("input[name=checklist]").all():
        box.check()
    page.click("#accept")
    page.wait_for_load_state("networkidle")
    assert Renovation.objects.get().state == "accepted"
    page.fill("#ded-amount-1", "150")
    page.fill("#ded-reason-1", "楼道墙面污损清理")
    page.click("#refund-deposit")
    page.wait_for_load_state("networkidle")
    assert Renovation.objects.get().state == "refunded"
    desk.close()

    resident.goto(f"{live_server.url}/app/renovations/")
    tile = resident.locator(f"#renovation-{renovation.pk}").inner_text()
    assert "电梯内铺设保护" in tile and "楼道墙面污损清理" in tile
    resident.click(f"#acknowledge-{renovation.pk}")
    resident.wait_for_url("**/app/renovations/")
    renovation.refresh_from_db()
    assert renovation.state == "closed" and renovation.acknowledged_at
    refunds = DepositEntry.objects.filter(kind="refund").values_list("amount", flat=True)
    assert list(refunds) == [Decimal("1850.00")]
    phone.close()
