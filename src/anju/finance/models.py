"""Finance data: opening imports (期初) with what each of their rows became, deposits held and
historic payments kept for the record.

Deposits here are a minimal held-money table: billing has no deposits ledger (another app may
bring one); a row records money held for a house and whether the import that brought it was
reversed."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core.models import Community, House, Organization, User
from anju.core.money import MoneyField
from anju.core.scoping import Scope, ScopedManager
from anju.core.states import StateMachine

from .choices import (
    LIVE_INVOICE_STATUSES,
    BuyerKind,
    DepositStatus,
    EntryKind,
    ImportStatus,
    InvoiceStatus,
    LineStatus,
    StatementStatus,
)


class OpeningImport(models.Model):
    """期初导入: one workbook of a community's balances from the old system, checked (dry run),
    then posted as a whole, and reversible as a whole until a payment touches it."""

    machine = StateMachine(
        {
            "post": ((ImportStatus.CHECKED,), ImportStatus.POSTED),
            "reverse": ((ImportStatus.POSTED,), ImportStatus.REVERSED),
        }
    )

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    number = models.CharField(_("number"), max_length=32)
    filename = models.CharField(_("file"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.CHECKED
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    report = models.JSONField(_("dry-run report"), default=dict)
    data = models.JSONField(_("checked rows"), default=dict)
    reconciliation = models.JSONField(_("reconciliation"), default=dict, blank=True)
    reverse_reason = models.CharField(_("reason for the reversal"), max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    posted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("opening import")
        verbose_name_plural = _("opening imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "status"], name="opening_comm_status")]

    def __str__(self):
        return self.number


class OpeningEntry(models.Model):
    """One posted row of an opening import and the row it became elsewhere (a bill, a wallet
    entry, a fund entry, a deposit or a historic payment), for the reconciliation and the
    reversal."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    opening = models.ForeignKey(OpeningImport, on_delete=models.PROTECT, related_name="entries")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    sheet_row = models.PositiveIntegerField(_("row"))
    amount = MoneyField(_("amount"))
    fee_item_id = models.BigIntegerField(null=True, blank=True)
    period = models.CharField(_("period"), max_length=7, blank=True)
    target_id = models.BigIntegerField(_("posted as"), null=True, blank=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("opening entry")
        verbose_name_plural = _("opening entries")
        ordering = ["opening_id", "kind", "sheet_row"]
        indexes = [
            models.Index(fields=["opening", "kind"], name="openingentry_kind"),
            models.Index(fields=["house", "kind", "period"], name="openingentry_house"),
        ]

    def __str__(self):
        return f"{self.opening_id} {self.kind} {self.amount}"


class HeldDeposit(models.Model):
    """押金 held for a house (decoration deposit, key deposit ...): received at the desk or
    brought in by an opening import, until it is returned."""

    machine = StateMachine({"return": ((DepositStatus.HELD,), DepositStatus.RETURNED)})

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="+", verbose_name=_("house")
    )
    description = models.CharField(_("description"), max_length=200)
    amount = MoneyField(_("amount"))
    received_on = models.DateField(_("received on"), null=True, blank=True)
    method = models.CharField(_("paid by"), max_length=8, blank=True)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DepositStatus.choices, default=DepositStatus.HELD
    )
    opening = models.ForeignKey(
        OpeningImport, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("deposit held")
        verbose_name_plural = _("deposits held")
        ordering = ["house_id", "id"]
        indexes = [models.Index(fields=["community", "status"], name="deposit_comm_status")]

    def __str__(self):
        return f"{self.house_id} {self.amount}"


class AccountMapping(models.Model):
    """科目对照: the company's account code and name for one role in the vouchers (cash, bank,
    receivable, revenue of a fee item ...), and the VAT rate of a revenue account. Roles the
    company has not set use ``services.DEFAULT_CHART``."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(_("account role"), max_length=120)
    code = models.CharField(_("account code"), max_length=40)
    name = models.CharField(_("account name"), max_length=100)
    vat_rate = models.DecimalField(
        _("VAT rate"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    objects = ScopedManager()
    scope = Scope(organization="organization")

    class Meta:
        verbose_name = _("account mapping")
        verbose_name_plural = _("account mappings")
        ordering = ["organization_id", "key"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="accountmap_unique")
        ]

    def __str__(self):
        return f"{self.key} {self.code}"


class HistoricPayment(models.Model):
    """A payment made under the old system, kept for the record only: it moves no money here
    (its effect is already in the imported balances)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="+", verbose_name=_("house")
    )
    paid_on = models.DateField(_("paid on"))
    amount = MoneyField(_("amount"), default=Decimal("0"))
    method = models.CharField(_("paid by"), max_length=40, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    opening = models.ForeignKey(OpeningImport, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("historic payment")
        verbose_name_plural = _("historic payments")
        ordering = ["house_id", "paid_on", "id"]
        indexes = [models.Index(fields=["community", "paid_on"], name="histpay_comm_day")]

    def __str__(self):
        return f"{self.house_id} {self.paid_on} {self.amount}"


class BankStatement(models.Model):
    """银行对账单: one imported statement of the community's account, its lines matched to
    the payments received by bank transfer or card; closed once every line is matched."""

    machine = StateMachine({"close": ((StatementStatus.OPEN,), StatementStatus.CLOSED)})

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    bank = models.CharField(_("bank"), max_length=20)
    filename = models.CharField(_("file"), max_length=200, blank=True)
    first_day = models.DateField(_("first day"), null=True, blank=True)
    last_day = models.DateField(_("last day"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=StatementStatus.choices, default=StatementStatus.OPEN
    )
    report = models.JSONField(_("import report"), default=dict)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "status"], name="bankstmt_comm_status")]

    def __str__(self):
        return f"{self.bank} {self.first_day}–{self.last_day}"


