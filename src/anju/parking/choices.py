"""The vocabulary of parking: lots, gates, spaces, passage events and parking sessions."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LotKind(models.TextChoices):
    GROUND = "ground", _("Ground-level lot")
    UNDERGROUND = "underground", _("Underground garage")
    MECHANICAL = "mechanical", _("Mechanical parking")


class GateDirection(models.TextChoices):
    IN = "in", pgettext_lazy("parking gate", "Entry")
    OUT = "out", pgettext_lazy("parking gate", "Exit")
    BOTH = "both", pgettext_lazy("parking gate", "Entry and exit")


class Direction(models.TextChoices):
    IN = "in", pgettext_lazy("parking event", "In")
    OUT = "out", pgettext_lazy("parking event", "Out")


class SpaceKind(models.TextChoices):
    OWNED = "owned", _("Owned space")
    RENTED = "rented", _("Rented space")
    PUBLIC = "public", _("Public space")
    VISITOR = "visitor", _("Visitor space")
    ACCESSIBLE = "accessible", _("Accessible space")
    EV = "ev", _("EV charging space")


class SpaceState(models.TextChoices):
    AVAILABLE = "available", _("Available")
    OCCUPIED = "occupied", _("Occupied")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")


class SessionState(models.TextChoices):
    OPEN = "open", _("Parked")
    PAID = "paid", _("Paid, not yet left")
    CLOSED = "closed", _("Left")
    UNPAID_EXIT = "unpaid_exit", _("Left without paying")


class PayMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")


# Sessions of a vehicle still inside the lot.
INSIDE = (SessionState.OPEN, SessionState.PAID)


class PassPeriod(models.TextChoices):
    """The period kinds a pass is sold for (月卡、季卡、年卡), each at the lot's published price."""

    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


# Months in each period kind.
PERIOD_MONTHS = {PassPeriod.MONTHLY: 1, PassPeriod.QUARTERLY: 3, PassPeriod.YEARLY: 12}


class TermKind(models.TextChoices):
    SALE = "sale", _("Sold")
    RENEWAL = "renewal", _("Renewed")


class ContractKind(models.TextChoices):
    SALE = "sale", pgettext_lazy("parking space", "Sale")
    RENTAL = "rental", pgettext_lazy("parking space", "Long-term rental")


# Spaces planned for parking (规划车位), sold or rented as planned; the others of a lot on the
# common parts are the owners' in common (民法典第275条).
PLANNED_KINDS = (SpaceKind.OWNED, SpaceKind.RENTED)


class WindowStatus(models.TextChoices):
    """A window an owner publishes when their space is free (共享车位)."""

    OPEN = "open", pgettext_lazy("share window", "Open")
    BOOKED = "booked", pgettext_lazy("share window", "Booked")
    WITHDRAWN = "withdrawn", pgettext_lazy("share window", "Withdrawn")


class ShareBookingStatus(models.TextChoices):
    BOOKED = "booked", pgettext_lazy("share booking", "Booked, to pay")
    PAID = "paid", pgettext_lazy("share booking", "Paid")
    USED = "used", pgettext_lazy("share booking", "Used")
    CANCELLED = "cancelled", pgettext_lazy("share booking", "Cancelled")
    REFUNDED = "refunded", pgettext_lazy("share booking", "Refunded")


# Bookings that hold their time in the window.
LIVE_BOOKINGS = (ShareBookingStatus.BOOKED, ShareBookingStatus.PAID, ShareBookingStatus.USED)


class ShareRest(models.TextChoices):
    """Where the part of a shared space's fee beyond the owner's share goes."""

    COMPANY = "company", _("The property company's income")
    PUBLIC = "public", _("The owners' public income")
