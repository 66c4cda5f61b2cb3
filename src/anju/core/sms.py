"""SMS gateways (短信): ``notifications.sms_backend().send(phone, text)`` through the class that
``ANJU_SMS_BACKEND`` names.

- ``LogSmsBackend`` (default): one line per message on the ``anju.sms`` logger,
  ``sms <phone> <text>``, with the full phone: in embedded mode that line is how a person
  trying Anju reads their login code.
- ``AliyunSmsBackend``: Alibaba Cloud SMS ``SendSms`` (RPC API 2017-05-25, signature method
  HMAC-SHA1 version 1.0 over the percent-encoded canonical query).
- ``TencentSmsBackend``: Tencent Cloud SMS ``SendSms`` (API 3.0, version 2021-01-11, TC3-HMAC-SHA256
  in the Authorization header).

Gateways in mainland China send only pre-registered templates with parameters, never free text.
A caller names a template key and its parameters, ``send(phone, text, template="code",
params={"code": "123456"})``; ``ANJU_SMS_TEMPLATES`` maps each key to the provider's template id
and the order of its parameters. A message without a template key (``send(phone, text)``) goes
out through the ``notice`` template with the text as its one parameter. ``text`` is always what
the log backend writes.

``send`` answers True when the provider accepted the message. A refusal (a bad signature, a
daily limit, an unregistered template) or an unreachable gateway is logged with the provider's
code and answers False: it never raises into the caller, whose transaction has committed.
"""

from __future__ import annotations

import abc
import base64
import hashlib
import hmac
import json
import logging
import uuid
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from django.conf import settings

from .crypto import mask_middle
from .outbound import OutboundError, call

log = logging.getLogger("anju.sms")

TEMPLATE_KEYS = ("code", "invite", "notice")
# The parameters each key's template takes, in order, unless ANJU_SMS_TEMPLATES says otherwise.
DEFAULT_PARAMS = {"code": ["code"], "invite": ["name", "link"], "notice": ["content"]}


class SmsBackend(abc.ABC):
    """The interface: ``send(phone, text, *, template=None, params=None) -> bool``."""

    name = ""

    @abc.abstractmethod
    def send(self, phone, text, *, template=None, params=None) -> bool:
        """Send one message; True when the gateway accepted it (failures are logged)."""


class LogSmsBackend(SmsBackend):
    """Writes SMS to the log instead of a gateway (default; replace in production)."""

    name = "log"
    sent: list = []  # last messages, for tests and the demo console

    def send(self, phone, text, *, template=None, params=None) -> bool:
        line = " ".join(str(text).split())  # one line per message, whatever the text holds
        log.info("sms %s %s", phone, line)
        LogSmsBackend.sent.append((phone, text))
        del LogSmsBackend.sent[:-500]
        return True


def template_for(key, text, params):
    """(provider template id, [(parameter name, value), ...]) for a template key, or None
    when neither the key nor the ``notice`` fallback is configured."""
    table = settings.ANJU_SMS_TEMPLATES
    entry = table.get(key) if key else None
    if not entry:
        key, entry, params = "notice", table.get("notice"), {"content": str(text)}
    if not entry:
        return None
    if isinstance(entry, str):
        entry = {"id": entry}
    names = entry.get("params") or DEFAULT_PARAMS.get(key, sorted(params or {}))
    limit = settings.ANJU_SMS_PARAM_MAX_CHARS
    values = [(name, str((params or {}).get(name, ""))[:limit]) for name in names]
    return str(entry["id"]), values


def mainland(phone) -> str:
    from .auth import mobile_number

    return mobile_number(phone) or str(phone).strip()


class GatewayBackend(SmsBackend):
    """Shared by the gateways: template lookup, and every failure logged, never raised."""

    def send(self, phone, text, *, template=None, params=None) -> bool:
        found = template_for(template, text, params)
        if found is None:
            log.error(
                "sms not sent provider=%s phone=%s code=no_template: set ANJU_SMS_TEMPLATES",
                self.name,
                mask_middle(str(phone)),
            )
            return False
        template_id, values = found
        try:
            ok, code, message = self.deliver(mainland(phone), template_id, values)
        except OutboundError as exc:
            ok, code, message = False, "unreachable", str(exc)
        if ok:
            log.info("sms sent provider=%s phone=%s", self.name, mask_middle(mainland(phone)))
        else:
            log.warning(
                "sms not sent provider=%s phone=%s template=%s code=%s message=%s",
                self.name,
                mask_middle(mainland(phone)),
                template_id,
                code,
                str(message)[:200],
            )
        return ok

    @abc.abstractmethod
    def deliver(self, phone, template_id, values) -> tuple[bool, str, str]:
        """One provider request: (accepted, provider code, provider message)."""


# -- Alibaba Cloud ---------------------------------------------------------------------------


