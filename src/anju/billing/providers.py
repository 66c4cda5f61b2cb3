"""Online payment providers behind one interface.

``PaymentProvider.create_order(payment)`` returns what the payer's device needs;
``PaymentProvider.parse_callback(headers, body)`` verifies a notification and returns a
``CallbackResult``. The service layer (``services.confirm_online_payment``) makes callbacks
idempotent. WeChat Pay API v3: requests signed with RSA-SHA256 (merchant key), notifications
verified with the platform certificate's public key and decrypted with AES-256-GCM (APIv3 key).
"""

import base64
import binascii
import json
import logging
import secrets
import time
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

from anju.core.errors import DomainError

log = logging.getLogger(__name__)
TOKEN_SALT = "anju.billing.test-callback"


class CallbackError(DomainError):
    """A notification that cannot be read (400); nothing changes."""

    code = "bad_callback"


class CallbackRefused(CallbackError):
    """A notification whose sender is not proven (bad signature, unknown key): 401."""

    code = "unauthenticated"
    status = 401


class CallbackNotFound(CallbackError):
    code = "not_found"
    status = 404


class CallbackForbidden(CallbackError):
    """The test provider's callback without the payer or the payment's signed token: 403."""

    code = "forbidden"
    status = 403


@dataclass(frozen=True)
class CallbackResult:
    payment_id: int
    provider_ref: str
    amount_fen: int
    succeeded: bool


class PaymentProvider:
    name = ""

    def create_order(self, payment) -> dict:
        raise NotImplementedError

    def parse_callback(self, headers: dict, body: bytes) -> CallbackResult:
        raise NotImplementedError


def _json_object(body):
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise CallbackError("the body is not JSON") from exc
    if not isinstance(data, dict):
        raise CallbackError("the body is not a JSON object")
    return data


def out_trade_no(payment) -> str:
    return f"AJ{payment.pk:014d}"


def payment_id_from(trade_no: str) -> int:
    if not isinstance(trade_no, str) or not trade_no.startswith("AJ") or not trade_no[2:].isdigit():
        raise CallbackError("unknown out_trade_no")
    return int(trade_no[2:])


class TestProvider(PaymentProvider):
    """The sandbox path, only where ``ANJU_PAYMENT_PROVIDER=test``: the portal shows a confirm
    page that stands in for the wallet app. Its callback is believed only from the paying user
    (checked by the API view) or with ``token``, the payment's signed token from
    ``create_order`` (valid ``ANJU_TEST_PAYMENT_TOKEN_SECONDS``)."""

    name = "test"

    @staticmethod
    def callback_token(payment) -> str:
        return signing.dumps({"payment": payment.pk}, salt=TOKEN_SALT)

    @staticmethod
    def token_grants(token, payment_id) -> bool:
        try:
            data = signing.loads(
                token, salt=TOKEN_SALT, max_age=settings.ANJU_TEST_PAYMENT_TOKEN_SECONDS
            )
        except signing.BadSignature:  # SignatureExpired included
            return False
        return isinstance(data, dict) and data.get("payment") == payment_id

    def create_order(self, payment) -> dict:
        return {
            "provider": self.name,
            "out_trade_no": out_trade_no(payment),
            "pay_url": reverse("portal:billing-test-pay", args=[payment.pk]),
            "callback_token": self.callback_token(payment),
        }

    def parse_callback(self, headers, body) -> CallbackResult:
        data = _json_object(body)
        try:
            amount_fen = int(data["amount_fen"])
        except (KeyError, TypeError, ValueError) as exc:
            raise CallbackError("amount_fen: an integer is required") from exc
        return CallbackResult(
            payment_id_from(data.get("out_trade_no")),
            str(data.get("transaction_id", "")),
            amount_fen,
            data.get("trade_state", "SUCCESS") == "SUCCESS",
        )

    @staticmethod
    def token_from(headers, body):
        token = {k.lower(): v for k, v in headers.items()}.get("x-anju-payment-token")
        return token or _json_object(body).get("token") or ""


def _load_private_key(pem):
    return serialization.load_pem_private_key(
        pem.encode() if isinstance(pem, str) else pem, password=None
    )


def _load_public_key(pem):
    return serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)


