"""Online payment providers behind one interface.

``PaymentProvider.create_order(payment)`` returns what the payer's device needs;
``PaymentProvider.parse_callback(headers, body)`` verifies a notification and returns a
``CallbackResult``. The service layer (``services.confirm_online_payment``) makes callbacks
idempotent. WeChat Pay API v3: requests signed with RSA-SHA256 (merchant key), notifications
verified with the platform certificate's public key and decrypted with AES-256-GCM (APIv3 key).
"""

import abc
import base64
import binascii
import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlencode

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
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


class PaymentProvider(abc.ABC):
    """``create_order(payment, channel=..., payer=...)``: ``payer`` carries what a channel needs
    from the payer's side (``openid`` for JSAPI, ``client_ip`` for H5, ``return_url`` for the
    pages a wallet sends the payer back to)."""

    name = ""
    channels = frozenset()

    @abc.abstractmethod
    def create_order(self, payment, *, channel="", payer=None) -> dict:
        """What the payer's device needs to pay ``payment``."""

    def close_order(self, payment) -> None:  # noqa: B027 - optional: a provider may not close
        """Close the provider's order so it can no longer be paid (best effort)."""

    @abc.abstractmethod
    def parse_callback(self, headers: dict, body: bytes) -> CallbackResult:
        """Verify a notification; raise a ``CallbackError`` when it cannot be believed."""

    def query_order(self, payment) -> CallbackResult | None:
        """Ask the provider how the order stands (主动查单), for a notification that never
        came: a verified ``CallbackResult``, or None when the provider knows no payment of it
        yet or cannot be asked now (logged)."""
        return None


def _json_object(body):
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise CallbackError("the body is not JSON") from exc
    if not isinstance(data, dict):
        raise CallbackError("the body is not a JSON object")
    return data


