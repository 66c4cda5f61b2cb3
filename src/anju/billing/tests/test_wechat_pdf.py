"""WeChat Pay v3 adapter with keys generated here; receipts and case packets as PDF with Chinese."""

import base64
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from anju.billing import pdf, providers, services
from anju.billing.models import Bill, Payment

from .fakes import pem_private, pem_public

pytestmark = pytest.mark.django_db
API_V3_KEY = b"0123456789abcdef0123456789ABCDEF"


@pytest.fixture(scope="module")
def keys():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048), rsa.generate_private_key(
        public_exponent=65537, key_size=2048
    )


def _adapter(keys, transport=None):
    merchant, platform = keys
    return providers.WeChatPayV3(
        mchid="1900000109",
        appid="wxd678efh567hg6787",
        serial_no="5157F09EFDC096DE15EBE81A47057A72",
        private_key_pem=pem_private(merchant),
        platform_public_key_pem=pem_public(platform),
        platform_serial="PLATFORM-SERIAL",
        api_v3_key=API_V3_KEY,
        notify_url="https://wy.example.com/api/v1/payments/callback/wechat/",
        transport=transport,
    )


def _notification(keys, payment, amount_fen, *, tamper=False, trade_state="SUCCESS"):
    _merchant, platform = keys
    resource = {
        "mchid": "1900000109",
        "out_trade_no": providers.out_trade_no(payment),
        "transaction_id": "4200001234202701011234567890",
        "trade_state": trade_state,
        "amount": {"total": amount_fen, "payer_total": amount_fen, "currency": "CNY"},
    }
    nonce = "fdasflkja484"
    ciphertext = AESGCM(API_V3_KEY).encrypt(
        nonce.encode(), json.dumps(resource).encode(), b"transaction"
    )
    body = json.dumps(
        {
            "id": "EV-2018022511223320873",
            "event_type": "TRANSACTION.SUCCESS",
            "resource_type": "encrypt-resource",
            "resource": {
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ciphertext).decode(),
                "associated_data": "transaction",
                "nonce": nonce,
            },
        }
    ).encode()
    ts, nonce_h = str(int(time.time())), secrets.token_hex(16).upper()
    signature = base64.b64encode(
        platform.sign(
            f"{ts}\n{nonce_h}\n".encode() + body + b"\n", padding.PKCS1v15(), hashes.SHA256()
        )
    ).decode()
    if tamper:
        body = body.replace(b"transaction", b"transactiox", 1)
    headers = {
        "Wechatpay-Timestamp": ts,
        "Wechatpay-Nonce": nonce_h,
        "Wechatpay-Signature": signature,
        "Wechatpay-Serial": "PLATFORM-SERIAL",
    }
    return headers, body


