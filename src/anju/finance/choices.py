"""The finance app's vocabulary."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ImportStatus(models.TextChoices):
    CHECKED = "checked", _("Checked, ready to post")
    INVALID = "invalid", _("Has errors")
    POSTED = "posted", _("Posted")
    REVERSED = "reversed", _("Reversed")


class EntryKind(models.TextChoices):
    """What one posted row of an opening import became."""

    ARREARS = "arrears", _("Arrears")
    PREPAYMENT = "prepayment", _("Prepayment balance")
    DEPOSIT = "deposit", _("Deposit held")
    FUND = "fund", _("Maintenance fund balance")
    PAYMENT = "payment", _("Historic payment")


class DepositStatus(models.TextChoices):
    HELD = "held", _("Still held")
    RETURNED = "returned", _("Returned")
    REVERSED = "reversed", _("Reversed")


class Grain(models.TextChoices):
    DAY = "day", _("Daily")
    MONTH = "month", _("Monthly")


class VoucherFormat(models.TextChoices):
    KINGDEE = "kingdee", _("Kingdee (KIS / K3 Cloud)")
    YONYOU = "yonyou", _("Yonyou (U8 / T+)")


class StatementStatus(models.TextChoices):
    OPEN = "open", _("Being matched")
    CLOSED = "closed", _("Matched and closed")


class LineStatus(models.TextChoices):
    UNMATCHED = "unmatched", _("Unmatched")
    MATCHED = "matched", _("Matched")


class InvoiceStatus(models.TextChoices):
    """An e-invoice (电子发票): requested by a resident or the office, issued through the tax
    platform, and reversed by a red-letter invoice (红冲) when its money is refunded."""

    REQUESTED = "requested", pgettext_lazy("invoice status", "Requested")
    ISSUING = "issuing", _("Being issued")
    ISSUED = "issued", _("Issued")
    FAILED = "failed", _("Issuing failed")
    REJECTED = "rejected", _("Rejected")
    REVERSED = "reversed", _("Reversed (red-letter)")


# An invoice in these states holds its bills and payments: they cannot be on another one.
LIVE_INVOICE_STATUSES = (
    InvoiceStatus.REQUESTED,
    InvoiceStatus.ISSUING,
    InvoiceStatus.ISSUED,
    InvoiceStatus.FAILED,
)


class BuyerKind(models.TextChoices):
    PERSON = "person", _("Individual")
    COMPANY = "company", _("Company")
