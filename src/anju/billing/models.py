"""Billing data: published fee items, billing runs, bills and lines, meter readings, payments,
the prepayment wallet, late charges, credit notes, cash-ups and the lawful collections ladder.

Posted money rows (bill lines, allocations, wallet entries, credit notes) are append-only:
corrections are new rows (credit notes, reversing entries), never edits.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from anju.core.models import Community, House, Organization, Person, User
from anju.core.money import MoneyField
from anju.core.scoping import Scope, ScopedManager
from anju.core.states import StateMachine

from .choices import (
    AppliesTo,
    BillStatus,
    CollectionKind,
    CollectionStatus,
    Cycle,
    LineKind,
    MeterKind,
    Method,
    PayerKind,
    PaymentMethod,
    PaymentStatus,
    ReadingSource,
    ReadingStatus,
    RunStatus,
    WalletEntryKind,
)

PRICE = {"max_digits": 12, "decimal_places": 4}


class AppendOnlyMixin:
    """Append-only rows: saving an existing row or deleting one is refused."""

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("allow_update", False):
            raise ValidationError(
                _("Posted money rows cannot be changed; issue a correction instead.")
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Posted money rows cannot be deleted; issue a correction instead."))


class FeeItem(models.Model):
    """收费项目 with its published standard (收费依据、单价、计费单位、有效期, 明码标价)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="fee_items", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    cycle = models.CharField(
        _("cycle"), max_length=10, choices=Cycle.choices, default=Cycle.MONTHLY
    )
    unit_price = models.DecimalField(_("unit price"), **PRICE)
    unit = models.CharField(
        _("unit"), max_length=30, blank=True, help_text=_("e.g. 元/m²·月, 元/吨")
    )
    basis = models.CharField(
        _("pricing basis (收费依据)"),
        max_length=300,
        blank=True,
        help_text=_("The contract clause or price approval the standard rests on."),
    )
    applies_to = models.CharField(
        _("applies to"), max_length=12, choices=AppliesTo.choices, default=AppliesTo.ALL
    )
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    tiers = models.JSONField(
        _("tier prices"),
        default=list,
        blank=True,
        help_text=_(
            'Metered items: [{"upto": "20", "price": "3.5000"}, {"upto": null, "price": "5.2500"}]'
        ),
    )
    meter_kind = models.CharField(
        _("meter kind"), max_length=12, choices=MeterKind.choices, blank=True
    )
    pass_through = models.BooleanField(
        _("utility pass-through"),
        default=False,
        help_text=_(
            "Collected for the utility; no handling fee may be added (物业管理条例第44条)."
        ),
    )
    surcharge_rate = models.DecimalField(
        _("handling surcharge rate"), max_digits=6, decimal_places=4, default=Decimal("0")
    )
    due_days = models.PositiveSmallIntegerField(_("due days after period start"), default=30)
    late_daily_rate = models.DecimalField(
        _("late charge per day"),
        max_digits=8,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("Only when the contract sets one; empty means no late charge (民法典第585条)."),
    )
    late_grace_days = models.PositiveSmallIntegerField(_("grace days"), default=0)
    late_cap_rate = models.DecimalField(
        _("late charge cap (share of principal)"),
        max_digits=6,
        decimal_places=4,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("fee item")
        verbose_name_plural = _("fee items")
        ordering = ["community_id", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="feeitem_price_nonneg"),
            models.CheckConstraint(
                condition=Q(pass_through=False) | Q(surcharge_rate=0),
                name="feeitem_passthrough_no_surcharge",
            ),
        ]
        indexes = [models.Index(fields=["community", "published"], name="feeitem_comm_pub")]

    def __str__(self):
        return self.name

    def standard_text(self):
        until = f"{self.effective_until:%Y-%m-%d}" if self.effective_until else "—"
        return f"{self.unit_price.normalize():f} {self.unit} · {self.basis or '—'} · {self.effective_from:%Y-%m-%d}~{until}"


