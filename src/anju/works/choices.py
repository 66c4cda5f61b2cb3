"""The vocabulary of the works in a home: deposits (押金), renovations (装修), handovers (交房/入伙)
and move-outs (退租)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DepositKind(models.TextChoices):
    RENOVATION = "renovation", _("Renovation deposit")
    CARD = "card", _("Access card deposit")
    KEY = "key", _("Key deposit")
    TOOL = "tool", _("Tool deposit")
    OTHER = "other", _("Other deposit")


class DepositState(models.TextChoices):
    DUE = "due", _("To be collected")
    HELD = "held", pgettext_lazy("deposit", "Held")
    REFUNDED = "refunded", pgettext_lazy("deposit", "Refunded")
    USED = "used", _("Used up by deductions")
    CANCELLED = "cancelled", pgettext_lazy("deposit", "Cancelled")


class EntryKind(models.TextChoices):
    COLLECT = "collect", pgettext_lazy("deposit entry", "Collected")
    DEDUCT = "deduct", pgettext_lazy("deposit entry", "Deducted")
    REFUND = "refund", pgettext_lazy("deposit entry", "Refunded")


class RenovationState(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for review")
    APPROVED = "approved", _("Approved, works may go on")
    REJECTED = "rejected", pgettext_lazy("renovation", "Not approved")
    STOPPED = "stopped", _("Stopped (stop-work order)")
    ACCEPTED = "accepted", _("Completion accepted")
    REFUNDED = "refunded", _("Deposit settled, waiting for acknowledgement")
    CLOSED = "closed", pgettext_lazy("renovation", "Closed")


class MoveKind(models.TextChoices):
    MOVE_IN = "move_in", _("Handover (move-in)")
    MOVE_OUT = "move_out", _("Move-out of a tenant")


class MoveState(models.TextChoices):
    OPEN = "open", pgettext_lazy("move", "In progress")
    DONE = "done", pgettext_lazy("move", "Completed")


# Deposits still holding money.
HOLDING = (DepositState.HELD,)
# Renovations whose works are under way (inspections may find things).
UNDER_WAY = (RenovationState.APPROVED, RenovationState.STOPPED)
