"""诺诺开放平台 (Nuonuo open platform, 全电/电子发票): the calls Anju makes.

Protocol, as the platform's developer guide and its official SDKs (NNOpenSDK) describe it:

- one endpoint, ``POST https://sdk.nuonuo.com/open/v1/services`` (sandbox
  ``https://sandbox.nuonuocs.cn/open/v1/services``) with the query
  ``senid`` (32 random characters, one per request), ``nonce`` (random digits), ``timestamp``
  (Unix seconds) and ``appkey``;
- headers ``X-Nuonuo-Sign``, ``accessToken`` (the token of the seller's authorisation),
  ``userTax`` (the seller's tax number), ``method`` (the API's name) and
  ``Content-Type: application/json``; the JSON body is the API's ``content``;
- ``X-Nuonuo-Sign`` = Base64(HMAC-SHA1(appSecret, "a=services&l=v1&p=open&k={appKey}
  &i={senid}&n={nonce}&t={timestamp}&f={content}")): the last three path parts in reverse
  order, then the app key, senid, nonce, timestamp and the exact body sent;
- answers ``{"code": "E0000", "describe": ..., "result": ...}``; any other code is a refusal.

APIs: ``nuonuo.OpeMplatform.requestBillingNew`` (开票, ``invoiceType`` 1 blue, 2 red with the
blue invoice's code and number) answers ``result.invoiceSerialNum``;
``nuonuo.OpeMplatform.queryInvoiceResult`` (``serialNos``) answers per serial ``status``
(2 issued, 20/21 issuing, 22/24 failed), ``invoiceCode``, ``invoiceNo``, ``pdfUrl``,
``ofdUrl`` and ``failCause``. Source: open.nuonuo.com developer documentation (签名机制,
开票接口) as mirrored in the public SDKs; verify against the platform's current page when
going live."""

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from decimal import Decimal

from django.utils import timezone

from .base import InvoiceProvider, InvoiceResult, ProviderError

log = logging.getLogger(__name__)

DEFAULT_URL = "https://sdk.nuonuo.com/open/v1/services"
ISSUE = "nuonuo.OpeMplatform.requestBillingNew"
QUERY = "nuonuo.OpeMplatform.queryInvoiceResult"
ISSUED = {"2"}
ISSUING = {"20", "21"}