def aliyun_encode(value) -> str:
    """Alibaba's percent-encoding: RFC 3986 unreserved characters (A-Z a-z 0-9 - _ . ~) kept,
    every other byte of the UTF-8 as %XY (so a space is %20, ``*`` is %2A)."""
    return quote(str(value), safe="-_.~")


def aliyun_signature(method, params, secret) -> str:
    """Base64(HMAC-SHA1(secret + "&", method & encode("/") & encode(canonical query)))."""
    canonical = "&".join(
        f"{aliyun_encode(k)}={aliyun_encode(v)}" for k, v in sorted(params.items())
    )
    to_sign = f"{method}&{aliyun_encode('/')}&{aliyun_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsBackend(GatewayBackend):
    """阿里云短信 SendSms. Settings: ``ANJU_ALIYUN_SMS`` (access key, sign name, endpoint)."""

    name = "aliyun"
    method = "POST"

    def __init__(self, config=None, *, clock=None):
        self.config = config or settings.ANJU_ALIYUN_SMS
        self.clock = clock or (lambda: datetime.now(UTC))

    def params(self, phone, template_id, values):
        c = self.config
        return {
            "AccessKeyId": c["access_key_id"],
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": c.get("region") or "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": self.clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            "PhoneNumbers": phone,
            "SignName": c["sign_name"],
            "TemplateCode": template_id,
            "TemplateParam": json.dumps(dict(values), ensure_ascii=False, separators=(",", ":")),
        }

    def deliver(self, phone, template_id, values):
        params = self.params(phone, template_id, values)
        params["Signature"] = aliyun_signature(
            self.method, params, self.config["access_key_secret"]
        )
        body = "&".join(f"{aliyun_encode(k)}={aliyun_encode(v)}" for k, v in params.items())
        status, data = call(
            self.method,
            self.config.get("endpoint") or "https://dysmsapi.aliyuncs.com/",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            body=body.encode(),
        )
        code = str(data.get("Code") or f"HTTP {status}")
        return status == 200 and code == "OK", code, data.get("Message", "")


# -- Tencent Cloud ---------------------------------------------------------------------------

TC3 = "TC3-HMAC-SHA256"
TENCENT_CONTENT_TYPE = "application/json; charset=utf-8"


def _hmac256(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def tc3_signature(secret_key, *, service, host, timestamp: int, payload: bytes, headers=None):
    """(signature hex, signed header names) of a POST to ``/`` with ``payload``: the canonical
    request over content-type and host (and any ``headers`` given, lower-case name -> value),
    the string to sign with the credential scope ``<UTC date>/<service>/tc3_request``, and the
    key derived from ``"TC3" + secret`` through the date, the service and ``tc3_request``."""
    signed = {"content-type": TENCENT_CONTENT_TYPE, "host": host, **(headers or {})}
    names = sorted(signed)
    canonical_headers = "".join(f"{n}:{str(signed[n]).strip().lower()}\n" for n in names)
    signed_headers = ";".join(names)
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            canonical_headers,
            signed_headers,
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(
        [TC3, str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _hmac256(_hmac256(_hmac256(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), signed_headers, scope


class TencentSmsBackend(GatewayBackend):
    """腾讯云短信 SendSms. Settings: ``ANJU_TENCENT_SMS`` (secret id and key, SDK app id, sign
    name, region, endpoint)."""

    name = "tencent"
    service = "sms"
    version = "2021-01-11"

    def __init__(self, config=None, *, clock=None):
        self.config = config or settings.ANJU_TENCENT_SMS
        self.clock = clock or (lambda: int(datetime.now(UTC).timestamp()))

    def deliver(self, phone, template_id, values):
        c = self.config
        endpoint = c.get("endpoint") or "https://sms.tencentcloudapi.com/"
        host = urlsplit(endpoint).netloc
        payload = json.dumps(
            {
                "PhoneNumberSet": [phone if phone.startswith("+") else f"+86{phone}"],
                "SmsSdkAppId": c["sdk_app_id"],
                "SignName": c["sign_name"],
                "TemplateId": template_id,
                "TemplateParamSet": [value for _, value in values],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        timestamp = self.clock()
        signature, signed_headers, scope = tc3_signature(
            c["secret_key"], service=self.service, host=host, timestamp=timestamp, payload=payload
        )
        headers = {
            "Authorization": f"{TC3} Credential={c['secret_id']}/{scope}, "
            f"SignedHeaders={signed_headers}, Signature={signature}",
            "Content-Type": TENCENT_CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": self.version,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": c.get("region") or "ap-guangzhou",
        }
        status, data = call("POST", endpoint, headers=headers, body=payload)
        answer = data.get("Response") or {}
        if "Error" in answer:
            error = answer["Error"] or {}
            return False, str(error.get("Code", "")), error.get("Message", "")
        statuses = answer.get("SendStatusSet") or []
        first = statuses[0] if statuses else {}
        code = str(first.get("Code") or f"HTTP {status}")
        return status == 200 and code == "Ok", code, first.get("Message", "")
