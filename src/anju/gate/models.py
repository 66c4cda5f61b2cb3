"""The gate (门岗): visitor passes (访客) and the visitor log, walk-in visitors confirmed by a
resident, doors (门禁) behind IoT gateways with their open commands and credentials, and goods
release passes (物品放行)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core.models import Building, Community, House, Organization, Person
from anju.core.scoping import Scope, ScopedManager
from anju.core.states import StateMachine

from .choices import (
    CommandChannel,
    CommandStatus,
    CredentialKind,
    DoorKind,
    EntryKind,
    PassState,
    PassStatus,
    ReleaseStatus,
    WalkInStatus,
)

USER = settings.AUTH_USER_MODEL
# Codes people type at the gate: no 0/O, 1/I/L to misread.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PASS_PREFIX = "ANJU-VP:"
RELEASE_PREFIX = "ANJU-RP:"


def new_code(length=10):
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_token():
    return secrets.token_urlsafe(18)


def _org():
    return models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")


def _community():
    return models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )


def _house():
    return models.ForeignKey(
        House, on_delete=models.CASCADE, related_name="+", verbose_name=_("house")
    )


HOUSE_SCOPE = Scope(organization="organization", community="community", house="house")

PASS_STATES = StateMachine(
    {
        "enter": ((PassStatus.ACTIVE,), None),
        "revoke": ((PassStatus.ACTIVE,), PassStatus.REVOKED),
    },
    labels={"enter": _("Let the visitor in"), "revoke": _("Revoke the pass")},
)


class VisitorPass(models.Model):
    """访客通行证: issued by a resident for a visitor to their home, for a window and a number of
    entries; shown at the gate as a QR code or typed as its code."""

    organization = _org()
    community = _community()
    house = _house()
    issued_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("issued by")
    )
    visitor_name = models.CharField(_("visitor's name"), max_length=40)
    visitor_phone = models.CharField(_("visitor's phone"), max_length=20, blank=True)
    plate = models.CharField(_("plate number"), max_length=8, blank=True)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    entries = models.PositiveSmallIntegerField(_("entries allowed"), default=1)
    entries_used = models.PositiveSmallIntegerField(_("entries used"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=PassStatus.choices, default=PassStatus.ACTIVE
    )
    code = models.CharField(_("code"), max_length=16, unique=True, default=new_code)
    token = models.CharField(max_length=32, unique=True, default=new_token)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ScopedManager()
    scope = HOUSE_SCOPE
    machine = PASS_STATES

    class Meta:
        verbose_name = _("visitor pass")
        verbose_name_plural = _("visitor passes")
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("valid_from")), name="gate_pass_window"
            ),
            models.CheckConstraint(condition=Q(entries__gte=1), name="gate_pass_entries"),
        ]
        indexes = [
            models.Index(fields=["community", "status"], name="gate_pass_comm_status"),
            models.Index(fields=["community", "plate"], name="gate_pass_comm_plate"),
            models.Index(fields=["house", "valid_from"], name="gate_pass_house"),
            models.Index(fields=["valid_until"], name="gate_pass_until"),
        ]

    def __str__(self):
        return f"{self.visitor_name} · {self.code}"

    @property
    def qr_text(self):
        return f"{PASS_PREFIX}{self.code}"

    @property
    def entries_left(self):
        return max(self.entries - self.entries_used, 0)

    def state_at(self, at):
        """Valid from ``valid_from`` inclusive to ``valid_until`` inclusive, while entries last."""
        if self.status == PassStatus.REVOKED:
            return PassState.REVOKED
        if self.status == PassStatus.USED or self.entries_used >= self.entries:
            return PassState.USED
        if at > self.valid_until:
            return PassState.EXPIRED
        if at < self.valid_from:
            return PassState.UPCOMING
        return PassState.VALID


class VisitorEntry(models.Model):
    """The visitor log: one row per visitor let in, with the minimum (PIPL 第6条): the phone
    only masked; deleted after ``ANJU_VISITOR_RETENTION_DAYS``."""

    organization = _org()
    community = _community()
    house = _house()
    visitor_pass = models.ForeignKey(
        VisitorPass,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="log",
        verbose_name=_("visitor pass"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=EntryKind.choices)
    visitor_name = models.CharField(_("visitor's name"), max_length=40)
    phone_masked = models.CharField(_("visitor's phone"), max_length=20, blank=True)
    plate = models.CharField(_("plate number"), max_length=8, blank=True)
    gate = models.CharField(pgettext_lazy("pedestrian gate", "gate"), max_length=60, blank=True)
    at = models.DateTimeField(_("entered at"))
    by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("let in by")
    )

    objects = ScopedManager()
    scope = HOUSE_SCOPE

    class Meta:
        verbose_name = _("visitor log entry")
        verbose_name_plural = _("visitor log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["community", "at"], name="gate_entry_comm_at"),
            models.Index(fields=["at"], name="gate_entry_at"),
        ]

    def __str__(self):
        return f"{self.visitor_name} · {self.at:%Y-%m-%d %H:%M}"


WALK_IN_STATES = StateMachine(
    {
        "confirm": ((WalkInStatus.PENDING,), WalkInStatus.CONFIRMED),
        "decline": ((WalkInStatus.PENDING,), WalkInStatus.DECLINED),
    },
    labels={"confirm": _("Let the visitor in"), "decline": _("Decline the visitor")},
)


class WalkIn(models.Model):
    """A visitor without a pass, registered by the guard; a resident of the house confirms or
    declines on their phone."""

    organization = _org()
    community = _community()
    house = _house()
    visitor_name = models.CharField(_("visitor's name"), max_length=40)
    phone_masked = models.CharField(_("visitor's phone"), max_length=20, blank=True)
    plate = models.CharField(_("plate number"), max_length=8, blank=True)
    purpose = models.CharField(_("purpose of the visit"), max_length=100, blank=True)
    gate = models.CharField(pgettext_lazy("pedestrian gate", "gate"), max_length=60, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=WalkInStatus.choices, default=WalkInStatus.PENDING
    )
    registered_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("guard")
    )
    answered_by = models.ForeignKey(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    objects = ScopedManager()
    scope = HOUSE_SCOPE
    machine = WALK_IN_STATES

    class Meta:
        verbose_name = _("walk-in visitor")
        verbose_name_plural = _("walk-in visitors")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status"], name="gate_walkin_comm_status"),
            models.Index(fields=["created_at"], name="gate_walkin_created"),
        ]

    def __str__(self):
        return f"{self.visitor_name} · {self.get_status_display()}"


class Door(models.Model):
    """A door of the community (gate, building entrance, garage), opened by an IoT device behind
    a gateway; a resident's home gives the right to open it."""

    organization = _org()
    community = _community()
    building = models.ForeignKey(
        Building,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=DoorKind.choices)
    device = models.ForeignKey(
        "iot.Device", on_delete=models.PROTECT, related_name="+", verbose_name=_("device")
    )
    active = models.BooleanField(_("in service"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", residents_see_community=True)

    class Meta:
        verbose_name = _("door")
        verbose_name_plural = _("doors")
        ordering = ["community_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="gate_door_name_once")
        ]
        indexes = [models.Index(fields=["community", "kind"], name="gate_door_comm_kind")]

    def __str__(self):
        return self.name


class DoorCommand(models.Model):
    """One request to open a door: published to ``anju/cmd/<community>/<device>`` (MQTT) or
    queued for the gateway's polling, acknowledged by the gateway. The open log."""

    organization = _org()
    community = _community()
    door = models.ForeignKey(
        Door, on_delete=models.PROTECT, related_name="commands", verbose_name=_("door")
    )
    requested_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("opened by")
    )
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=6, choices=CommandChannel.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=CommandStatus.choices, default=CommandStatus.QUEUED
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    acked_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=200, blank=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", person="person")

    class Meta:
        verbose_name = _("door opening")
        verbose_name_plural = _("door openings")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "created_at"], name="gate_cmd_comm_created"),
            models.Index(fields=["door", "status"], name="gate_cmd_door_status"),
        ]

    def __str__(self):
        return f"{self.door} · {self.created_at:%Y-%m-%d %H:%M}"


