"""The local sandbox platform (``ANJU_INVOICE_PROVIDER=local``): numbers invoices itself and
links the portal's own preview page. For demos and local runs; it reports to no tax office."""

import hashlib

from django.urls import reverse

from .base import InvoiceProvider, InvoiceResult


def _number(order_no, red=False):
    digest = hashlib.sha256(f"{order_no}:{red}".encode()).hexdigest()
    return ("9" if red else "2") + str(int(digest[:16], 16))[:19].rjust(19, "0")


class LocalProvider(InvoiceProvider):
    name = "local"

    def _result(self, order, red):
        number = _number(order.order_no, red)
        return InvoiceResult(
            serial=f"LOCAL-{'R' if red else 'B'}-{order.order_no}",
            state="issued",
            number=number,
            pdf_url=reverse("portal:finance-invoice-preview", args=[order.order_no])
            + ("?red=1" if red else ""),
        )

    def issue(self, order):
        return self._result(order, red=False)

    def issue_red(self, order):
        return self._result(order, red=True)

    def query(self, serial):
        _, kind, order_no = serial.split("-", 2)
        red = kind == "R"
        return InvoiceResult(serial=serial, state="issued", number=_number(order_no, red))
