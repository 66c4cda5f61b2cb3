"""Paying chosen bills online against local fake providers (real HTTP, real RSA keys made
here): WeChat Pay v3 JSAPI / H5 / Native and Alipay wap / page, their notifications, the
pay page's channel by browser."""

import base64
import json
import time
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from anju.billing import providers, services
from anju.billing.models import Allocation, Bill, Payment
from anju.core.models import AuditEntry

from .fakes import FakeAlipay, FakeWeChatPay, new_key, pem_private, pem_public

pytestmark = pytest.mark.django_db
API = "/api/v1/payments/online/"
WX_CALLBACK = "/api/v1/payments/callback/wechat/"
ALI_CALLBACK = "/api/v1/payments/callback/alipay/"
API_V3_KEY = b"0123456789abcdef0123456789ABCDEF"
SERIAL = "PUB_KEY_ID_0119000001092027010100000000000001"
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323a) NetType/WIFI Language/zh_CN"
)
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)
DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


@pytest.fixture(scope="module")
def keys():
    return {name: new_key() for name in ("merchant", "platform", "app", "alipay")}


def wechat_settings(settings, keys, url):
    settings.ANJU_PAYMENT_PROVIDER = "wechat"
    settings.ANJU_WECHAT_PAY = {
        "mchid": "1900000109",
        "appid": "wxd678efh567hg6787",
        "mp_appid": "wx2421b1c4370ec43b",
        "serial_no": "5157F09EFDC096DE15EBE81A47057A72",
        "private_key_pem": pem_private(keys["merchant"]),
        "platform_public_key_pem": pem_public(keys["platform"]),
        "platform_serial": SERIAL,
        "api_v3_key": API_V3_KEY.decode(),
        "notify_url": "https://wy.example.com/api/v1/payments/callback/wechat/",
        "base_url": url,
    }


@pytest.fixture
def wxpay(settings, keys):
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
        yield fake


@pytest.fixture
def alipay(settings, keys, wxpay):
    fake = FakeAlipay(
        app_public=keys["app"].public_key(), alipay_key=keys["alipay"], app_id="2021000000000001"
    )
    with fake:
        settings.ANJU_ALIPAY = {
            "app_id": "2021000000000001",
            "private_key_pem": pem_private(keys["app"]),
            "alipay_public_key_pem": pem_public(keys["alipay"]),
            "notify_url": "https://wy.example.com/api/v1/payments/callback/alipay/",
            "return_url": "https://wy.example.com/app/bills/",
            "gateway": fake.url + "/gateway.do",
        }
        yield fake


@pytest.fixture
def two_months(world, posted):
    run = services.create_billing_run(
        actor=world.users["org_admin"], community=world.community, period="2027-02"
    )
    services.post_billing_run(actor=world.users["org_admin"], run=run)
    return list(Bill.objects.filter(house=world.house).order_by("period"))


@pytest.fixture
def resident(client, world, settings):
    """A resident whose WeChat login bound their openid in the official account."""
    from anju.core import wechat

    settings.ANJU_WECHAT_MP = {**settings.ANJU_WECHAT_MP, "appid": "wx2421b1c4370ec43b"}
    user = world.users["resident"]
    wechat.bind(actor=user, user=user, app_id="wx2421b1c4370ec43b", openid=OPENID, kind="mp")
    client.force_login(user)
    return client


def start(client, bills, channel, **extra):
    return client.post(
        API,
        {"bills": [b.pk for b in bills], "channel": channel, **extra},
        content_type="application/json",
    )


def fen(amount):
    return int(Decimal(amount) * 100)


# --- WeChat Pay: JSAPI, H5, Native ---------------------------------------------------------------


def test_jsapi_order_signed_and_paysign_verifies(resident, wxpay, two_months, keys):
    r = start(resident, two_months, "jsapi")
    assert r.status_code == 201, r.content
    order, payment = r.json()["order"], r.json()["payment"]
    total = sum((b.balance for b in two_months), Decimal(0))
    assert Decimal(payment["amount"]) == total and payment["status"] == "pending"
    seen = wxpay.orders[order["out_trade_no"]]  # the fake verified our Authorization header
    assert seen["kind"] == "jsapi" and seen["payer"] == {"openid": OPENID}
    assert seen["appid"] == "wx2421b1c4370ec43b" and seen["amount"]["total"] == fen(total)
    assert seen["time_expire"].endswith("+08:00")
    js = order["jsapi"]
    assert set(js) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert js["appId"] == "wx2421b1c4370ec43b" and js["signType"] == "RSA"
    assert js["package"].startswith("prepay_id=wx") and abs(int(js["timeStamp"]) - time.time()) < 60
    message = f"{js['appId']}\n{js['timeStamp']}\n{js['nonceStr']}\n{js['package']}\n".encode()
    keys["merchant"].public_key().verify(
        base64.b64decode(js["paySign"]), message, padding.PKCS1v15(), hashes.SHA256()
    )
    assert AuditEntry.objects.filter(action="billing.payment.started").exists()


