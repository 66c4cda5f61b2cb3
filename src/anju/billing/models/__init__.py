"""Billing data: published fee items, billing runs, bills and lines, meter readings, payments,
the prepayment wallet, late charges, credit notes, cash-ups and the lawful collections ladder.

Posted money rows (bill lines, allocations, wallet entries, credit notes) are append-only:
corrections are new rows (credit notes, reversing entries), never edits.
"""

from ..choices import MeterKind, Method
from .base import PRICE, AppendOnlyMixin
from .bills import Bill, BillLine, LateCharge
from .collection import CollectionAction
from .fees import FeeItem, VacancyNotice, VacancyRule
from .meters import Meter, MeterReading, SharedUsage
from .money import Allocation, CashUp, CreditNote, Payment, Wallet, WalletEntry
from .runs import BillingRun, RunLine

__all__ = [
    "Allocation",
    "AppendOnlyMixin",
    "Bill",
    "BillLine",
    "BillingRun",
    "CashUp",
    "CollectionAction",
    "CreditNote",
    "FeeItem",
    "LateCharge",
    "Meter",
    "MeterKind",
    "MeterReading",
    "Method",
    "PRICE",
    "Payment",
    "RunLine",
    "SharedUsage",
    "VacancyNotice",
    "VacancyRule",
    "Wallet",
    "WalletEntry",
]
