"""A local fake of the 诺诺开放平台 (Nuonuo open platform) invoice API, served on 127.0.0.1 in a
thread. It checks each request the way the platform's documentation describes it, with its own
code (not the adapter's): the appkey in the query, a timestamp within ten minutes, a senid used
once, the accessToken and userTax headers, and the X-Nuonuo-Sign recomputed from what arrived
(Base64 HMAC-SHA1 with the app secret over "a=services&l=v1&p=open&k=..&i=..&n=..&t=..&f=<body>").
It refuses a second blue invoice with the same orderNo, as the platform does."""

import base64
import hashlib
import hmac
import json
import secrets
import time
from decimal import Decimal

from anju.core.tests.fakes import FakeServer


class FakeNuonuo(FakeServer):
    PATH = "/open/v1/services"

    def __init__(
        self, app_key="ak-test", app_secret="as-test", token="tok-test", tax="91330106MA2TEST01X"
    ):
        super().__init__()
        self._base = self.url
        self.url = self._base + self.PATH
        self.app_key, self.app_secret, self.token, self.tax = app_key, app_secret, token, tax
        self.senids = set()
        self.orders = {}  # (orderNo, invoiceType) -> serial
        self.invoices = {}  # serial -> row
        self.pending = 0  # answer "issuing" this many times before "issued"
        self.fail_with = ""  # a failCause for every blue invoice
        self.issue_calls = 0
        self.red_calls = []

    def settings(self):
        return {
            "app_key": self.app_key,
            "app_secret": self.app_secret,
            "access_token": self.token,
            "seller_tax_number": self.tax,
            "url": self.url,
        }

    def _expected_sign(self, path, query, body):
        p, l, a = [s for s in path.split("/") if s][-3:]  # noqa: E741
        text = "a={}&l={}&p={}&k={}&i={}&n={}&t={}&f={}".format(
            a, l, p, query["appkey"], query["senid"], query["nonce"], query["timestamp"], body
        )
        mac = hmac.new(self.app_secret.encode(), text.encode("utf-8"), hashlib.sha1)
        return base64.b64encode(mac.digest()).decode()

    def handle(self, method, path, query, headers, body):
        if method != "POST" or path != self.PATH:
            return 404, {"code": "E9000", "describe": "not found"}
        text = body.decode("utf-8")
        missing = [k for k in ("senid", "nonce", "timestamp", "appkey") if not query.get(k)]
        if missing:
            return 200, {"code": "E9001", "describe": f"missing {missing}"}
        if query["appkey"] != self.app_key:
            return 200, {"code": "E9002", "describe": "appkey unknown"}
        if abs(time.time() - int(query["timestamp"])) > 600:
            return 200, {"code": "E9003", "describe": "timestamp out of range"}
        if query["senid"] in self.senids:
            return 200, {"code": "E9004", "describe": "senid used"}
        if not hmac.compare_digest(
            headers.get("x-nuonuo-sign", ""), self._expected_sign(path, query, text)
        ):
            return 200, {"code": "E9005", "describe": "签名错误"}
        if headers.get("accesstoken") != self.token:
            return 200, {"code": "E9006", "describe": "accessToken invalid"}
        if headers.get("usertax") != self.tax:
            return 200, {"code": "E9007", "describe": "userTax mismatch"}
        self.senids.add(query["senid"])
        content = json.loads(text)
        api = headers.get("method", "")
        if api == "nuonuo.OpeMplatform.requestBillingNew":
            return 200, self._bill(content["order"])
        if api == "nuonuo.OpeMplatform.queryInvoiceResult":
            return 200, self._query(content["serialNos"])
        return 200, {"code": "E9008", "describe": f"unknown method {api}"}

    def _bill(self, order):
        kind = order["invoiceType"]
        key = (order["orderNo"], kind)
        if key in self.orders:
            return {"code": "E9106", "describe": "订单编号重复"}
        if kind == "2":
            self.red_calls.append(order)
            blue = [r for r in self.invoices.values() if r["invoiceNo"] == order.get("invoiceNum")]
            if not blue or blue[0]["status"] != "2":
                return {"code": "E9107", "describe": "原蓝票不存在"}
            if any(Decimal(d["taxIncludedAmount"]) >= 0 for d in order["invoiceDetail"]):
                return {"code": "E9108", "describe": "红票金额须为负"}
        else:
            self.issue_calls += 1
        serial = f"{int(time.time())}{secrets.randbelow(10**8):08d}"
        self.orders[key] = serial
        number = ("9" if kind == "2" else "2") + f"{secrets.randbelow(10**19):019d}"
        status = "22" if (self.fail_with and kind == "1") else ("20" if self.pending else "2")
        self.invoices[serial] = {
            "serialNo": serial,
            "orderNo": order["orderNo"],
            "status": status,
            "statusMsg": "开票完成" if status == "2" else "开票中",
            "failCause": self.fail_with if status == "22" else "",
            "invoiceCode": "",
            "invoiceNo": number if status != "22" else "",
            "pdfUrl": f"{self._base}/pdf/{serial}.pdf" if status != "22" else "",
            "ofdUrl": f"{self._base}/ofd/{serial}.ofd" if status != "22" else "",
            "order": order,
        }
        return {"code": "E0000", "describe": "开票提交成功", "result": {"invoiceSerialNum": serial}}

    def _query(self, serials):
        rows = []
        for serial in serials:
            row = self.invoices.get(serial)
            if row is None:
                continue
            if row["status"] == "20":
                if self.pending > 0:
                    self.pending -= 1
                else:
                    row["status"] = "2"
            rows.append({k: v for k, v in row.items() if k != "order"})
        return {"code": "E0000", "describe": "查询成功", "result": rows}