def _get(url, headers, data=None):
    """One HTTP request (GET, or POST with ``data``): ``(status, headers, raw body)``."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def amount_fen(amount: Decimal) -> int:
    """Yuan (Decimal, two places) to integer fen, exactly."""
    fen = Decimal(amount) * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of fen")
    return int(fen)


def expires_at(payment, minutes):
    """When an online order stops being payable, in China time (the providers' format)."""
    return timezone.localtime(payment.created_at + timedelta(minutes=minutes))


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
    channels = frozenset({"jsapi", "h5", "native", "alipay_wap", "alipay_page"})

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

    def create_order(self, payment, *, channel="", payer=None) -> dict:
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
    """WeChat Pay API v3: Native (QR code), JSAPI (inside WeChat) and H5 (phone browser) orders.

    ``platform_serial`` names the key notifications are signed with: the platform
    certificate's serial number, or in public-key mode the key's id (``PUB_KEY_ID_…``). A
    notification naming another one (WeChat rotated it and the configuration lags) is refused,
    logged and audited, so the rotation gets noticed. ``mp_appid`` is the 公众号 the JSAPI payer's
    openid belongs to (``appid`` when blank)."""

    name = "wechat"
    channels = frozenset({"jsapi", "h5", "native"})
    base_url = "https://api.mch.weixin.qq.com"
    order_path = "/v3/pay/transactions/native"
    paths = {
        "native": "/v3/pay/transactions/native",
        "jsapi": "/v3/pay/transactions/jsapi",
        "h5": "/v3/pay/transactions/h5",
    }
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
        mp_appid="",
        base_url="",
        order_minutes=15,
        transport=None,
        clock=time.time,
    ):
        self.mchid, self.appid, self.serial_no = mchid, appid, serial_no
        self.mp_appid = mp_appid or appid
        self.private_key = _load_private_key(private_key_pem)
        self.platform_key = _load_public_key(platform_public_key_pem)
        if not platform_serial:
            raise ValueError("the platform certificate serial or public key id is required")
        self.platform_serial = platform_serial.strip()
        self.api_v3_key = api_v3_key.encode() if isinstance(api_v3_key, str) else api_v3_key
        if len(self.api_v3_key) != 32:
            raise ValueError("the APIv3 key is 32 bytes")
        self.notify_url = notify_url
        if base_url:
            self.base_url = base_url.rstrip("/")
        self.order_minutes = int(order_minutes)
        self.transport = transport or self._http
        self.clock = clock

    # -- outgoing -------------------------------------------------------------------------------
    def _rsa_sign(self, message: bytes) -> str:
        return base64.b64encode(
            self.private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        ).decode()

    def sign(self, method, path, body, timestamp=None, nonce=None):
        timestamp = str(int(timestamp or self.clock()))
        nonce = nonce or secrets.token_hex(16)
        signature = self._rsa_sign(f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n".encode())
        return (
            f'WECHATPAY2-SHA256-RSA2048 mchid="{self.mchid}",nonce_str="{nonce}",signature="{signature}",'
            f'timestamp="{timestamp}",serial_no="{self.serial_no}"'
        )

    def _request(self, method, path, body=""):
        headers = {
            "Authorization": self.sign(method, path, body),
            "Accept": "application/json",
            "User-Agent": "anju",
        }
        if body:
            headers["Content-Type"] = "application/json"
        return self.transport(method, self.base_url + path, headers, body.encode() or None)

    def jsapi_params(self, prepay_id, timestamp=None, nonce=None) -> dict:
        """What ``WeixinJSBridge.invoke('getBrandWCPayRequest', ...)`` takes: paySign is
        RSA-SHA256 over "appId\ntimeStamp\nnonceStr\npackage\n" with the merchant key."""
        params = {
            "appId": self.mp_appid,
            "timeStamp": str(int(timestamp or self.clock())),
            "nonceStr": nonce or secrets.token_hex(16),
            "package": f"prepay_id={prepay_id}",
            "signType": "RSA",
        }
        message = "{appId}\n{timeStamp}\n{nonceStr}\n{package}\n".format(**params)
        params["paySign"] = self._rsa_sign(message.encode())
        return params

    def create_order(self, payment, *, channel="native", payer=None) -> dict:
        channel = channel or "native"
        payer = payer or {}
        if channel not in self.paths:
            raise DomainError(_("This payment method is not available."), code="bad_channel")
        order = {
            "appid": self.mp_appid if channel == "jsapi" else self.appid,
            "mchid": self.mchid,
            "description": f"物业费 {payment.house}"[:127],
            "out_trade_no": out_trade_no(payment),
            "notify_url": self.notify_url,
            "amount": {"total": amount_fen(payment.amount), "currency": "CNY"},
        }
        if payment.created_at:
            order["time_expire"] = expires_at(payment, self.order_minutes).isoformat(
                timespec="seconds"
            )
        if channel == "jsapi":
            if not payer.get("openid"):
                raise DomainError(
                    _("Open this page from the WeChat official account to pay in WeChat."),
                    code="openid_required",
                )
            order["payer"] = {"openid": payer["openid"]}
        if channel == "h5":
            order["scene_info"] = {
                "payer_client_ip": payer.get("client_ip") or "127.0.0.1",
                "h5_info": {"type": "Wap"},
            }
        body = json.dumps(order, ensure_ascii=False, separators=(",", ":"))
        status, data = self._request("POST", self.paths[channel], body)
        wanted = {"native": "code_url", "jsapi": "prepay_id", "h5": "h5_url"}[channel]
        if status != 200 or wanted not in data:
            log.warning("WeChat Pay refused order %s: %s %s", order["out_trade_no"], status, data)
            raise DomainError(
                f"WeChat Pay refused the order: {data.get('message', status)}",
                code="provider_error",
            )
        answer = {"provider": self.name, "channel": channel, "out_trade_no": order["out_trade_no"]}
        if channel == "jsapi":
            answer["jsapi"] = self.jsapi_params(data["prepay_id"])
        else:
            answer[wanted] = data[wanted]
        return answer

    def close_order(self, payment) -> None:
        path = f"/v3/pay/transactions/out-trade-no/{out_trade_no(payment)}/close"
        body = json.dumps({"mchid": self.mchid}, separators=(",", ":"))
        try:
            status, data = self._request("POST", path, body)
        except OSError as exc:
            log.warning("WeChat Pay close %s failed: %s", out_trade_no(payment), exc)
            return
        if status not in (200, 204):
            log.warning("WeChat Pay close %s: %s %s", out_trade_no(payment), status, data)

    @staticmethod
    def _http(method, url, headers, body):
        import urllib.error
        import urllib.request

        request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            data = {}
        return status, data if isinstance(data, dict) else {}

    # -- incoming -------------------------------------------------------------------------------
    def verify(self, headers, body: bytes):
        """Check the notification's headers and signature: malformed or missing headers are
        CallbackError (400), an unknown key, a stale time, a bad signature or a replay
        CallbackRefused (401)."""
        nonce = self.check_signature(headers, body)
        # A signed request seen before within the allowed skew is a replay: WeChat signs each
        # delivery (retries too) with a fresh nonce.
        if not cache.add(f"anju:wechat-nonce:{nonce[:64]}", 1, timeout=2 * self.max_clock_skew):
            raise CallbackRefused("replayed notification")

    def check_signature(self, headers, body: bytes) -> str:
        """The platform's signature over a notification or an answer (the same headers);
        returns the nonce."""
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
        return nonce

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

    def query_order(self, payment) -> CallbackResult | None:
        """``GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=``, signed like every
        request; the answer must carry the platform's signature like a notification."""
        number = out_trade_no(payment)
        path = f"/v3/pay/transactions/out-trade-no/{number}?mchid={self.mchid}"
        headers = {"Authorization": self.sign("GET", path, ""), "Accept": "application/json"}
        try:
            status, answer_headers, raw = self.query_transport(self.base_url + path, headers)
        except OSError as exc:
            log.warning("WeChat Pay query %s failed: %s", number, exc)
            return None
        if status == 404:
            return None  # ORDER_NOT_EXIST: never paid
        if status != 200:
            log.warning("WeChat Pay query %s: %s %s", number, status, raw[:200])
            return None
        try:
            self.check_signature(answer_headers, raw)
        except CallbackError as exc:
            log.error("WeChat Pay query %s: answer not believed (%s)", number, exc)
            return None
        data = _json_object(raw)
        if data.get("out_trade_no") != number or data.get("mchid") not in (None, self.mchid):
            log.error("WeChat Pay query %s: the answer names another order", number)
            return None
        try:
            fen = int(data["amount"]["total"])
        except (KeyError, TypeError, ValueError):
            return None
        return CallbackResult(
            payment.pk,
            str(data.get("transaction_id", "")),
            fen,
            data.get("trade_state") == "SUCCESS",
        )

    @staticmethod
    def query_transport(url, headers):
        """GET ``url``: ``(status, headers, raw body)``."""
        return _get(url, headers)

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


class Alipay(PaymentProvider):
    """Alipay open platform: ``alipay.trade.wap.pay`` (phone browser) and ``alipay.trade.page.pay``
    (computer) orders, asynchronous notifications.

    Requests carry the common parameters (app_id, method, format, charset, sign_type RSA2,
    timestamp, version, notify_url, return_url, biz_content), signed SHA256withRSA over the
    parameters sorted by name as ``key=value`` joined with ``&`` (empty values and ``sign``
    left out). The payer's browser is sent to the gateway with them. A notification is the
    same string of its form fields without ``sign`` and ``sign_type``, verified with the Alipay
    public key; it must name our app_id and one of our orders, and the caller compares its
    ``total_amount`` with the payment's."""

    name = "alipay"
    channels = frozenset({"alipay_wap", "alipay_page"})
    gateway = "https://openapi.alipay.com/gateway.do"
    methods = {"alipay_wap": "alipay.trade.wap.pay", "alipay_page": "alipay.trade.page.pay"}
    products = {"alipay_wap": "QUICK_WAP_WAY", "alipay_page": "FAST_INSTANT_TRADE_PAY"}
    paid_states = frozenset({"TRADE_SUCCESS", "TRADE_FINISHED"})

    def __init__(
        self,
        *,
        app_id,
        private_key_pem,
        alipay_public_key_pem,
        notify_url,
        return_url="",
        gateway="",
        order_minutes=15,
        clock=time.time,
    ):
        if not app_id:
            raise ValueError("the Alipay app_id is required")
        self.app_id = str(app_id)
        self.private_key = _load_private_key(private_key_pem)
        self.alipay_key = _load_public_key(alipay_public_key_pem)
        self.notify_url, self.return_url = notify_url, return_url
        if gateway:
            self.gateway = gateway
        self.order_minutes = int(order_minutes)
        self.clock = clock

    @staticmethod
    def sign_content(params: dict, exclude=("sign",)) -> str:
        return "&".join(
            f"{k}={params[k]}"
            for k in sorted(params)
            if k not in exclude and params[k] not in ("", None)
        )

    def sign(self, params: dict) -> str:
        message = self.sign_content(params).encode()
        return base64.b64encode(
            self.private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        ).decode()

    def create_order(self, payment, *, channel="alipay_wap", payer=None) -> dict:
        channel = channel or "alipay_wap"
        payer = payer or {}
        if channel not in self.methods:
            raise DomainError(_("This payment method is not available."), code="bad_channel")
        biz = {
            "out_trade_no": out_trade_no(payment),
            "total_amount": f"{Decimal(payment.amount):.2f}",
            "subject": f"物业费 {payment.house}"[:128],
            "product_code": self.products[channel],
        }
        if payment.created_at:
            biz["time_expire"] = expires_at(payment, self.order_minutes).strftime(
                "%Y-%m-%d %H:%M:%S"
            )
        return_url = payer.get("return_url") or self.return_url
        if channel == "alipay_wap" and return_url:
            biz["quit_url"] = return_url
        now = timezone.localtime(timezone.now())
        params = {
            "app_id": self.app_id,
            "method": self.methods[channel],
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": now.strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "notify_url": self.notify_url,
            "return_url": return_url,
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
        }
        params = {k: v for k, v in params.items() if v}
        params["sign"] = self.sign(params)
        return {
            "provider": self.name,
            "channel": channel,
            "out_trade_no": biz["out_trade_no"],
            "pay_url": f"{self.gateway}?{urlencode(params)}",
            "form": {"action": self.gateway, "method": "GET", "fields": params},
        }

    def query_order(self, payment) -> CallbackResult | None:
        """``alipay.trade.query`` by out_trade_no; the answer's ``sign`` is verified over the
        exact text of ``alipay_trade_query_response`` as Alipay documents."""
        number = out_trade_no(payment)
        params = {
            "app_id": self.app_id,
            "method": "alipay.trade.query",
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": timezone.localtime(timezone.now()).strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "biz_content": json.dumps({"out_trade_no": number}, separators=(",", ":")),
        }
        params["sign"] = self.sign(params)
        body = urlencode(params).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"}
        try:
            status, _headers, raw = _get(self.gateway, headers, body)
        except OSError as exc:
            log.warning("Alipay query %s failed: %s", number, exc)
            return None
        try:
            answer = self.verified_answer(raw.decode("utf-8"), "alipay_trade_query_response")
        except (CallbackError, UnicodeDecodeError) as exc:
            log.error("Alipay query %s: answer not believed (%s)", number, exc)
            return None
        if answer.get("code") != "10000":  # 40004 ACQ.TRADE_NOT_EXIST: never paid
            return None
        if answer.get("out_trade_no") != number:
            log.error("Alipay query %s: the answer names another order", number)
            return None
        try:
            fen = amount_fen(Decimal(answer.get("total_amount", "")))
        except (InvalidOperation, ValueError):
            return None
        return CallbackResult(
            payment.pk,
            str(answer.get("trade_no", ""))[:80],
            fen,
            answer.get("trade_status") in self.paid_states,
        )

    def verified_answer(self, text: str, key: str) -> dict:
        """The object under ``key`` in a gateway answer, once its ``sign`` verifies over the
        object's text exactly as sent."""
        at = text.find(f'"{key}"')
        start = text.find("{", at) if at >= 0 else -1
        if start < 0:
            raise CallbackError(f"no {key}")
        try:
            answer, end = json.JSONDecoder().raw_decode(text, start)
            signature = json.loads(text).get("sign", "")
            raw = base64.b64decode(signature, validate=True)
            self.alipay_key.verify(
                raw, text[start:end].encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except (ValueError, binascii.Error, InvalidSignature, AttributeError) as exc:
            raise CallbackRefused("bad signature") from exc
        if not isinstance(answer, dict):
            raise CallbackError(f"{key} is not an object")
        return answer

    def verify(self, params: dict):
        signature = params.get("sign", "")
        if not signature:
            raise CallbackError("missing sign")
        if params.get("sign_type", "RSA2") != "RSA2":
            raise CallbackRefused("sign_type must be RSA2")
        try:
            raw = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CallbackRefused("bad signature") from exc
        message = self.sign_content(params, exclude=("sign", "sign_type")).encode()
        try:
            self.alipay_key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError) as exc:
            raise CallbackRefused("bad signature") from exc

    def parse_callback(self, headers, body) -> CallbackResult:
        try:
            pairs = parse_qsl(
                (body or b"").decode("utf-8"), keep_blank_values=True, strict_parsing=True
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise CallbackError("the body is not a form") from exc
        params = dict(pairs)
        if len(params) != len(pairs):
            raise CallbackError("a field appears twice")
        self.verify(params)
        if params.get("app_id") != self.app_id:
            raise CallbackRefused("another app_id")
        try:
            total = Decimal(params.get("total_amount", ""))
            fen = amount_fen(total)
        except (InvalidOperation, ValueError) as exc:
            raise CallbackError("total_amount is not an amount") from exc
        return CallbackResult(
            payment_id_from(params.get("out_trade_no")),
            str(params.get("trade_no", ""))[:80],
            fen,
            params.get("trade_status") in self.paid_states,
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
    if name == "alipay":
        cfg = getattr(settings, "ANJU_ALIPAY", None) or {}
        try:
            if not cfg:
                raise ValueError("ANJU_ALIPAY is empty")
            return Alipay(**cfg)
        except (TypeError, ValueError) as exc:
            log.error("Alipay is not configured: %s", exc)
            raise DomainError(
                _("Online payment is not set up yet: ask the property office."),
                code="provider_unconfigured",
            ) from exc
    log.error("unknown payment provider %r (ANJU_PAYMENT_PROVIDER)", name)
    raise DomainError(
        _("Online payment is not set up yet: ask the property office."),
        code="provider_unconfigured",
    )


def provider_for_channel(channel) -> str:
    """The provider a channel goes through: the test provider for all of them where it is
    configured, WeChat Pay for jsapi/h5/native, Alipay for alipay_wap/alipay_page."""
    from .choices import ALIPAY_CHANNELS, WECHAT_CHANNELS

    if provider_name() == "test":
        return "test"
    if channel in WECHAT_CHANNELS:
        return "wechat"
    if channel in ALIPAY_CHANNELS:
        return "alipay"
    raise DomainError(
        _("This payment method is not available."),
        code="bad_channel",
        fields={"channel": [_("Choose one of the offered payment methods.")]},
    )


def available_channels() -> set:
    """The channels that can be used here: the configured providers'."""
    from .choices import ALIPAY_CHANNELS, WECHAT_CHANNELS

    if provider_name() == "test":
        return set(WECHAT_CHANNELS | ALIPAY_CHANNELS)
    channels = set()
    if getattr(settings, "ANJU_WECHAT_PAY", None):
        channels |= WECHAT_CHANNELS
    if getattr(settings, "ANJU_ALIPAY", None):
        channels |= ALIPAY_CHANNELS
    return channels
