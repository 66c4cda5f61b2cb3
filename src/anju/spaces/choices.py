from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SpaceKind(models.TextChoices):
    MEETING_ROOM = "meeting", _("Meeting room")
    ACTIVITY_ROOM = "activity", _("Activity room")
    SPORTS = "sports", _("Sports court")
    OFFICE = "office", _("Shared office")
    OTHER = "other", _("Other")


class BookingStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("booking status", "Awaiting approval")
    UNPAID = "unpaid", pgettext_lazy("booking status", "Awaiting payment")
    CONFIRMED = "confirmed", pgettext_lazy("booking status", "Confirmed")
    CHECKED_IN = "checked_in", pgettext_lazy("booking status", "Checked in")
    COMPLETED = "completed", pgettext_lazy("booking status", "Completed")
    CANCELLED = "cancelled", pgettext_lazy("booking status", "Cancelled")
    REJECTED = "rejected", pgettext_lazy("booking status", "Rejected")
    NO_SHOW = "no_show", pgettext_lazy("booking status", "No-show")


# A booking in these states holds its time: no other booking of the space may overlap it.
HOLDING = (
    BookingStatus.PENDING,
    BookingStatus.UNPAID,
    BookingStatus.CONFIRMED,
    BookingStatus.CHECKED_IN,
)
