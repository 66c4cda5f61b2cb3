"""The finance app's vocabulary."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
