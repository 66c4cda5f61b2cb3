"""A resident sees a bill and pays it through the test provider; the cashier's cash-up shows it."""

from datetime import date

import pytest

from anju.billing import services
from anju.billing.choices import Method
from anju.billing.models import Payment
from anju.core.testing import browser_login, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_pays_and_cashier_sees_it(live_server, browser, transactional_db, settings):
    settings.ANJU_PAYMENT_PROVIDER = "test"  # as `make run` sets it
    world = make_world()
    admin = world.users["org_admin"]
    services.create_fee_item(
        actor=admin,
        community=world.community,
        name="物业服务费",
        method=Method.AREA,
        unit_price="2.5",
        unit="元/m²·月",
        basis="前期物业服务合同第5条",
        effective_from=date(2026, 1, 1),
        published=True,
    )
    run = services.create_billing_run(actor=admin, community=world.community, period="2027-01")
    services.post_billing_run(actor=admin, run=run)

    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    browser_login(page, live_server.url, "resident", portal=True)
    page.goto(f"{live_server.url}/app/bills/")
    body = page.locator("main").inner_text()
    assert "物业服务费" in body and "250.00" in body and "前期物业服务合同第5条" in body
    page.click(f"#pay-{world.house.pk}")  # the pay page, the home's bills ticked
    page.wait_for_url("**/app/billing/pay/?house=*")
    page.click("#pay-native")  # a computer's browser (no Mobile in the agent): QR code
    page.wait_for_url("**/bills/pay/test/**")
    page.click("#confirm-pay")
    page.wait_for_url("**/app/billing/pay/*/")
    assert Payment.objects.get(house=world.house).status == "succeeded"
    receipt = Payment.objects.get(house=world.house).receipt_number
    assert receipt in page.locator("main").inner_text()
    context.close()

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(20000)
    browser_login(page, live_server.url, "cashier")
    page.goto(f"{live_server.url}/console/billing/cash-up/?community={world.community.pk}")
    table = page.locator("#cashup-payments").inner_text()
    assert receipt in table and "250.00" in table
    assert "250.00" in page.locator("#cashup-total").inner_text()
    context.close()