class BankLine(models.Model):
    """One credit line of a bank statement and the payment it was matched to."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="lines")
    row = models.PositiveIntegerField(_("row"))
    day = models.DateField(_("date"))
    amount = MoneyField(_("amount"))
    serial = models.CharField(_("bank serial number"), max_length=60, blank=True)
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    counterparty = models.CharField(_("payer account name"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=LineStatus.choices, default=LineStatus.UNMATCHED
    )
    payment = models.OneToOneField(
        "billing.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bank_line",
        verbose_name=_("payment"),
    )
    matched_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    matched_automatically = models.BooleanField(_("matched automatically"), default=False)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        ordering = ["statement_id", "day", "row"]
        indexes = [
            models.Index(fields=["statement", "status"], name="bankline_stmt_status"),
            models.Index(fields=["community", "day", "amount"], name="bankline_comm_day"),
        ]

    def __str__(self):
        return f"{self.day} {self.amount}"


class Invoice(models.Model):
    """电子发票: one e-invoice of paid bills or settled payments of one house, asked for by a
    resident (or the office) with the buyer's title and, for a company, its 统一社会信用代码;
    issued by finance through the tax platform (``finance.invoicing``), whose serial, number and
    PDF/OFD links are kept; reversed by a red-letter invoice (红冲), which frees its bills.

    Nothing is invoiced twice: each line's bill or payment is unique among live lines (a
    partial unique index on ``InvoiceLine``), and issuing locks the row and moves it to
    ``issuing`` before the platform is called."""

    machine = StateMachine(
        {
            "issue": ((InvoiceStatus.REQUESTED, InvoiceStatus.FAILED), InvoiceStatus.ISSUING),
            "complete": ((InvoiceStatus.ISSUING,), InvoiceStatus.ISSUED),
            "fail": ((InvoiceStatus.ISSUING,), InvoiceStatus.FAILED),
            "reject": ((InvoiceStatus.REQUESTED, InvoiceStatus.FAILED), InvoiceStatus.REJECTED),
            "reverse": ((InvoiceStatus.ISSUED,), InvoiceStatus.REVERSED),
        },
        labels={
            "issue": pgettext_lazy("invoice action", "Issue the invoice"),
            "complete": pgettext_lazy("invoice action", "Record as issued"),
            "reverse": pgettext_lazy("invoice action", "Reverse (red-letter)"),
        },
    )

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="+", verbose_name=_("house")
    )
    requester = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    number = models.CharField(_("request number"), max_length=32, unique=True)
    buyer_kind = models.CharField(
        _("buyer"), max_length=8, choices=BuyerKind.choices, default=BuyerKind.PERSON
    )
    title = models.CharField(_("invoice title"), max_length=100)
    tax_number = models.CharField(_("tax number"), max_length=18, blank=True)
    email = models.EmailField(_("email"), blank=True)
    amount = MoneyField(_("amount"))
    tax = MoneyField(_("tax"), default=Decimal("0"))
    status = models.CharField(
        _("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.REQUESTED
    )
    provider = models.CharField(_("tax platform"), max_length=20, blank=True)
    serial = models.CharField(_("platform serial number"), max_length=64, blank=True)
    invoice_code = models.CharField(_("invoice code"), max_length=20, blank=True)
    invoice_number = models.CharField(_("invoice number"), max_length=32, blank=True)
    pdf_url = models.CharField(_("PDF link"), max_length=500, blank=True)
    ofd_url = models.CharField(_("OFD link"), max_length=500, blank=True)
    message = models.CharField(_("platform message"), max_length=300, blank=True)
    # 红冲: the red-letter (negative) invoice that reversed this one.
    red_serial = models.CharField(_("red-letter serial number"), max_length=64, blank=True)
    red_number = models.CharField(_("red-letter invoice number"), max_length=32, blank=True)
    red_pdf_url = models.CharField(_("red-letter PDF link"), max_length=500, blank=True)
    reverse_reason = models.CharField(_("reason"), max_length=300, blank=True)
    issued_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("e-invoice")
        verbose_name_plural = _("e-invoices")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status"], name="invoice_comm_status"),
            models.Index(fields=["house", "status"], name="invoice_house_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
        ]

    def __str__(self):
        return self.invoice_number or self.number

    @property
    def is_live(self):
        return self.status in LIVE_INVOICE_STATUSES


class InvoiceLine(models.Model):
    """One line of an invoice: a paid bill or a settled payment, its amount with the tax
    separated (价税分离) at the VAT rate of the company's chart. ``live`` is cleared when the
    invoice is rejected or reversed, which frees the bill or payment for a new invoice."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    bill = models.ForeignKey(
        "billing.Bill",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bill"),
    )
    payment = models.ForeignKey(
        "billing.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payment"),
    )
    item = models.CharField(_("item"), max_length=100)
    amount = MoneyField(_("amount"))
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=5, decimal_places=4)
    net = MoneyField(_("amount before tax"))
    tax = MoneyField(_("tax"))
    live = models.BooleanField(_("live"), default=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bill"], condition=Q(live=True), name="invoiceline_bill_once"
            ),
            models.UniqueConstraint(
                fields=["payment"], condition=Q(live=True), name="invoiceline_payment_once"
            ),
            models.CheckConstraint(
                condition=Q(bill__isnull=False, payment__isnull=True)
                | Q(bill__isnull=True, payment__isnull=False),
                name="invoiceline_bill_or_payment",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoiceline_amount_positive"),
        ]

    def __str__(self):
        return f"{self.invoice_id} {self.item} {self.amount}"
