"""The works in a home: the deposits ledger (押金: money held, not earned, never revenue),
renovations (装修) with their workers, inspections and acceptance, and handovers / move-outs
(交房/入伙, 退租)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anju.core.models import Community, House, Occupancy, Organization, Person
from anju.core.money import ZERO, MoneyField
from anju.core.scoping import Scope, ScopedManager
from anju.core.states import StateMachine

from .choices import (
    DepositKind,
    DepositState,
    EntryKind,
    MoveKind,
    MoveState,
    RenovationState,
)

DEPOSIT_STATES = StateMachine(
    {
        "collect": ((DepositState.DUE,), DepositState.HELD),
        "deduct": ((DepositState.HELD,), None),
        "refund": ((DepositState.HELD,), DepositState.REFUNDED),
        "cancel": ((DepositState.DUE,), DepositState.CANCELLED),
    },
    labels={
        "collect": _("Collect the deposit"),
        "deduct": _("Deduct from the deposit"),
        "refund": _("Refund the deposit"),
        "cancel": _("Cancel the deposit"),
    },
    field="state",
)

RENOVATION_STATES = StateMachine(
    {
        "approve": ((RenovationState.SUBMITTED,), RenovationState.APPROVED),
        "reject": ((RenovationState.SUBMITTED,), RenovationState.REJECTED),
        "inspect": ((RenovationState.APPROVED, RenovationState.STOPPED), None),
        "stop": ((RenovationState.APPROVED,), RenovationState.STOPPED),
        "resume": ((RenovationState.STOPPED,), RenovationState.APPROVED),
        "accept": ((RenovationState.APPROVED,), RenovationState.ACCEPTED),
        "refund-deposit": ((RenovationState.ACCEPTED,), RenovationState.REFUNDED),
        "acknowledge": ((RenovationState.REFUNDED,), RenovationState.CLOSED),
    },
    labels={
        "approve": _("Approve the renovation"),
        "reject": _("Reject the renovation"),
        "inspect": _("Record an inspection"),
        "stop": _("Stop the works"),
        "resume": _("Resume the works"),
        "accept": _("Accept the completed works"),
        "refund-deposit": _("Refund the deposit"),
        "acknowledge": _("Acknowledge the refund"),
    },
    field="state",
)

MOVE_STATES = StateMachine(
    {
        "record": ((MoveState.OPEN,), None),
        "complete": ((MoveState.OPEN,), MoveState.DONE),
    },
    labels={"record": _("Record a step"), "complete": _("Complete")},
    field="state",
)

SCOPE = Scope(organization="organization", community="community", house="house")


def _org():
    return models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")


def _community():
    return models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )


def _house():
    return models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="+", verbose_name=_("house")
    )


def _user(verbose):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose,
    )


class Deposit(models.Model):
    """One deposit of a house: its agreed amount and the balance still held (never below zero).
    Its money is the payer's, held by the company: not a bill, not a payment of fees, not
    revenue and not public income."""

    organization = _org()
    community = _community()
    house = _house()
    payer = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payer"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=DepositKind.choices)
    description = models.CharField(_("for"), max_length=200, blank=True)
    amount = MoneyField(_("amount (¥)"))
    balance = MoneyField(_("held (¥)"), default=ZERO)
    state = models.CharField(
        _("state"), max_length=10, choices=DepositState.choices, default=DepositState.DUE
    )
    renovation = models.ForeignKey(
        "Renovation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deposits",
        verbose_name=_("renovation"),
    )
    move = models.ForeignKey(
        "Move",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deposits",
        verbose_name=_("handover or move-out"),
    )
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = SCOPE
    machine = DEPOSIT_STATES

    class Meta:
        verbose_name = _("deposit")
        verbose_name_plural = _("deposits")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="works_deposit_balance"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="works_deposit_amount"),
            models.CheckConstraint(
                condition=Q(balance__lte=models.F("amount")), name="works_deposit_at_most"
            ),
        ]
        indexes = [
            models.Index(fields=["community", "state"], name="works_deposit_comm_state"),
            models.Index(fields=["community", "kind"], name="works_deposit_comm_kind"),
            models.Index(fields=["house", "state"], name="works_deposit_house_state"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.house.label}"


class DepositEntry(models.Model):
    """A posted movement of a deposit (collected, deducted, refunded): immutable once written;
    a mistake is corrected by a new entry, never by editing this one."""

    organization = _org()
    community = _community()
    house = _house()
    deposit = models.ForeignKey(
        Deposit, on_delete=models.PROTECT, related_name="entries", verbose_name=_("deposit")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=EntryKind.choices)
    amount = MoneyField(_("amount (¥)"))
    method = models.CharField(_("paid or refunded by"), max_length=10, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    balance_after = MoneyField(_("held after (¥)"))
    created_by = _user(_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedManager()
    scope = SCOPE
    attachments_view_permission = "works.deposit.view"

    class Meta:
        verbose_name = _("deposit entry")
        verbose_name_plural = _("deposit entries")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="works_entry_amount"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="works_entry_balance"),
        ]
        indexes = [
            models.Index(fields=["deposit", "created_at"], name="works_entry_deposit"),
            models.Index(fields=["community", "kind", "created_at"], name="works_entry_comm"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A posted deposit entry is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A posted deposit entry is never deleted.")


class Renovation(models.Model):
    """装修申请 of a house: what, by whom, when, the works declared (those needing approval), the
    review with its conditions, the inspections, the acceptance and the deposit's settlement."""

    organization = _org()
    community = _community()
    house = _house()
    applicant = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("applicant"),
    )
    applied_by = _user(_("applied by"))
    contractor = models.CharField(_("contractor"), max_length=100)
    contractor_phone = models.CharField(_("contractor's phone"), max_length=20, blank=True)
    description = models.TextField(_("works"), max_length=2000)
    starts = models.DateField(_("starts"))
    ends = models.DateField(_("ends"))
    works = models.JSONField(_("works needing approval"), default=list, blank=True)
    no_prohibited_works = models.BooleanField(_("declared free of prohibited works"), default=True)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=RenovationState.choices,
        default=RenovationState.SUBMITTED,
    )
    conditions = models.TextField(_("conditions of approval"), max_length=2000, blank=True)
    reviewed_by = _user(_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    acceptance = models.JSONField(_("acceptance checklist"), default=dict, blank=True)
    accepted_at = models.DateTimeField(_("works accepted at"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("deposit settled at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(
        _("acknowledged by the resident at"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)

    objects = ScopedManager()
    scope = SCOPE
    machine = RENOVATION_STATES
    attachments_view_permission = "works.renovation.view"

    class Meta:
        verbose_name = _("renovation")
        verbose_name_plural = _("renovations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__gte=models.F("starts")), name="works_renovation_dates"
            )
        ]
        indexes = [
            models.Index(fields=["community", "state"], name="works_renov_comm_state"),
            models.Index(fields=["house", "state"], name="works_renov_house_state"),
            models.Index(fields=["community", "starts"], name="works_renov_comm_starts"),
        ]

    def __str__(self):
        return f"{self.house.label} · {self.contractor}"


class Worker(models.Model):
    """A worker of a renovation with the work permit (施工人员出入证) valid until the end date."""

    organization = _org()
    community = _community()
    renovation = models.ForeignKey(
        Renovation, on_delete=models.CASCADE, related_name="workers", verbose_name=_("renovation")
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    trade = models.CharField(_("trade"), max_length=50, blank=True)
    permit = models.CharField(_("work permit number"), max_length=30, unique=True)
    valid_until = models.DateField(_("valid until"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="renovation__house")

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        ordering = ["renovation_id", "id"]
        indexes = [models.Index(fields=["renovation"], name="works_worker_renovation")]

    def __str__(self):
        return f"{self.name} {self.permit}"


class Inspection(models.Model):
    """巡查 of a renovation: the findings (photos attached), whether a stop-work order followed."""

    organization = _org()
    community = _community()
    renovation = models.ForeignKey(
        Renovation,
        on_delete=models.CASCADE,
        related_name="inspections",
        verbose_name=_("renovation"),
    )
    findings = models.TextField(_("findings"), max_length=2000)
    passed = models.BooleanField(_("no problem found"), default=True)
    inspected_by = _user(_("inspected by"))
    at = models.DateTimeField(_("inspected at"))

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="renovation__house")
    attachments_view_permission = "works.renovation.view"

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["renovation", "at"], name="works_insp_renovation")]

    def __str__(self):
        return f"{self.renovation} {self.at:%Y-%m-%d}"


class Move(models.Model):
    """A handover (交房/入伙: checklist, baseline readings, keys and cards issued, defects on the
    developer's warranty) or a tenant's move-out (final readings, cards returned, deposits
    refunded, the occupancy ended)."""

    organization = _org()
    community = _community()
    house = _house()
    kind = models.CharField(_("kind"), max_length=10, choices=MoveKind.choices)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    occupancy = models.ForeignKey(
        Occupancy,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("occupancy"),
    )
    on = models.DateField(_("date"))
    state = models.CharField(
        _("state"), max_length=6, choices=MoveState.choices, default=MoveState.OPEN
    )
    checklist = models.JSONField(_("checklist"), default=dict, blank=True)
    readings = models.JSONField(_("meter readings"), default=dict, blank=True)
    keys = models.PositiveSmallIntegerField(_("keys"), default=0)
    cards = models.PositiveSmallIntegerField(_("access cards"), default=0)
    arrears = MoneyField(_("owed at move-out (¥)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = _user(_("recorded by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    objects = ScopedManager()
    scope = SCOPE
    machine = MOVE_STATES

    class Meta:
        verbose_name = _("handover or move-out")
        verbose_name_plural = _("handovers and move-outs")
        ordering = ["-on", "-id"]
        indexes = [
            models.Index(fields=["community", "kind", "state"], name="works_move_comm_kind"),
            models.Index(fields=["house", "kind"], name="works_move_house_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.house.label}"