def test_h5_order_has_scene_info(resident, wxpay, two_months):
    r = start(
        resident,
        two_months[:1],
        "h5",
    )
    assert r.status_code == 201, r.content
    order = r.json()["order"]
    assert order["h5_url"].startswith("https://wx.tenpay.com/")
    seen = wxpay.orders[order["out_trade_no"]]
    assert seen["kind"] == "h5"
    assert seen["scene_info"] == {"payer_client_ip": "127.0.0.1", "h5_info": {"type": "Wap"}}
    assert seen["amount"]["total"] == fen(two_months[0].balance)


def test_native_order_has_code_url(resident, wxpay, two_months):
    r = start(resident, two_months[1:], "native")
    assert r.status_code == 201 and r.json()["order"]["code_url"].startswith("weixin://")


def test_a_request_signed_with_another_key_is_refused_by_the_fake(
    resident, wxpay, settings, two_months
):
    settings.ANJU_WECHAT_PAY = dict(
        settings.ANJU_WECHAT_PAY, private_key_pem=pem_private(new_key())
    )
    r = start(resident, two_months, "native")
    assert r.status_code == 400 and r.json()["error"]["code"] == "provider_error"
    assert wxpay.refused and wxpay.refused[0][1] == "signature"


def test_jsapi_without_openid_is_refused(client, world, wxpay, two_months):
    client.force_login(world.users["resident"])
    r = start(client, two_months, "jsapi")
    assert r.status_code == 400 and r.json()["error"]["code"] == "openid_required"
    assert not Payment.objects.exists() and not wxpay.orders


def test_others_bills_are_404_and_amount_never_from_the_client(resident, wxpay, world, two_months):
    theirs = Bill.objects.get(house=world.houses[1], period="2027-01")
    r = start(resident, [two_months[0], theirs], "native")
    assert r.status_code == 404
    r = start(resident, two_months, "native", amount="0.01")
    assert r.status_code == 400
    r = resident.post(API, {"bills": [999999], "channel": "h5"}, content_type="application/json")
    assert r.status_code == 404
    assert not Payment.objects.exists()


def test_pending_bills_not_charged_twice(resident, wxpay, two_months):
    first = start(resident, two_months, "native")
    assert first.status_code == 201
    again = start(resident, two_months, "native")  # the same: the same payment, its order again
    assert again.status_code == 200
    assert again.json()["payment"]["id"] == first.json()["payment"]["id"]
    other = start(resident, two_months[:1], "h5")
    assert other.status_code == 409, other.content
    error = other.json()["error"]
    assert error["code"] == "payment_pending" and error["allowed"] == ["wait", "cancel"]
    assert error["payment"] == first.json()["payment"]["id"]
    pk = first.json()["payment"]["id"]
    r = resident.post(f"/api/v1/payments/{pk}/cancel/")
    assert r.status_code == 200 and r.json()["status"] == "failed"
    assert wxpay.closed == [providers.out_trade_no(Payment.objects.get(pk=pk))]
    assert start(resident, two_months[:1], "h5").status_code == 201
    assert Payment.objects.filter(status="pending").count() == 1


def test_stale_pending_payment_expires(resident, wxpay, two_months):
    first = start(resident, two_months, "native").json()["payment"]["id"]
    Payment.objects.filter(pk=first).update(created_at="2020-01-01T00:00:00+08:00")
    assert start(resident, two_months, "h5").status_code == 201
    assert Payment.objects.get(pk=first).status == "failed"
    assert AuditEntry.objects.filter(action="billing.payment.expired").exists()


# --- WeChat Pay notifications ----------------------------------------------------------------------


def _notify(client, headers, body):
    extra = {
        f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Content-Type"
    }
    return client.post(WX_CALLBACK, body, content_type="application/json", **extra)


