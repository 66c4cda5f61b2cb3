"""The WeChat Pay v3 callback over HTTP, with real RSA signatures from keys generated here:
``Wechatpay-Serial`` must name the configured platform certificate or public key, and malformed
headers answer 400/401 in the error format, never 500; nothing changes either way."""

import base64
import logging
import time

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from anju.billing import services
from anju.billing.models import Bill
from anju.core.models import AuditEntry

from .fakes import pem_private, pem_public
from .test_wechat_pdf import API_V3_KEY, _notification, keys  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/api/v1/payments/callback/wechat/"
PUB_KEY_ID = "PUB_KEY_ID_0119000001092025010100000000000001"


@pytest.fixture
def wechat(settings, keys):  # noqa: F811
    settings.ANJU_PAYMENT_PROVIDER = "wechat"
    settings.ANJU_WECHAT_PAY = {
        "mchid": "1900000109",
        "appid": "wx1",
        "serial_no": "S",
        "private_key_pem": pem_private(keys[0]),
        "platform_public_key_pem": pem_public(keys[1]),
        "platform_serial": PUB_KEY_ID,
        "api_v3_key": API_V3_KEY.decode(),
        "notify_url": "https://x/",
    }
    return keys


@pytest.fixture
def payment(world, posted):
    return services.start_online_payment(
        actor=world.users["resident"], house=world.house, provider="wechat"
    )


def _post(client, headers, body):
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return client.post(URL, body, content_type="application/json", **extra)


def _refused(r, status, payment):
    assert r.status_code == status, r.content
    error = r.json()["error"]
    assert error["code"] and error["message"] and error["fields"] == {}
    assert r.json()["code"] == "FAIL"  # what WeChat Pay reads
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert Bill.objects.get(house=payment.house).paid == 0


def _signed(platform, ts, nonce, body):
    return base64.b64encode(
        platform.sign(
            f"{ts}\n{nonce}\n".encode() + body + b"\n", padding.PKCS1v15(), hashes.SHA256()
        )
    ).decode()


def test_matching_public_key_id_is_accepted(wechat, payment, client):
    headers, body = _notification(wechat, payment, 26000)
    headers["Wechatpay-Serial"] = PUB_KEY_ID
    r = _post(client, headers, body)
    assert r.status_code == 200 and r.json()["code"] == "SUCCESS", r.content
    payment.refresh_from_db()
    assert payment.status == "succeeded"


def test_another_serial_is_401_and_noticed(wechat, payment, client, caplog):
    """A correctly signed notification naming another certificate (WeChat rotated it and the
    configuration lags): refused, logged, and audited once."""
    headers, body = _notification(wechat, payment, 26000)
    headers["Wechatpay-Serial"] = "7132D72A03E93CDDF8C03BBD1F37EEDF"
    with caplog.at_level(logging.WARNING, logger="anju.billing"):
        for _ in range(2):
            _refused(_post(client, headers, body), 401, payment)
    assert "7132D72A03E93CDDF8C03BBD1F37EEDF" in caplog.text
    rows = AuditEntry.objects.filter(action="billing.payment.unknown_serial_refused")
    assert rows.count() == 1
    assert rows.get().after["serial"] == "7132D72A03E93CDDF8C03BBD1F37EEDF"


@pytest.mark.parametrize(
    "change",
    [
        {"Wechatpay-Timestamp": "not-a-number"},
        {"Wechatpay-Timestamp": ""},
        {"Wechatpay-Timestamp": "1e9"},
        {"Wechatpay-Timestamp": "99999999999999999999999999"},
        {"Wechatpay-Timestamp": None},
        {"Wechatpay-Nonce": None},
        {"Wechatpay-Signature": None},
        {"Wechatpay-Serial": None},
    ],
)
def test_malformed_or_missing_header_is_400(wechat, payment, client, change):
    headers, body = _notification(wechat, payment, 26000)
    headers["Wechatpay-Serial"] = PUB_KEY_ID
    for name, value in change.items():
        if value is None:
            del headers[name]
        else:
            headers[name] = value
    _refused(_post(client, headers, body), 400, payment)


@pytest.mark.parametrize("signature", ["***not base64***", "AAAA", base64.b64encode(b"x" * 256)])
def test_bad_signature_is_401(wechat, payment, client, signature):
    headers, body = _notification(wechat, payment, 26000)
    headers["Wechatpay-Serial"] = PUB_KEY_ID
    headers["Wechatpay-Signature"] = signature if isinstance(signature, str) else signature.decode()
    _refused(_post(client, headers, body), 401, payment)


def test_stale_timestamp_is_401(wechat, payment, client):
    _headers, body = _notification(wechat, payment, 26000)
    ts, nonce = str(int(time.time()) - 3600), "N0NCE"
    headers = {
        "Wechatpay-Timestamp": ts,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": _signed(wechat[1], ts, nonce, body),
        "Wechatpay-Serial": PUB_KEY_ID,
    }
    _refused(_post(client, headers, body), 401, payment)


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"resource": 5}', b'{"resource": {}}'])
def test_signed_but_malformed_body_is_400(wechat, payment, client, body):
    ts, nonce = str(int(time.time())), "N0NCE"
    headers = {
        "Wechatpay-Timestamp": ts,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": _signed(wechat[1], ts, nonce, body),
        "Wechatpay-Serial": PUB_KEY_ID,
    }
    _refused(_post(client, headers, body), 400, payment)
