"""Money in and out: payments, allocations (核销), the prepayment wallet, credit notes and
cash-ups."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anju.core.models import Community, House, Organization, User
from anju.core.money import MoneyField
from anju.core.scoping import Scope, ScopedManager
from anju.core.states import StateMachine

from ..choices import PaymentMethod, PaymentStatus, WalletEntryKind
from .base import AppendOnlyMixin
from .bills import Bill, BillLine, LateCharge


class Payment(models.Model):
    """收款 (实收): cash, bank transfer, POS or online; settles bills oldest first."""

    machine = StateMachine(
        {
            # failed too: a cancelled or expired online order paid all the same is booked
            "confirm": (("pending", "failed"), "succeeded"),
            "fail": (("pending",), "failed"),
        }
    )

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="payments", verbose_name=_("house")
    )
    amount = MoneyField(_("amount"))
    method = models.CharField(_("method"), max_length=8, choices=PaymentMethod.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.SUCCEEDED
    )
    receipt_number = models.CharField(_("receipt number"), max_length=32, blank=True, db_index=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=80, blank=True, default="")
    provider_ref = models.CharField(
        _("provider transaction"), max_length=80, blank=True, default=""
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    payer_name = models.CharField(_("payer name"), max_length=100, blank=True)
    received_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    to_wallet = MoneyField(_("to prepayment"), default=Decimal("0"))
    # Paid by the developer (建设单位) for its own bills of the house; never the residents'.
    for_developer = models.BooleanField(_("paid by the developer"), default=False)
    # Online payments for chosen bills: the channel the payer used and the bills it settles
    # (blank/empty: a payment for what the house owes, oldest debt first).
    channel = models.CharField(_("channel"), max_length=12, blank=True, default="")
    bills = models.ManyToManyField(
        Bill, blank=True, related_name="online_payments", verbose_name=_("bills")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(
        organization="organization",
        community="community",
        house="house",
        residents_except=(("for_developer", True),),
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="payment_idempotency_unique",
            ),
            models.UniqueConstraint(
                fields=["method", "provider_ref"],
                condition=~Q(provider_ref=""),
                name="payment_provider_ref_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["community", "paid_on"], name="payment_comm_day"),
            models.Index(fields=["house", "status"], name="payment_house_status"),
        ]

    def __str__(self):
        return self.receipt_number or f"#{self.pk}"


class Allocation(AppendOnlyMixin, models.Model):
    """核销: part of a payment (or prepayment) applied to a bill line or its late charge."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    wallet_entry = models.ForeignKey(
        "WalletEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="allocations")
    line = models.ForeignKey(
        BillLine, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    late_charge = models.ForeignKey(
        LateCharge, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    amount = MoneyField(_("amount"))
    applied_on = models.DateField(_("applied on"))

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        # Negative rows only reverse earlier ones (a credit note on a paid line).
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="allocation_nonzero")]
        indexes = [models.Index(fields=["community", "applied_on"], name="alloc_comm_day")]

    def __str__(self):
        return f"{self.bill_id} {self.amount}"


class Wallet(models.Model):
    """预存账户: a house's prepayment balance (never negative, capped in months of fees)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    house = models.OneToOneField(
        House, on_delete=models.PROTECT, related_name="wallet", verbose_name=_("house")
    )
    balance = MoneyField(_("balance"), default=Decimal("0"))

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("prepayment wallet")
        verbose_name_plural = _("prepayment wallets")
        ordering = ["house_id"]
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0), name="wallet_nonneg")]
        indexes = [
            models.Index(fields=["community"], condition=Q(balance__gt=0), name="wallet_positive")
        ]

    def __str__(self):
        return f"{self.house_id} {self.balance}"


class WalletEntry(AppendOnlyMixin, models.Model):
    """预存流水: deposits, settlements against bills and refunds."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="+")
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=8, choices=WalletEntryKind.choices)
    amount = MoneyField(_("amount"), help_text=_("Positive in, negative out."))
    balance_after = MoneyField(_("balance after"))
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("wallet entry")
        verbose_name_plural = _("wallet entries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="wallet_entry_nonneg")
        ]

    def __str__(self):
        return f"{self.kind} {self.amount}"


class CreditNote(AppendOnlyMixin, models.Model):
    """红字冲减 (credit note): the only way to correct a posted line."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="+")
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="credit_notes")
    line = models.ForeignKey(BillLine, on_delete=models.PROTECT, related_name="credit_notes")
    number = models.CharField(_("number"), max_length=32)
    amount = MoneyField(_("amount"))
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="credit_positive")]

    def __str__(self):
        return self.number


class CashUp(models.Model):
    """日结: a day's takings of a community closed by a cashier, by method."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    day = models.DateField(_("day"))
    totals = models.JSONField(_("totals by method"), default=dict)
    count = models.PositiveIntegerField(_("payments"), default=0)
    total = MoneyField(_("total"), default=Decimal("0"))
    closed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("closed by")
    )
    closed_at = models.DateTimeField(_("closed at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("cash-up")
        verbose_name_plural = _("cash-ups")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["community", "day"], name="cashup_unique")]

    def __str__(self):
        return f"{self.community_id} {self.day}"