def test_wechat_notification_settles_the_chosen_bills(resident, wxpay, two_months, client):
    r = start(resident, two_months[1:], "jsapi")  # February only: January stays open
    trade_no = r.json()["order"]["out_trade_no"]
    headers, body = wxpay.notification(trade_no)
    answer = _notify(client, headers, body)
    assert answer.status_code == 200 and answer.json()["code"] == "SUCCESS", answer.content
    january, february = (Bill.objects.get(pk=b.pk) for b in two_months)
    assert february.status == "paid" and january.status == "open" and january.paid == 0
    payment = Payment.objects.get(pk=r.json()["payment"]["id"])
    assert payment.status == "succeeded" and payment.receipt_number and payment.method == "wechat"
    # WeChat retries with a fresh nonce: nothing more happens
    headers, body = wxpay.notification(trade_no)
    assert _notify(client, headers, body).status_code == 200
    assert Allocation.objects.filter(payment=payment).count() == february.lines.count()
    status = resident.get(f"/app/billing/pay/{payment.pk}/status/").json()
    assert status["status"] == "succeeded" and status["receipt_number"] == payment.receipt_number


@pytest.mark.parametrize("problem", ["signature", "stale", "replay", "amount"])
def test_wechat_bad_notifications_are_refused(resident, wxpay, two_months, client, problem):
    trade_no = start(resident, two_months, "native").json()["order"]["out_trade_no"]
    payment = Payment.objects.get()
    if problem == "signature":
        headers, body = wxpay.notification(trade_no, sign_with=new_key())
    elif problem == "stale":
        headers, body = wxpay.notification(trade_no, ts=time.time() - 301)
    elif problem == "replay":
        headers, body = wxpay.notification(trade_no, state="NOTPAY")
        assert _notify(client, headers, body).status_code == 200
        headers, body = wxpay.notification(trade_no, nonce=headers["Wechatpay-Nonce"])
    else:  # paid, then a notification for another amount
        headers, body = wxpay.notification(trade_no)
        assert _notify(client, headers, body).status_code == 200
        headers, body = wxpay.notification(trade_no, amount_fen=1)
    r = _notify(client, headers, body)
    assert r.status_code in (400, 401) and r.json()["code"] == "FAIL", r.content
    payment.refresh_from_db()
    assert payment.status == ("succeeded" if problem == "amount" else "pending")
    if problem != "amount":
        assert all(
            b.status == "open" for b in Bill.objects.filter(pk__in=[b.pk for b in two_months])
        )


# --- Alipay --------------------------------------------------------------------------------------


def test_alipay_wap_order_is_signed_rsa2(resident, alipay, two_months):
    r = start(resident, two_months, "alipay_wap")
    assert r.status_code == 201, r.content
    order = r.json()["order"]
    url = urlsplit(order["pay_url"])
    params = dict(parse_qsl(url.query))
    assert params["method"] == "alipay.trade.wap.pay" and params["sign_type"] == "RSA2"
    assert params["charset"] == "utf-8" and params["app_id"] == "2021000000000001"
    assert params["notify_url"].endswith("/callback/alipay/") and params["return_url"]
    biz = json.loads(params["biz_content"])
    assert biz["total_amount"] == str(sum((b.balance for b in two_months), Decimal(0)))
    assert biz["product_code"] == "QUICK_WAP_WAY"
    import urllib.request

    with urllib.request.urlopen(order["pay_url"]) as page:  # the payer's browser at the gateway
        assert page.status == 200
    assert order["out_trade_no"] in alipay.orders
    tampered = order["pay_url"].replace("QUICK_WAP_WAY", "FAST_INSTANT_TRADE_PAY")
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(tampered)


def test_alipay_page_pay_on_the_computer(resident, alipay, two_months):
    r = start(resident, two_months, "alipay_page")
    params = dict(parse_qsl(urlsplit(r.json()["order"]["pay_url"]).query))
    assert params["method"] == "alipay.trade.page.pay"
    assert json.loads(params["biz_content"])["product_code"] == "FAST_INSTANT_TRADE_PAY"


def _pay_at_alipay(resident, alipay, bills):
    import urllib.request

    order = start(resident, bills, "alipay_wap").json()["order"]
    urllib.request.urlopen(order["pay_url"]).close()
    return order["out_trade_no"]


def _ali(client, body):
    return client.post(ALI_CALLBACK, body, content_type="application/x-www-form-urlencoded")