class Credential(models.Model):
    """A card or QR code that opens the doors a person's home gives them; face data only with
    the person's separate consent, where the community enables it, deleted at their request."""

    organization = _org()
    community = _community()
    house = _house()
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=6, choices=CredentialKind.choices)
    number = models.CharField(_("card number or code"), max_length=64)
    # Face credentials only: when and to what the person consented, apart from anything else.
    consent_at = models.DateTimeField(_("consented at"), null=True, blank=True)
    consent_text = models.TextField(_("consent given to"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(
        organization="organization", community="community", house="house", person="person"
    )

    class Meta:
        verbose_name = _("access credential")
        verbose_name_plural = _("access credentials")
        ordering = ["person_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "kind", "number"], name="gate_credential_once"
            ),
            models.CheckConstraint(
                condition=~Q(kind="face") | Q(consent_at__isnull=False),
                name="gate_face_needs_consent",
            ),
        ]
        indexes = [models.Index(fields=["community", "kind"], name="gate_cred_comm_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.person}"


class AccessPolicy(models.Model):
    """A community's choices for its doors: whether it offers face recognition at all."""

    organization = _org()
    community = models.OneToOneField(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    face_enabled = models.BooleanField(_("face recognition offered"), default=False)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("door access policy")
        verbose_name_plural = _("door access policies")

    def __str__(self):
        return str(self.community)


RELEASE_STATES = StateMachine(
    {
        "confirm": ((ReleaseStatus.WAITING_OWNER,), ReleaseStatus.APPROVED),
        "decline": ((ReleaseStatus.WAITING_OWNER,), ReleaseStatus.DECLINED),
        "release": ((ReleaseStatus.APPROVED,), ReleaseStatus.RELEASED),
        "cancel": (
            (ReleaseStatus.WAITING_OWNER, ReleaseStatus.APPROVED),
            ReleaseStatus.CANCELLED,
        ),
    },
    labels={
        "confirm": _("Confirm as the owner"),
        "decline": _("Decline as the owner"),
        "release": _("Let the items out"),
        "cancel": _("Cancel the application"),
    },
)


class ReleasePass(models.Model):
    """物品放行条: a resident takes large items out on a date; a tenant's needs the owner's
    confirmation; the guard checks the code and the items."""

    organization = _org()
    community = _community()
    house = _house()
    applicant = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("applicant")
    )
    items = models.JSONField(_("items"), default=list)
    date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=14, choices=ReleaseStatus.choices)
    code = models.CharField(_("code"), max_length=16, unique=True, default=new_code)
    confirmed_by = models.ForeignKey(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    released_by = models.ForeignKey(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("let out by"),
    )
    released_at = models.DateTimeField(_("let out at"), null=True, blank=True)
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)

    objects = ScopedManager()
    scope = HOUSE_SCOPE
    machine = RELEASE_STATES

    class Meta:
        verbose_name = _("goods release pass")
        verbose_name_plural = _("goods release passes")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["community", "status"], name="gate_release_comm_status"),
            models.Index(fields=["community", "date"], name="gate_release_comm_date"),
        ]

    def __str__(self):
        return f"{self.house} · {self.date}"

    @property
    def qr_text(self):
        return f"{RELEASE_PREFIX}{self.code}"
