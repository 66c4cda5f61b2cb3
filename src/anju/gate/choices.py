"""The vocabulary of the gate: visitor passes and walk-in visitors, doors and their commands,
credentials, goods release passes."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PassStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("visitor pass", "Active")
    USED = "used", pgettext_lazy("visitor pass", "Used up")
    REVOKED = "revoked", pgettext_lazy("visitor pass", "Revoked")


class PassState(models.TextChoices):
    """What a pass is at a moment (the stored status and its time window together)."""

    UPCOMING = "upcoming", pgettext_lazy("visitor pass", "Not yet valid")
    VALID = "valid", pgettext_lazy("visitor pass", "Valid")
    USED = "used", pgettext_lazy("visitor pass", "Used up")
    EXPIRED = "expired", pgettext_lazy("visitor pass", "Expired")
    REVOKED = "revoked", pgettext_lazy("visitor pass", "Revoked")


class EntryKind(models.TextChoices):
    PASS = "pass", _("With a visitor pass")
    WALK_IN = "walk_in", _("Walk-in, confirmed by the resident")


class WalkInStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the resident")
    CONFIRMED = "confirmed", _("Let in")
    DECLINED = "declined", _("Declined")


class DoorKind(models.TextChoices):
    COMMUNITY_GATE = "community_gate", _("Community gate")
    BUILDING_ENTRANCE = "building_entrance", _("Building entrance")
    GARAGE = "garage", _("Garage door")


class CommandStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the gateway")
    SENT = "sent", _("Sent to the gateway")
    DONE = "done", _("Opened")
    FAILED = "failed", _("Failed")


class CommandChannel(models.TextChoices):
    MQTT = "mqtt", "MQTT"
    HTTP = "http", _("HTTP polling")


class CredentialKind(models.TextChoices):
    CARD = "card", _("Access card")
    QR = "qr", _("QR code")
    FACE = "face", _("Face recognition")


class ReleaseStatus(models.TextChoices):
    WAITING_OWNER = "waiting_owner", _("Waiting for the owner")
    APPROVED = "approved", _("Approved")
    RELEASED = "released", _("Let out")
    DECLINED = "declined", pgettext_lazy("release pass", "Declined")
    CANCELLED = "cancelled", pgettext_lazy("release pass", "Cancelled")


OPEN_RELEASES = (ReleaseStatus.WAITING_OWNER, ReleaseStatus.APPROVED)
PENDING_COMMANDS = (CommandStatus.QUEUED, CommandStatus.SENT)
