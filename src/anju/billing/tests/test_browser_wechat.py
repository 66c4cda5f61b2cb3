"""Inside WeChat at 390 px: the pay page invokes WeixinJSBridge (a fake the test defines) with
parameters whose paySign verifies with the merchant's public key; the fake WeChat Pay's signed
notification marks the bill paid and the page, polling, shows it."""

import base64
from datetime import date

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from anju.billing import services
from anju.billing.choices import Method
from anju.billing.models import Bill, Payment
from anju.core.testing import browser_login, make_world

from .fakes import FakeWeChatPay, new_key, post
from .test_online_pay import API_V3_KEY, OPENID, SERIAL, WECHAT_UA, wechat_settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAKE_BRIDGE = """
window.__wx = [];
window.WeixinJSBridge = {
  invoke: function (name, params, callback) {
    window.__wx.push({name: name, params: params});
    window.__wxAnswer = callback;
  }
};
"""


def test_resident_pays_inside_wechat(live_server, browser, transactional_db, settings):
    keys = {"merchant": new_key(), "platform": new_key()}
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
    bill = Bill.objects.get(house=world.house)

    fake = FakeWeChatPay(
        merchant_public=keys["merchant"].public_key(),
        platform_key=keys["platform"],
        mchid="1900000109",
        serial_no="5157F09EFDC096DE15EBE81A47057A72",
        api_v3_key=API_V3_KEY,
        serial=SERIAL,
    )
    with fake:
        wechat_settings(settings, keys, fake.url)
        context = browser.new_context(
            locale="zh-CN",
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            user_agent=WECHAT_UA,
        )
        context.add_init_script(FAKE_BRIDGE)
        page = context.new_page()
        page.set_default_timeout(30000)
        browser_login(page, live_server.url, "resident", portal=True)
        # What the WeChat login leaves behind: the payer's openid bound to them.
        from anju.core import wechat

        appid = settings.ANJU_WECHAT_PAY["mp_appid"]
        settings.ANJU_WECHAT_MP = {**settings.ANJU_WECHAT_MP, "appid": appid}
        user = world.users["resident"]
        wechat.bind(actor=user, user=user, app_id=appid, openid=OPENID, kind="mp")

        page.goto(f"{live_server.url}/app/billing/pay/?bills={bill.pk}")
        assert page.locator(f"#bill-{bill.pk}").is_checked()
        assert page.locator("#pay-jsapi").is_visible() and page.locator("#pay-native").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.click("#pay-jsapi")
        page.wait_for_url("**/app/billing/pay/*/")
        page.wait_for_function("window.__wx.length > 0")
        call = page.evaluate("window.__wx[0]")
        assert call["name"] == "getBrandWCPayRequest"
        js = call["params"]
        message = f"{js['appId']}\n{js['timeStamp']}\n{js['nonceStr']}\n{js['package']}\n"
        keys["merchant"].public_key().verify(
            base64.b64decode(js["paySign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        payment = Payment.objects.get()
        trade_no = f"AJ{payment.pk:014d}"
        assert fake.orders[trade_no]["payer"]["openid"] == OPENID

        # The payer confirms in WeChat; WeChat Pay notifies us, and answers the page.
        headers, body = fake.notification(trade_no)
        status, text = post(f"{live_server.url}/api/v1/payments/callback/wechat/", body, headers)
        assert status == 200 and '"SUCCESS"' in text, text
        page.evaluate("window.__wxAnswer({err_msg: 'get_brand_wcpay_request:ok'})")
        page.wait_for_selector("#pay-done:not([hidden])")
        payment.refresh_from_db()
        assert payment.status == "succeeded"
        assert payment.receipt_number in page.locator("#pay-receipt").inner_text()
        assert Bill.objects.get(pk=bill.pk).status == "paid"
        context.close()