class WeChatPayV3(PaymentProvider):
    """WeChat Pay API v3, Native (QR code) orders.

    ``platform_serial`` names the key notifications are signed with: the platform
    certificate's serial number, or in public-key mode the key's id (``PUB_KEY_ID_…``). A
    notification naming another one (WeChat rotated it and the configuration lags) is refused,
    logged and audited, so the rotation gets noticed."""

    name = "wechat"
    base_url = "https://api.mch.weixin.qq.com"
    order_path = "/v3/pay/transactions/native"
    max_clock_skew = 300

    def __init__(
        self,
        *,
        mchid,
        appid,
        serial_no,
        private_key_pem,
        platform_public_key_pem,
        platform_serial,
        api_v3_key,
        notify_url,
        transport=None,
        clock=time.time,
    ):
        self.mchid, self.appid, self.serial_no = mchid, appid, serial_no
        self.private_key = _load_private_key(private_key_pem)
        self.platform_key = _load_public_key(platform_public_key_pem)
        if not platform_serial:
            raise ValueError("the platform certificate serial or public key id is required")
        self.platform_serial = platform_serial.strip()
        self.api_v3_key = api_v3_key.encode() if isinstance(api_v3_key, str) else api_v3_key
        if len(self.api_v3_key) != 32:
            raise ValueError("the APIv3 key is 32 bytes")
        self.notify_url = notify_url
        self.transport = transport or self._http
        self.clock = clock

    # -- outgoing -------------------------------------------------------------------------------
    def sign(self, method, path, body, timestamp=None, nonce=None):
        timestamp = str(int(timestamp or self.clock()))
        nonce = nonce or secrets.token_hex(16)
        message = f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n".encode()
        signature = base64.b64encode(
            self.private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        ).decode()
        return (
            f'WECHATPAY2-SHA256-RSA2048 mchid="{self.mchid}",nonce_str="{nonce}",signature="{signature}",'
            f'timestamp="{timestamp}",serial_no="{self.serial_no}"'
        )

    def create_order(self, payment) -> dict:
        body = json.dumps(
            {
                "appid": self.appid,
                "mchid": self.mchid,
                "description": f"物业费 {payment.house}"[:127],
                "out_trade_no": out_trade_no(payment),
                "notify_url": self.notify_url,
                "amount": {"total": int(payment.amount * 100), "currency": "CNY"},
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        headers = {
            "Authorization": self.sign("POST", self.order_path, body),
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        status, data = self.transport(
            "POST", self.base_url + self.order_path, headers, body.encode()
        )
        if status != 200 or "code_url" not in data:
            raise DomainError(
                f"WeChat Pay refused the order: {data.get('message', status)}",
                code="provider_error",
            )
        return {
            "provider": self.name,
            "out_trade_no": out_trade_no(payment),
            "code_url": data["code_url"],
        }

    @staticmethod
    def _http(method, url, headers, body):
        import urllib.request

        request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")

    # -- incoming -------------------------------------------------------------------------------
    def verify(self, headers, body: bytes):
        """Check the notification's headers and signature: malformed or missing headers are
        CallbackError (400), an unknown key, a stale time or a bad signature CallbackRefused
        (401)."""
        h = {k.lower(): v for k, v in headers.items()}
        timestamp, nonce = h.get("wechatpay-timestamp", ""), h.get("wechatpay-nonce", "")
        signature, serial = h.get("wechatpay-signature", ""), h.get("wechatpay-serial", "")
        if not (timestamp and nonce and signature and serial):
            raise CallbackError("missing Wechatpay-Timestamp, -Nonce, -Signature or -Serial")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            raise CallbackError("Wechatpay-Timestamp is not a Unix time in seconds")
        if serial.strip() != self.platform_serial:
            self._unknown_serial(serial)
            raise CallbackRefused("Wechatpay-Serial names another certificate or public key")
        if abs(self.clock() - int(timestamp)) > self.max_clock_skew:
            raise CallbackRefused("stale notification")
        try:
            raw = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CallbackRefused("bad signature") from exc
        message = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"
        try:
            self.platform_key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError) as exc:
            raise CallbackRefused("bad signature") from exc

    def _unknown_serial(self, serial):
        serial = serial[:80]
        log.warning(
            "WeChat Pay notification signed with %r, configured %r: has the platform "
            "certificate or public key been rotated? (ANJU_WECHAT_PLATFORM_SERIAL)",
            serial,
            self.platform_serial,
        )
        # One audit row per serial and day: the endpoint is public, the log has every one.
        if cache.add(f"anju:wechat-serial:{serial}", 1, timeout=86400):
            from anju.core import audit

            audit.record(
                None,
                "billing.payment.unknown_serial_refused",
                after={"serial": serial, "configured": self.platform_serial},
            )

    def decrypt(self, resource: dict) -> dict:
        try:
            plain = AESGCM(self.api_v3_key).decrypt(
                resource["nonce"].encode(),
                base64.b64decode(resource["ciphertext"]),
                (resource.get("associated_data") or "").encode(),
            )
            data = json.loads(plain)
        except (InvalidTag, KeyError, TypeError, AttributeError, ValueError) as exc:
            raise CallbackError("cannot decrypt resource") from exc
        if not isinstance(data, dict):
            raise CallbackError("the resource is not an object")
        return data

    def parse_callback(self, headers, body) -> CallbackResult:
        self.verify(headers, body)
        envelope = _json_object(body)
        resource = envelope.get("resource")
        if not isinstance(resource, dict) or resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise CallbackError("unsupported algorithm")
        data = self.decrypt(resource)
        if data.get("mchid") not in (None, self.mchid):
            raise CallbackError("another merchant")
        try:
            amount_fen = int(data["amount"]["total"])
        except (KeyError, TypeError, ValueError) as exc:
            raise CallbackError("no amount") from exc
        return CallbackResult(
            payment_id_from(data.get("out_trade_no")),
            str(data.get("transaction_id", "")),
            amount_fen,
            data.get("trade_state") == "SUCCESS",
        )


def provider_name():
    """The configured provider: WeChat Pay unless ``ANJU_PAYMENT_PROVIDER`` names another. The
    test provider only ever where that setting says ``test`` (``make run`` sets it)."""
    return getattr(settings, "ANJU_PAYMENT_PROVIDER", "") or "wechat"


def get_provider(name=None) -> PaymentProvider:
    name = name or provider_name()
    if name == "test":
        return TestProvider()
    if name == "wechat":
        cfg = getattr(settings, "ANJU_WECHAT_PAY", None) or {}
        if not cfg:
            log.warning("WeChat Pay is not configured (ANJU_WECHAT_PAY is empty)")
            raise DomainError(
                _("Online payment is not set up yet: ask the property office."),
                code="provider_unconfigured",
            )
        try:
            return WeChatPayV3(**cfg)
        except (TypeError, ValueError) as exc:
            log.error("ANJU_WECHAT_PAY is incomplete: %s", exc)
            raise DomainError(
                _("Online payment is not set up yet: ask the property office."),
                code="provider_unconfigured",
            ) from exc
    log.error("unknown payment provider %r (ANJU_PAYMENT_PROVIDER)", name)
    raise DomainError(
        _("Online payment is not set up yet: ask the property office."),
        code="provider_unconfigured",
    )
