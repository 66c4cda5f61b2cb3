"""Billing's vocabulary: every TextChoices of the app, imported by the models, services, pages and
other apps (``PaymentMethod``, ``recordable_methods()``) alike."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Method(models.TextChoices):
    """How a fee item is charged."""

    AREA = "area", _("Building area × unit price")
    FIXED = "fixed", _("Fixed per house")
    METERED = "metered", _("Metered")
    SHARED = "shared", _("Shared consumption")
    ONE_OFF = "one_off", _("One-off charge")


class Cycle(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


CYCLE_MONTHS = {Cycle.MONTHLY: 1, Cycle.QUARTERLY: 3, Cycle.YEARLY: 12}


class AppliesTo(models.TextChoices):
    ALL = "all", _("All houses")
    RESIDENTIAL = "residential", _("Homes")
    COMMERCIAL = "commercial", _("Shops")
    PARKING = "parking", _("Parking spaces")


class MeterKind(models.TextChoices):
    WATER = "water", _("Water")
    ELECTRICITY = "electricity", _("Electricity")
    GAS = "gas", _("Gas")
    HEAT = "heat", _("Heat")


class RunStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Previewed")
    POSTED = "posted", _("Posted")


class BillStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("bill status", "Open")
    PAID = "paid", _("Paid")


class PayerKind(models.TextChoices):
    OWNER = "owner", _("Owner")
    TENANT = "tenant", _("Tenant (by agreement)")
    DEVELOPER = "developer", _("Developer")


class LineKind(models.TextChoices):
    REGULAR = "regular", _("Periodic charge")
    ONE_OFF = "one_off", _("One-off charge")
    # The developer's share of a period for the days before the house's delivery.
    BEFORE_DELIVERY = "before", _("Before delivery (developer)")


class ReadingStatus(models.TextChoices):
    OK = "ok", _("OK")
    FLAGGED = "flagged", _("Flagged for review")
    CONFIRMED = "confirmed", _("Confirmed after review")


class ReadingSource(models.TextChoices):
    MANUAL = "manual", _("Entered")
    XLSX = "xlsx", _("Excel import")
    API = "api", _("API")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    BANK = "bank", _("Bank transfer")
    POS = "pos", _("POS card")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    TEST = "test", _("Test provider")


class PayChannel(models.TextChoices):
    """How a resident pays online: inside WeChat (JSAPI), a phone browser (WeChat H5 or Alipay
    wap), a desktop browser (WeChat Native QR code or Alipay page)."""

    JSAPI = "jsapi", _("WeChat Pay in WeChat")
    H5 = "h5", _("WeChat Pay in the browser")
    NATIVE = "native", _("WeChat Pay QR code")
    ALIPAY_WAP = "alipay_wap", _("Alipay on the phone")
    ALIPAY_PAGE = "alipay_page", _("Alipay on the computer")


WECHAT_CHANNELS = frozenset({"jsapi", "h5", "native"})
ALIPAY_CHANNELS = frozenset({"alipay_wap", "alipay_page"})


def recordable_methods():
    """The (value, label) pairs a fee collected by hand may be recorded as (a venue booking's
    fee at the desk): every method but the test provider, which only its own checkout confirms."""
    return [c for c in PaymentMethod.choices if c[0] != PaymentMethod.TEST]


# What billing's cashier desk takes for a house's bills: WeChat Pay comes in through the
# provider's verified notification instead (services.confirm_online_payment), never by hand.
CASHIER_METHODS = {PaymentMethod.CASH, PaymentMethod.BANK, PaymentMethod.POS}


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class WalletEntryKind(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    SETTLE = "settle", _("Settled against bills")
    REFUND = "refund", _("Refund")
    CREDIT = "credit", _("Credit note")


class CollectionKind(models.TextChoices):
    """The lawful ladder of 民法典第944条: remind, demand in writing with a deadline, negotiate,
    lawyer's letter, suit or arbitration. Nothing else exists here on purpose."""

    REMINDER = "reminder", _("Friendly reminder")
    DEMAND_NOTICE = "demand_notice", _("Written demand")
    NEGOTIATION = "negotiation", _("Negotiation")
    PAYMENT_PLAN = "payment_plan", _("Instalment plan")
    LAWYER_LETTER = "lawyer_letter", _("Lawyer's letter")
    LAWSUIT = "lawsuit", _("Lawsuit")
    ARBITRATION = "arbitration", _("Arbitration")


DEMAND_KINDS = {CollectionKind.REMINDER, CollectionKind.DEMAND_NOTICE, CollectionKind.LAWYER_LETTER}


class CollectionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DELIVERED = "delivered", _("Delivered")
    CLOSED = "closed", _("Closed")