class VacancyRule(models.Model):
    """空置房收费规则: a discount that only a local regulation or the contract may grant."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    fee_item = models.ForeignKey(
        FeeItem, on_delete=models.PROTECT, related_name="vacancy_rules", verbose_name=_("fee item")
    )
    payable_rate = models.DecimalField(_("share payable"), max_digits=5, decimal_places=4)
    min_days = models.PositiveIntegerField(_("minimum vacancy days"))
    basis = models.CharField(_("legal or contract basis"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("vacancy rule")
        verbose_name_plural = _("vacancy rules")

    def __str__(self):
        return f"{self.fee_item} · {self.payable_rate}"


class VacancyNotice(models.Model):
    """空置申报: the owner's written vacancy notice with a start (and end) date."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="vacancy_notices", verbose_name=_("house")
    )
    rule = models.ForeignKey(
        VacancyRule, on_delete=models.PROTECT, related_name="notices", verbose_name=_("rule")
    )
    notice_date = models.DateField(_("written notice received on"))
    notice_reference = models.CharField(_("notice reference"), max_length=200)
    start = models.DateField(_("vacant from"))
    end = models.DateField(_("vacant until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("vacancy notice")
        verbose_name_plural = _("vacancy notices")
        indexes = [models.Index(fields=["house", "start"], name="vacancy_house_start")]

    def __str__(self):
        return f"{self.house} {self.start}"


class BillingRun(models.Model):
    """计费批次: one period and scope, previewed then posted."""

    machine = StateMachine({"post": (("previewed",), "posted"), "preview": (("previewed",), None)})

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    building = models.ForeignKey(
        "core.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    period = models.CharField(_("period"), max_length=7, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.PREVIEWED
    )
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("billing run")
        verbose_name_plural = _("billing runs")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.community} {self.period}"


class RunLine(models.Model):
    """A previewed line of a billing run, staged for posting.

    The preview computes every line once and stages it here; posting turns the staged lines into
    bills and lines with two set-based statements, so what is posted is what was previewed.
    Staged rows are working data, removed when the run is posted (no FK checks: they are written
    100,000s at a time and only ever read back by their run)."""

    run = models.ForeignKey(
        BillingRun, on_delete=models.CASCADE, related_name="staged", db_constraint=False
    )
    house = models.ForeignKey(
        House, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    fee_item = models.ForeignKey(
        FeeItem, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    amount = MoneyField(_("amount"))
    detail = models.JSONField(default=dict)
    due_date = models.DateField()
    payer_kind = models.CharField(max_length=10)
    payer = models.ForeignKey(
        Person,
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    liable = models.ForeignKey(
        Person,
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    payer_name = models.CharField(max_length=200, blank=True)
    line_kind = models.CharField(max_length=8, default="regular")  # BillLine.Kind

    class Meta:
        verbose_name = _("staged run line")
        verbose_name_plural = _("staged run lines")

    def __str__(self):
        return f"{self.run_id} {self.house_id} {self.fee_item_id} {self.amount}"


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


class Meter(models.Model):
    """表具: a household water, electricity, gas or heat meter."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="meters", verbose_name=_("house")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=MeterKind.choices)
    serial = models.CharField(_("serial number"), max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("meter")
        verbose_name_plural = _("meters")
        constraints = [models.UniqueConstraint(fields=["house", "kind"], name="meter_house_kind")]

    def __str__(self):
        return f"{self.house} {self.get_kind_display()}"


class MeterReading(models.Model):
    """抄表读数. A reading lower than the last is refused unless the meter was replaced; an
    unusual jump is flagged and is not billed until reviewed."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="readings")
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="+", verbose_name=_("house")
    )
    read_on = models.DateField(_("read on"))
    value = models.DecimalField(_("reading"), max_digits=12, decimal_places=2)
    previous_value = models.DecimalField(_("previous reading"), max_digits=12, decimal_places=2)
    usage = models.DecimalField(_("usage"), max_digits=12, decimal_places=2)
    replaced = models.BooleanField(_("meter replaced"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ReadingStatus.choices, default=ReadingStatus.OK
    )
    flag_reason = models.CharField(_("flag reason"), max_length=200, blank=True)
    source = models.CharField(
        _("source"), max_length=8, choices=ReadingSource.choices, default=ReadingSource.MANUAL
    )
    entered_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("meter reading")
        verbose_name_plural = _("meter readings")
        ordering = ["-read_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(usage__gte=0), name="reading_usage_nonneg")
        ]
        indexes = [
            models.Index(fields=["meter", "read_on"], name="reading_meter_date"),
            models.Index(fields=["community", "status"], name="reading_comm_status"),
        ]

    def __str__(self):
        return f"{self.house_id} {self.read_on} {self.value}"


class SharedUsage(models.Model):
    """公摊用量: a common meter's consumption for a period, split by area among a scope."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    fee_item = models.ForeignKey(
        FeeItem, on_delete=models.PROTECT, related_name="shared_usages", verbose_name=_("fee item")
    )
    building = models.ForeignKey(
        "core.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    period = models.CharField(_("period"), max_length=7)
    usage = models.DecimalField(_("usage"), max_digits=12, decimal_places=2)
    remainder_house = models.ForeignKey(
        House,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("house taking the rounding remainder"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("shared usage")
        verbose_name_plural = _("shared usages")
        constraints = [
            models.UniqueConstraint(
                fields=["fee_item", "building", "period"], name="shared_usage_unique"
            )
        ]

    def __str__(self):
        return f"{self.fee_item_id} {self.period} {self.usage}"


class Payment(models.Model):
    """收款 (实收): cash, bank transfer, POS or online; settles bills oldest first."""

    machine = StateMachine(
        {
            "confirm": (("pending",), "succeeded"),
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


class CollectionAction(models.Model):
    """催缴记录: one step of the lawful collections ladder for a house's arrears."""

    machine = StateMachine(
        {
            "deliver": (("open",), "delivered"),
            "close": (("open", "delivered"), "closed"),
        }
    )

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="collection_actions", verbose_name=_("house")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CollectionKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=CollectionStatus.choices, default=CollectionStatus.OPEN
    )
    number = models.CharField(_("number"), max_length=32, blank=True)
    amount = MoneyField(_("arrears claimed"), default=Decimal("0"))
    deadline = models.DateField(_("pay by"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    plan = models.JSONField(_("instalments"), default=list, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivery_method = models.CharField(_("delivery method"), max_length=60, blank=True)
    delivery_proof = models.CharField(_("proof of delivery"), max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("collection action")
        verbose_name_plural = _("collection actions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "kind"], name="collect_comm_kind"),
            models.Index(fields=["house", "created_at"], name="collect_house_time"),
        ]

    def __str__(self):
        return f"{self.number or self.pk} {self.get_kind_display()}"