def test_alipay_notify_verified_idempotent(resident, alipay, two_months, client):
    trade_no = _pay_at_alipay(resident, alipay, two_months)
    body = alipay.notification(trade_no)
    r = _ali(client, body)
    assert r.status_code == 200 and r.content == b"success", r.content
    payment = Payment.objects.get()
    assert payment.status == "succeeded" and payment.method == "alipay"
    assert all(Bill.objects.get(pk=b.pk).status == "paid" for b in two_months)
    allocations = Allocation.objects.filter(payment=payment).count()
    assert _ali(client, body).content == b"success"  # Alipay repeats the same notify
    assert Allocation.objects.filter(payment=payment).count() == allocations
    r = _ali(client, alipay.notification(trade_no, total_amount="0.01"))  # replayed, other amount
    assert r.status_code == 400 and r.content == b"failure"


@pytest.mark.parametrize("problem", ["signature", "amount", "app_id", "waiting"])
def test_alipay_bad_notify_is_refused(resident, alipay, two_months, client, problem):
    trade_no = _pay_at_alipay(resident, alipay, two_months)
    body = {
        "signature": lambda: alipay.notification(trade_no, sign_with=new_key()),
        "amount": lambda: alipay.notification(trade_no, total_amount="1.00"),
        "app_id": lambda: alipay.notification(trade_no, app_id="2021000000000999"),
        "waiting": lambda: alipay.notification(trade_no, status="WAIT_BUYER_PAY"),
    }[problem]()
    r = _ali(client, body)
    if problem == "waiting":
        assert r.content == b"success"  # read, nothing to do
    else:
        assert r.status_code in (400, 401) and r.content == b"failure"
    assert Payment.objects.get().status == "pending"
    assert all(Bill.objects.get(pk=b.pk).status == "open" for b in two_months)


# --- the pay page ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agent", "shown", "hidden"),
    [
        (WECHAT_UA, ["jsapi"], ["h5", "native", "alipay_wap"]),
        (PHONE_UA, ["h5", "alipay_wap"], ["jsapi", "native"]),
        (DESKTOP_UA, ["native", "alipay_page"], ["jsapi", "h5"]),
    ],
)
def test_pay_page_offers_the_channel_of_the_browser(
    resident, alipay, two_months, agent, shown, hidden
):
    january, february = two_months
    r = resident.get(f"/app/billing/pay/?bills={february.pk}", HTTP_USER_AGENT=agent)
    html = r.content.decode()
    assert r.status_code == 200
    for channel in shown:
        assert f'id="pay-{channel}"' in html
    for channel in hidden:
        assert f'id="pay-{channel}"' not in html
    assert f'value="{february.pk}" data-house' in html
    assert (
        f'id="bill-{february.pk}" checked' in html and f'id="bill-{january.pk}" checked' not in html
    )
    assert "<script>" not in html and "billing/pay.js" in html


def test_pay_page_native_shows_qr_and_polls(resident, wxpay, two_months):
    r = resident.post(
        "/app/billing/pay/",
        {"bills": [b.pk for b in two_months], "channel": "native"},
        HTTP_USER_AGENT=DESKTOP_UA,
    )
    payment = Payment.objects.get()
    assert r.status_code == 302 and r.url == f"/app/billing/pay/{payment.pk}/"
    page = resident.get(r.url).content.decode()
    assert "data:image/svg+xml" in page and f"/app/billing/pay/{payment.pk}/status/" in page


def test_pay_page_h5_redirects_to_wechat_with_the_way_back(resident, wxpay, two_months):
    r = resident.post(
        "/app/billing/pay/",
        {"bills": [two_months[0].pk], "channel": "h5"},
        HTTP_USER_AGENT=PHONE_UA,
    )
    payment = Payment.objects.get()
    assert r.status_code == 302 and r.url.startswith("https://wx.tenpay.com/")
    assert f"redirect_url=http%3A%2F%2Ftestserver%2Fapp%2Fbilling%2Fpay%2F{payment.pk}%2F" in r.url


def test_someone_elses_payment_status_is_404(client, world, wxpay, resident, two_months):
    start(resident, two_months, "native")
    payment = Payment.objects.get()
    client.force_login(world.users["neighbour"])
    assert client.get(f"/app/billing/pay/{payment.pk}/").status_code == 404
    assert client.get(f"/app/billing/pay/{payment.pk}/status/").status_code == 404
    assert client.post(f"/api/v1/payments/{payment.pk}/cancel/").status_code == 404


# --- Asking the provider when no notification came (主动查单) --------------------------------------