def sign(app_secret, path, app_key, senid, nonce, timestamp, content) -> str:
    """The X-Nuonuo-Sign of one request (see the module's description)."""
    parts = [p for p in path.split("/") if p]
    if len(parts) < 3:
        raise ValueError("the Nuonuo path has three parts (/open/v1/services)")
    p, l, a = parts[-3:]  # noqa: E741
    message = f"a={a}&l={l}&p={p}&k={app_key}&i={senid}&n={nonce}&t={timestamp}&f={content}"
    digest = hmac.new(app_secret.encode(), message.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


class NuonuoProvider(InvoiceProvider):
    name = "nuonuo"

    def __init__(
        self,
        *,
        app_key,
        app_secret,
        access_token,
        seller_tax_number,
        seller_phone="",
        seller_address="",
        clerk="",
        goods_code="3040801010000000000",
        invoice_line="pc",
        url="",
    ):
        if not (app_key and app_secret and access_token and seller_tax_number):
            raise ValueError("app_key, app_secret, access_token and seller_tax_number are needed")
        self.app_key = app_key
        self.app_secret = app_secret
        self.access_token = access_token
        self.seller_tax_number = seller_tax_number
        self.seller_phone = seller_phone
        self.seller_address = seller_address
        self.clerk = clerk
        self.goods_code = goods_code
        self.invoice_line = invoice_line
        self.url = url or DEFAULT_URL

    # -- transport ------------------------------------------------------------------------

    def call(self, method, content: dict):
        """One signed call: the ``result`` of an E0000 answer, else ProviderError."""
        import urllib.error
        import urllib.request
        from urllib.parse import urlencode, urlsplit

        body = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        senid = secrets.token_hex(16)
        nonce = str(secrets.randbelow(10**8)).rjust(8, "1")
        timestamp = str(int(time.time()))
        signature = sign(
            self.app_secret, urlsplit(self.url).path, self.app_key, senid, nonce, timestamp, body
        )
        query = urlencode(
            {"senid": senid, "nonce": nonce, "timestamp": timestamp, "appkey": self.app_key}
        )
        request = urllib.request.Request(  # noqa: S310
            f"{self.url}?{query}",
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json;charset=utf-8",
                "X-Nuonuo-Sign": signature,
                "accessToken": self.access_token,
                "userTax": self.seller_tax_number,
                "method": method,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            log.warning("nuonuo %s answered HTTP %s", method, exc.code)
            raise ProviderError(f"HTTP {exc.code}") from exc
        except OSError as exc:
            log.warning("nuonuo %s unreachable: %s", method, exc)
            raise ProviderError(str(exc)[:200]) from exc
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ProviderError("the platform's answer is not JSON") from exc
        if not isinstance(data, dict) or data.get("code") != "E0000":
            describe = (data or {}).get("describe") if isinstance(data, dict) else None
            raise ProviderError(str(describe or "refused")[:300])
        return data.get("result")

    # -- the calls ------------------------------------------------------------------------

    def _content(self, order, red):
        sign_ = -1 if red else 1
        details = []
        for item in order.items:
            details.append(
                {
                    "goodsName": item.name,
                    "goodsCode": self.goods_code,
                    "withTaxFlag": "1",
                    "num": str(sign_),
                    "price": _money(item.amount),
                    "taxRate": f"{item.vat_rate:.2f}".rstrip("0").rstrip(".") or "0",
                    "taxIncludedAmount": _money(sign_ * item.amount),
                    "taxExcludedAmount": _money(sign_ * item.net),
                    "tax": _money(sign_ * item.tax),
                }
            )
        order_content = {
            "buyerName": order.buyer_name,
            "buyerTaxNum": order.buyer_tax_number,
            "buyerPhone": order.buyer_phone,
            "email": order.buyer_email,
            "salerTaxNum": self.seller_tax_number,
            "salerTel": self.seller_phone,
            "salerAddress": self.seller_address,
            "orderNo": order.order_no,
            "invoiceDate": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
            "clerk": self.clerk,
            # 推送方式: -1 none, 0 email (the platform mails the PDF to the buyer's address)
            "pushMode": "0" if order.buyer_email else "-1",
            "invoiceType": "2" if red else "1",
            "invoiceLine": self.invoice_line,
            "invoiceDetail": details,
        }
        if red:
            order_content.update(
                invoiceCode=order.original_code,
                invoiceNum=order.original_number,
                redReason=order.reason[:200],
            )
        return {"order": order_content}

    def _submit(self, order, red):
        result = self.call(ISSUE, self._content(order, red)) or {}
        serial = str(result.get("invoiceSerialNum") or "")
        if not serial:
            raise ProviderError("the platform gave no serial number")
        try:
            return self.query(serial)
        except ProviderError:
            return InvoiceResult(serial=serial, state="issuing")

    def issue(self, order):
        return self._submit(order, red=False)

    def issue_red(self, order):
        return self._submit(order, red=True)

    def query(self, serial):
        rows = self.call(QUERY, {"serialNos": [serial], "isOfferInvoiceDetail": "0"}) or []
        row = next((r for r in rows if str(r.get("serialNo")) == serial), None)
        if row is None:
            return InvoiceResult(serial=serial, state="issuing")
        status = str(row.get("status", ""))
        state = "issued" if status in ISSUED else "issuing" if status in ISSUING else "failed"
        return InvoiceResult(
            serial=serial,
            state=state,
            number=str(row.get("invoiceNo") or ""),
            code=str(row.get("invoiceCode") or ""),
            pdf_url=str(row.get("pdfUrl") or "")[:500],
            ofd_url=str(row.get("ofdUrl") or "")[:500],
            message=str(row.get("failCause") or row.get("statusMsg") or "")[:300],
            raw=row,
        )
