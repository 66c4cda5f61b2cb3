"""Local fake servers of the providers Anju talks to (Alibaba Cloud SMS, Tencent Cloud SMS,
WeChat), each a thread serving HTTP on 127.0.0.1. They check requests the way the provider
documents it (signatures recomputed from what arrived, clock skew, nonces, app secrets, codes
used once) and answer in the provider's format, so the adapters are tested against the
protocol and nothing leaves the machine.

The fakes sign with their own code, written from the providers' documentation, not with the
adapters' functions."""

from __future__ import annotations

import abc
import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit


class FakeServer(abc.ABC):
    """Serves ``handle(method, path, query, headers, body) -> (status, dict)`` in a thread."""

    def __init__(self):
        fake = self
        self.requests = []

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                query = dict(parse_qsl(split.query, keep_blank_values=True))
                headers = {k.lower(): v for k, v in self.headers.items()}
                fake.requests.append((self.command, split.path, query, headers, body))
                status, data = fake.handle(self.command, split.path, query, headers, body)
                raw = json.dumps(data, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = _serve

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @abc.abstractmethod
    def handle(self, method, path, query, headers, body):
        """Answer one request as the provider would: (status, JSON object)."""


# -- Alibaba Cloud SMS -----------------------------------------------------------------------


def _pe(value):
    # Alibaba: UTF-8, then percent-encode all but A-Z a-z 0-9 - _ . ~ ; space %20, * %2A, ~ kept.
    return quote(value.encode("utf-8"), safe="").replace("%7E", "~")


class FakeAliyun(FakeServer):
    """dysmsapi SendSms: RPC signature 1.0 (HMAC-SHA1), 15 minutes of clock skew, each
    SignatureNonce once; answers ``{"Code": "OK", ...}`` or the gateway's error codes."""

    SKEW = 15 * 60

    def __init__(self, key_id="LTAI-test", secret="aliyun-secret", templates=("SMS_1", "SMS_9")):
        super().__init__()
        self.key_id, self.secret, self.templates = key_id, secret, set(templates)
        self.nonces = set()
        self.sent = []
        self.reply = None  # force an answer, e.g. {"Code": "isv.BUSINESS_LIMIT_CONTROL"}

    def error(self, status, code, message):
        return status, {"RequestId": secrets.token_hex(8), "Code": code, "Message": message}

    def handle(self, method, path, query, headers, body):
        params = dict(query)
        if method == "POST":
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
        signature = params.pop("Signature", "")
        for name in ("AccessKeyId", "SignatureNonce", "Timestamp", "Action", "Version"):
            if not params.get(name):
                return self.error(400, f"Missing{name}", f"{name} is mandatory for this action.")
        if params["AccessKeyId"] != self.key_id:
            return self.error(
                404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
            )
        if params.get("SignatureMethod") != "HMAC-SHA1" or params.get("SignatureVersion") != "1.0":
            return self.error(400, "InvalidSignatureMethod", "unsupported signature method")
        try:
            sent_at = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=UTC
            )
        except ValueError:
            return self.error(400, "InvalidTimeStamp.Format", "not well formatted")
        if abs(time.time() - sent_at.timestamp()) > self.SKEW:
            return self.error(
                400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."
            )
        query_string = "&".join(f"{_pe(k)}={_pe(v)}" for k, v in sorted(params.items()))
        to_sign = method + "&" + _pe("/") + "&" + _pe(query_string)
        expected = base64.b64encode(
            hmac.new((self.secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
        ).decode()
        if not hmac.compare_digest(expected, signature):
            return self.error(
                400,
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation.",
            )
        if params["SignatureNonce"] in self.nonces:
            return self.error(
                400, "SignatureNonceUsed", "Specified signature nonce was used already."
            )
        self.nonces.add(params["SignatureNonce"])
        if params["Action"] != "SendSms" or params["Version"] != "2017-05-25":
            return self.error(404, "InvalidApi.NotFound", "Specified api is not found")
        if params.get("TemplateCode") not in self.templates:
            return self.error(200, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        if not re.fullmatch(r"1\d{10}", params.get("PhoneNumbers", "")):
            return self.error(200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if self.reply:
            return 200, {"RequestId": "r", **self.reply}
        self.sent.append(
            (
                params["PhoneNumbers"],
                params["SignName"],
                params["TemplateCode"],
                json.loads(params.get("TemplateParam") or "{}"),
            )
        )
        return 200, {"Code": "OK", "Message": "OK", "BizId": "900^0", "RequestId": "r1"}


# -- Tencent Cloud SMS -----------------------------------------------------------------------


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FakeTencent(FakeServer):
    """sms.tencentcloudapi.com SendSms 2021-01-11: TC3-HMAC-SHA256 recomputed over the signed
    headers as received, at most five minutes of clock skew; per-number send status."""

    SKEW = 5 * 60

    def __init__(
        self,
        secret_id="AKID-test",
        secret_key="tencent-key",
        app_id="1400000001",
        templates=("1001", "1009"),
    ):
        super().__init__()
        self.secret_id, self.secret_key, self.app_id = secret_id, secret_key, app_id
        self.templates = set(templates)
        self.sent = []
        self.reply = None

    def error(self, code, message):
        return 200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "r"}}

    def handle(self, method, path, query, headers, body):
        auth = headers.get("authorization", "")
        match = re.fullmatch(
            r"TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/([a-z]+)/tc3_request, "
            r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})",
            auth,
        )
        if method != "POST" or not match:
            return self.error("AuthFailure.InvalidAuthorization", "Authorization is not valid")
        secret_id, date, service, signed_headers, signature = match.groups()
        if secret_id != self.secret_id:
            return self.error("AuthFailure.SecretIdNotFound", "The SecretId is not found")
        try:
            timestamp = int(headers.get("x-tc-timestamp", ""))
        except ValueError:
            return self.error("AuthFailure.InvalidAuthorization", "bad X-TC-Timestamp")
        if abs(time.time() - timestamp) > self.SKEW:
            return self.error("AuthFailure.SignatureExpire", "Signature expired")
        if date != time.strftime("%Y-%m-%d", time.gmtime(timestamp)) or service != "sms":
            return self.error("AuthFailure.SignatureFailure", "credential scope does not match")
        names = signed_headers.split(";")
        if "content-type" not in names or "host" not in names:
            return self.error(
                "AuthFailure.SignatureFailure", "content-type and host must be signed"
            )
        canonical_headers = "".join(f"{n}:{headers.get(n, '').strip().lower()}\n" for n in names)
        canonical = f"POST\n/\n\n{canonical_headers}\n{signed_headers}\n{_sha256_hex(body)}"
        to_sign = (
            f"TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n"
            f"{_sha256_hex(canonical.encode())}"
        )

        def mac(key, msg):
            return hmac.new(key, msg.encode(), hashlib.sha256).digest()

        key = mac(mac(mac(("TC3" + self.secret_key).encode(), date), service), "tc3_request")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return self.error(
                "AuthFailure.SignatureFailure", "The provided credentials could not be validated."
            )
        if headers.get("x-tc-action") != "SendSms" or headers.get("x-tc-version") != "2021-01-11":
            return self.error("InvalidAction", "action or version unknown")
        data = json.loads(body)
        if data.get("SmsSdkAppId") != self.app_id:
            return self.error("FailedOperation.ApplicationNotFound", "SmsSdkAppId unknown")
        if data.get("TemplateId") not in self.templates:
            return self.error("FailedOperation.TemplateIncorrectOrUnapproved", "template unknown")
        if self.reply:
            return 200, {"Response": {"SendStatusSet": [self.reply], "RequestId": "r"}}
        statuses = []
        for phone in data.get("PhoneNumberSet", []):
            ok = re.fullmatch(r"\+861\d{10}", phone)
            statuses.append(
                {
                    "SerialNo": "s1",
                    "PhoneNumber": phone,
                    "Fee": 1,
                    "IsoCode": "CN",
                    "Code": "Ok" if ok else "InvalidParameterValue.IncorrectPhoneNumber",
                    "Message": "send success" if ok else "incorrect phone number",
                }
            )
            if ok:
                self.sent.append(
                    (phone, data["SignName"], data["TemplateId"], data["TemplateParamSet"])
                )
        return 200, {"Response": {"SendStatusSet": statuses, "RequestId": "r"}}