def _age(payment_id, minutes):
    from datetime import timedelta

    from django.utils import timezone

    Payment.objects.filter(pk=payment_id).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_a_lost_wechat_notification_is_made_good_by_asking(resident, wxpay, two_months):
    r = start(resident, two_months, "native").json()
    trade_no, pk = r["order"]["out_trade_no"], r["payment"]["id"]
    assert services.reconcile_online_payments()["asked"] == 0  # just started: wait for WeChat
    _age(pk, 3)
    assert services.reconcile_online_payments() == {"asked": 1, "confirmed": 0, "expired": 0}
    assert Payment.objects.get(pk=pk).status == "pending"  # NOTPAY: nothing changes
    wxpay.paid[trade_no] = fen(Payment.objects.get(pk=pk).amount)
    assert services.reconcile_online_payments()["confirmed"] == 1
    payment = Payment.objects.get(pk=pk)
    assert payment.status == "succeeded" and payment.receipt_number
    assert payment.provider_ref.startswith("42000")
    assert all(Bill.objects.get(pk=b.pk).status == "paid" for b in two_months)
    allocations = Allocation.objects.filter(payment=payment).count()
    assert services.reconcile_online_payments()["asked"] == 0  # settled: never asked again
    assert Allocation.objects.filter(payment=payment).count() == allocations
    assert not wxpay.refused  # every query was signed as WeChat Pay checks


@pytest.mark.parametrize("problem", ["forged", "amount"])
def test_a_query_answer_not_believed_books_nothing(resident, wxpay, two_months, problem):
    r = start(resident, two_months, "native").json()
    trade_no, pk = r["order"]["out_trade_no"], r["payment"]["id"]
    _age(pk, 3)
    wxpay.paid[trade_no] = fen(Payment.objects.get(pk=pk).amount)
    if problem == "forged":
        wxpay.answer_key = new_key()  # not the platform's key
    else:
        wxpay.paid[trade_no] = 1  # one fen
    assert services.reconcile_online_payments()["confirmed"] == 0
    payment = Payment.objects.get(pk=pk)
    assert payment.status != "succeeded" and not Allocation.objects.filter(payment=payment)
    assert all(Bill.objects.get(pk=b.pk).status == "open" for b in two_months)


def test_an_unpaid_order_past_its_time_expires_and_a_late_payment_is_still_booked(
    resident, wxpay, two_months
):
    r = start(resident, two_months, "native").json()
    trade_no, pk = r["order"]["out_trade_no"], r["payment"]["id"]
    _age(pk, 25)  # past the order time and its margin
    assert services.reconcile_online_payments()["expired"] == 1
    assert Payment.objects.get(pk=pk).status == "failed"
    wxpay.paid[trade_no] = fen(Payment.objects.get(pk=pk).amount)  # the wallet took it anyway
    assert services.reconcile_online_payments()["confirmed"] == 1
    assert Payment.objects.get(pk=pk).status == "succeeded"


@pytest.mark.parametrize("forged", [False, True])
def test_alipay_trade_query_books_a_paid_order(resident, alipay, two_months, forged):
    trade_no = _pay_at_alipay(resident, alipay, two_months)
    payment = Payment.objects.get()
    _age(payment.pk, 3)
    assert services.reconcile_online_payments()["confirmed"] == 0  # WAIT_BUYER_PAY
    alipay.paid[trade_no] = f"{payment.amount:.2f}"
    if forged:
        alipay.answer_key = new_key()
    assert services.reconcile_online_payments()["confirmed"] == (0 if forged else 1)
    payment.refresh_from_db()
    assert payment.status == ("pending" if forged else "succeeded")
    assert "alipay.trade.query" not in alipay.refused  # our query was signed right


def test_the_status_page_asks_wechat_when_its_notification_is_late(resident, wxpay, two_months):
    r = start(resident, two_months, "native").json()
    trade_no, pk = r["order"]["out_trade_no"], r["payment"]["id"]
    url = f"/app/billing/pay/{pk}/status/"
    assert resident.get(url).json()["status"] == "pending"  # asked: NOTPAY
    wxpay.paid[trade_no] = fen(Payment.objects.get(pk=pk).amount)
    assert resident.get(url).json()["status"] == "pending"  # asked a moment ago: not again yet
    from django.core.cache import cache

    cache.delete(f"anju:payment-asked:{pk}")  # the 15 seconds are over
    status = resident.get(url).json()
    assert status["status"] == "succeeded" and status["receipt_number"]
