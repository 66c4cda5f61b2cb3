"""Billing's console (收银台, runs, 日结, arrears, collections, reports) and resident portal pages,
one module per audience and subdomain."""

from .console import (
    BillingRunCreate,
    BillingRunDetail,
    BillingRunList,
    CasePacketView,
    CollectionCreate,
    CollectionDetail,
    CollectionList,
    FeeItemList,
    ImportReadings,
    MeterReadingList,
    PaymentList,
)
from .desk import (
    ArrearsView,
    CashierDesk,
    CashUpView,
    CreditLine,
    ReceiptView,
    RefundPrepayment,
    ReportsView,
    WaiveLateCharge,
)
from .pay import PayCancel, PayPage, PayStatus, PayStatusJson
from .portal import MyBillPdf, MyBills, MyReceipt, PortalPay, TestPay

__all__ = [
    "ArrearsView",
    "BillingRunCreate",
    "BillingRunDetail",
    "BillingRunList",
    "CasePacketView",
    "CashUpView",
    "CashierDesk",
    "CollectionCreate",
    "CollectionDetail",
    "CollectionList",
    "CreditLine",
    "FeeItemList",
    "ImportReadings",
    "MeterReadingList",
    "MyBillPdf",
    "MyBills",
    "MyReceipt",
    "PayCancel",
    "PayPage",
    "PayStatus",
    "PayStatusJson",
    "PaymentList",
    "PortalPay",
    "ReceiptView",
    "RefundPrepayment",
    "ReportsView",
    "TestPay",
    "WaiveLateCharge",
]
