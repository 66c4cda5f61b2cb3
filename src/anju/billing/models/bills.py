"""Bills (账单), their lines and late charges."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from anju.core.models import Community, House, Organization, Person, User
from anju.core.money import MoneyField
from anju.core.scoping import Scope, ScopedManager

from ..choices import BillStatus, LineKind, PayerKind
from .base import AppendOnlyMixin
from .fees import FeeItem
from .runs import BillingRun


class Bill(models.Model):
    """账单 (应收): one house's charges of one run or one one-off charge.

    ``total`` is fixed when posted; ``paid``, ``credited`` and ``late_fee`` are running sums of
    the append-only allocation, credit-note and late-charge rows."""

    # organization and community are copies of the house's (kept by the house FK); no extra
    # index or FK check on the hottest insert path (a run writes 100,000 bills).
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("community"),
        db_index=False,
        db_constraint=False,
    )
    house = models.ForeignKey(
        House,
        on_delete=models.PROTECT,
        related_name="bills",
        verbose_name=_("house"),
        db_index=False,
    )
    # run, payer and liable carry no database FK check either: PostgreSQL checks a foreign key
    # row by row at commit (about 1 s per 100,000 rows), and these point at rows that are never
    # deleted (runs) or that Django's collector sets to NULL before a person is deleted.
    run = models.ForeignKey(
        BillingRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bills",
        db_index=False,
        db_constraint=False,
    )
    number = models.CharField(_("number"), max_length=32, blank=True)
    period = models.CharField(_("period"), max_length=7)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    due_date = models.DateField(_("due date"))
    payer_kind = models.CharField(
        _("payer"), max_length=10, choices=PayerKind.choices, default=PayerKind.OWNER
    )
    payer = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payer"),
        db_index=False,
        db_constraint=False,
    )
    liable = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("liable owner"),
        db_index=False,
        db_constraint=False,
    )
    payer_name = models.CharField(_("payer name"), max_length=200, blank=True)
    total = MoneyField(_("total"))
    paid = MoneyField(_("paid"), default=Decimal("0"))
    credited = MoneyField(_("credited"), default=Decimal("0"))
    late_fee = MoneyField(_("late charge"), default=Decimal("0"))
    status = models.CharField(
        _("status"), max_length=6, choices=BillStatus.choices, default=BillStatus.OPEN
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    # A house's bills before its delivery are the developer's (物业服务收费管理办法第16条):
    # its residents neither see nor pay them.
    scope = Scope(
        organization="organization",
        community="community",
        house="house",
        residents_except=(("payer_kind", "developer"),),
    )

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        ordering = ["period_start", "id"]
        constraints = [
            # A run bills a house once per payer: the developer's days before a delivery
            # inside the period are a bill of their own.
            models.UniqueConstraint(
                fields=["run", "house", "payer_kind"], name="bill_run_house_payer_unique"
            ),
            models.CheckConstraint(
                condition=Q(paid__gte=0) & Q(credited__gte=0), name="bill_sums_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(
                    paid__lte=models.F("total") + models.F("late_fee") - models.F("credited")
                ),
                name="bill_not_overpaid",
            ),
        ]
        indexes = [
            models.Index(fields=["house", "period"], name="bill_house_period"),
            models.Index(fields=["community", "period"], name="bill_comm_period"),
            # Covering: the arrears report reads open bills from the index alone.
            models.Index(
                fields=["community", "due_date"],
                include=["house", "total", "late_fee", "paid", "credited"],
                condition=Q(status="open"),
                name="bill_open_due_cover",
            ),
        ]

    def __str__(self):
        return f"{self.house} {self.period}"

    MUTABLE_FIELDS = frozenset({"paid", "credited", "late_fee", "status"})

    def save(self, *args, **kwargs):
        # A posted bill's lines and total never change; only the running sums do.
        fields = kwargs.get("update_fields")
        if self.pk is not None and (fields is None or not set(fields) <= self.MUTABLE_FIELDS):
            raise ValidationError(
                _("A posted bill cannot be changed; issue a credit note instead.")
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("A posted bill cannot be deleted; issue a credit note instead."))

    # 余额, what is still owed on a bill: the one definition, read by the property below (one
    # bill in Python) and by ``balance_expression`` (any queryset, summed in the database).
    BALANCE_TERMS = (("total", 1), ("late_fee", 1), ("paid", -1), ("credited", -1))

    @property
    def balance(self):
        return sum((sign * getattr(self, f) for f, sign in self.BALANCE_TERMS), Decimal("0"))

    @classmethod
    def balance_expression(cls, prefix=""):
        """The balance as an ORM expression; ``prefix`` reaches a bill through a relation
        (``"bill__"``)."""
        expression = None
        for field, sign in cls.BALANCE_TERMS:
            term = F(prefix + field)
            if expression is None:
                expression = term if sign > 0 else -term
            else:
                expression = expression + term if sign > 0 else expression - term
        return expression


class BillLine(AppendOnlyMixin, models.Model):
    """账单明细: one fee item for one house and period, rounded once, with how it was computed."""

    # Copies of the bill's; the bill FK keeps them honest (no extra index or check per line).
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    # No database FK check on bill either (PostgreSQL checks each of a run's 300,000 lines at
    # commit): lines are only written with the bill they belong to, and bills are never
    # deleted (Bill.delete refuses; Django's PROTECT refuses a queryset delete).
    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, related_name="lines", db_constraint=False
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    # Published fee items are never deleted (PROTECT): no per-row FK check on a run's lines.
    fee_item = models.ForeignKey(
        FeeItem,
        on_delete=models.PROTECT,
        related_name="lines",
        verbose_name=_("fee item"),
        db_constraint=False,
    )
    period = models.CharField(_("period"), max_length=7)
    kind = models.CharField(
        _("kind"), max_length=8, choices=LineKind.choices, default=LineKind.REGULAR
    )
    amount = MoneyField(_("amount"))
    detail = models.JSONField(_("how it was computed"), default=dict)
    description = models.CharField(_("description"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=80, blank=True, default="")

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("bill line")
        verbose_name_plural = _("bill lines")
        ordering = ["bill_id", "id"]
        constraints = [
            # Idempotent billing: one periodic line per item, house and period (DB-enforced).
            # Period first: a run's lines append at the end of the index and "already billed
            # this period" is one range.
            models.UniqueConstraint(
                fields=["period", "fee_item", "house"],
                condition=Q(kind="regular"),
                name="billline_period_item_house",
            ),
            models.UniqueConstraint(
                fields=["period", "fee_item", "house"],
                condition=Q(kind="before"),
                name="billline_period_item_house_before",
            ),
            models.UniqueConstraint(
                fields=["organization", "source"],
                condition=~Q(source=""),
                name="billline_source_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="billline_amount_nonneg"),
        ]

    def __str__(self):
        return f"{self.fee_item_id} {self.amount}"


class LateCharge(models.Model):
    """滞纳金/违约金 on one line: simple interest on its unpaid principal, on its own line so it
    can be waived. ``amount`` is the accrual to ``as_of``; it only grows while principal is owed."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="late_charges")
    line = models.OneToOneField(BillLine, on_delete=models.PROTECT, related_name="late_charge")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="+")
    amount = MoneyField(_("amount"), default=Decimal("0"))
    paid = MoneyField(_("paid"), default=Decimal("0"))
    as_of = models.DateField(_("accrued to"))
    detail = models.JSONField(default=dict)
    waived = models.BooleanField(_("waived"), default=False)
    waived_reason = models.CharField(_("waiver reason"), max_length=300, blank=True)
    waived_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("late charge")
        verbose_name_plural = _("late charges")
        constraints = [
            models.CheckConstraint(
                condition=Q(paid__lte=models.F("amount")), name="late_not_overpaid"
            )
        ]

    def __str__(self):
        return f"{self.line_id} {self.amount}"

    @property
    def open_amount(self):
        return Decimal("0") if self.waived else self.amount - self.paid