# -- WeChat ----------------------------------------------------------------------------------


class FakeWechat(FakeServer):
    """api.weixin.qq.com: web OAuth ``sns/oauth2/access_token``, mini program
    ``sns/jscode2session``, ``cgi-bin/token`` and ``cgi-bin/stable_token``, and
    ``cgi-bin/message/subscribe/send``. Apps are {appid: secret}; codes are issued with
    ``code_for`` and used once within five minutes; access tokens expire."""

    CODE_SECONDS = 300

    def __init__(self, apps, token_seconds=7200):
        super().__init__()
        self.apps = dict(apps)
        self.codes = {}  # code -> (appid, openid, unionid, issued at)
        self.used = set()
        self.tokens = {}  # access token -> (appid, expires at)
        self.token_calls = 0
        self.token_seconds = token_seconds
        self.messages = []
        self.refuse_send = None  # (errcode, errmsg) for the next sends

    def code_for(self, appid, openid, unionid=""):
        code = secrets.token_hex(16)
        self.codes[code] = (appid, openid, unionid, time.time())
        return code

    @staticmethod
    def err(code, message):
        return 200, {"errcode": code, "errmsg": message}

    def _app(self, appid, secret):
        if appid not in self.apps:
            return self.err(40013, "invalid appid")
        if not hmac.compare_digest(self.apps[appid], secret or ""):
            return self.err(40125, "invalid appsecret")
        return None

    def _code(self, appid, code):
        if code in self.used:
            return None, self.err(40163, "code been used")
        found = self.codes.get(code)
        if found is None or found[0] != appid or time.time() - found[3] > self.CODE_SECONDS:
            return None, self.err(40029, "invalid code")
        self.used.add(code)
        return found, None

    def _token(self, appid):
        self.token_calls += 1
        token = secrets.token_hex(24)
        self.tokens[token] = (appid, time.time() + self.token_seconds)
        return 200, {"access_token": token, "expires_in": self.token_seconds}

    def handle(self, method, path, query, headers, body):
        if path == "/sns/oauth2/access_token":
            refused = self._app(query.get("appid"), query.get("secret"))
            if refused or query.get("grant_type") != "authorization_code":
                return refused or self.err(40002, "invalid grant_type")
            found, refused = self._code(query["appid"], query.get("code", ""))
            if refused:
                return refused
            answer = {
                "access_token": secrets.token_hex(8),
                "expires_in": 7200,
                "refresh_token": secrets.token_hex(8),
                "openid": found[1],
                "scope": "snsapi_base",
                "is_snapshotuser": 0,
            }
            if found[2]:
                answer["unionid"] = found[2]
            return 200, answer
        if path == "/sns/jscode2session":
            refused = self._app(query.get("appid"), query.get("secret"))
            if refused or query.get("grant_type") != "authorization_code":
                return refused or self.err(40002, "invalid grant_type")
            found, refused = self._code(query["appid"], query.get("js_code", ""))
            if refused:
                return refused
            answer = {"openid": found[1], "session_key": secrets.token_hex(8)}
            if found[2]:
                answer["unionid"] = found[2]
            return 200, answer
        if path == "/cgi-bin/token":
            refused = self._app(query.get("appid"), query.get("secret"))
            return refused or self._token(query["appid"])
        if path == "/cgi-bin/stable_token" and method == "POST":
            data = json.loads(body or b"{}")
            if data.get("grant_type") != "client_credential":
                return self.err(40002, "invalid grant_type")
            refused = self._app(data.get("appid"), data.get("secret"))
            return refused or self._token(data["appid"])
        if path == "/cgi-bin/message/subscribe/send" and method == "POST":
            token = self.tokens.get(query.get("access_token", ""))
            if token is None:
                return self.err(40001, "invalid credential, access_token is invalid")
            if time.time() > token[1]:
                return self.err(42001, "access_token expired")
            if self.refuse_send:
                return self.err(*self.refuse_send)
            data = json.loads(body)
            self.messages.append(data)
            return self.err(0, "ok")
        return 404, {"errcode": -1, "errmsg": "not found"}