def test_order_request_is_signed_with_rsa_sha256(world, posted, keys):
    merchant, _platform = keys
    seen = {}

    def transport(method, url, headers, body):
        seen.update(method=method, url=url, headers=headers, body=body)
        return 200, {"code_url": "weixin://wxpay/bizpayurl?pr=abc"}

    payment = services.start_online_payment(
        actor=world.users["resident"], house=world.house, provider="wechat"
    )
    order = _adapter(keys, transport).create_order(payment)
    assert order["code_url"].startswith("weixin://")
    auth = seen["headers"]["Authorization"]
    assert auth.startswith("WECHATPAY2-SHA256-RSA2048 ")
    fields = dict(part.split("=", 1) for part in auth.split(" ", 1)[1].split(","))
    fields = {k: v.strip('"') for k, v in fields.items()}
    message = f"POST\n/v3/pay/transactions/native\n{fields['timestamp']}\n{fields['nonce_str']}\n{seen['body'].decode()}\n"
    merchant.public_key().verify(
        base64.b64decode(fields["signature"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    sent = json.loads(seen["body"])
    assert sent["amount"] == {"total": 26000, "currency": "CNY"}
    assert sent["out_trade_no"] == providers.out_trade_no(payment)


def test_callback_verified_decrypted_and_idempotent(world, posted, keys, client, settings):
    payment = services.start_online_payment(
        actor=world.users["resident"], house=world.house, provider="wechat"
    )
    adapter = _adapter(keys)
    headers, body = _notification(keys, payment, 26000)
    result = adapter.parse_callback(headers, body)
    assert result.payment_id == payment.pk and result.amount_fen == 26000 and result.succeeded
    settings.ANJU_WECHAT_PAY = {
        "mchid": "1900000109",
        "appid": "wx1",
        "serial_no": "S",
        "private_key_pem": pem_private(keys[0]),
        "platform_public_key_pem": pem_public(keys[1]),
        "platform_serial": "PLATFORM-SERIAL",
        "api_v3_key": API_V3_KEY.decode(),
        "notify_url": "https://x/",
    }

    def post(headers, body):
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        return client.post(
            "/api/v1/payments/callback/wechat/", body, content_type="application/json", **extra
        )

    # WeChat resends an unanswered notification freshly signed: each one is accepted once.
    for _ in range(3):
        headers, body = _notification(keys, payment, 26000)
        r = post(headers, body)
        assert r.status_code == 200, r.content
    # The very same signed request again is a replay, refused.
    assert post(headers, body).status_code != 200
    payment.refresh_from_db()
    assert payment.status == "succeeded" and payment.provider_ref.startswith("42000")
    assert Bill.objects.get(house=world.house).paid == Decimal("260.00")
    bad_headers, bad_body = _notification(keys, payment, 26000, tamper=True)
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in bad_headers.items()}
    r = client.post(
        "/api/v1/payments/callback/wechat/", bad_body, content_type="application/json", **extra
    )
    assert r.status_code == 401 and r.json()["code"] == "FAIL"


def test_wrong_key_or_stale_callback_is_refused(world, posted, keys):
    payment = services.start_online_payment(
        actor=world.users["resident"], house=world.house, provider="wechat"
    )
    headers, body = _notification(keys, payment, 26000)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(providers.CallbackError):
        _adapter((keys[0], other)).parse_callback(headers, body)
    stale = _adapter(keys)
    stale.clock = lambda: time.time() + 3600
    with pytest.raises(providers.CallbackError):
        stale.parse_callback(headers, body)
    with pytest.raises(providers.CallbackError):
        wrong = _adapter(keys)
        wrong.api_v3_key = b"X" * 32
        wrong.parse_callback(headers, body)


def test_amount_mismatch_does_not_credit(world, posted):
    payment = services.start_online_payment(
        actor=world.users["resident"], house=world.house, provider="test"
    )
    services.confirm_online_payment(payment_id=payment.pk, provider_ref="T", amount_fen=1)
    payment.refresh_from_db()
    assert payment.status == "failed" and Bill.objects.get(house=world.house).paid == 0


def _pdftotext(content):
    if not shutil.which("pdftotext"):
        if os.environ.get("ANJU_REQUIRE_SERVICES") == "1":
            pytest.fail("pdftotext (poppler-utils) is required in CI")
        pytest.skip("pdftotext (poppler-utils) missing")
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as f:
        f.write(content)
    try:
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True, check=True, text=True
        ).stdout
    finally:
        os.unlink(f.name)


def test_receipt_bill_and_case_packet_pdfs_have_chinese_text(world, fees, posted):
    payment = services.record_payment(
        actor=world.users["cashier"], house=world.house, amount="100.00", method="cash"
    )
    text = _pdftotext(pdf.receipt_pdf(payment))
    assert payment.receipt_number in text and "物业服务费" in text and "100.00" in text
    bill = Bill.objects.get(house=world.houses[1])
    text = _pdftotext(pdf.bill_pdf(bill))
    assert "物业服务费" in text and "前期物业服务合同第5条" in text and "101.00" in text
    text = _pdftotext(pdf.case_packet_pdf(world.houses[1]))
    assert "944" in text and "物业服务费" in text


def test_receipt_only_for_succeeded(world, posted, api):
    payment = services.start_online_payment(
        actor=world.users["resident"], house=world.house, provider="test"
    )
    r = api(world.users["resident"]).get(f"/api/v1/payments/{payment.pk}/receipt/")
    assert r.status_code == 400
    assert Payment.objects.count() == 1
