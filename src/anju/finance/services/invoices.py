"""E-invoices (电子发票): a resident (or the office) asks for an invoice of paid bills or
settled payments of one house, finance issues it through the tax platform
(``finance.invoicing``), and reverses it with a red-letter invoice (红冲) when its money is
refunded, which frees its bills for a new invoice.

Nothing is invoiced twice: requests of one house are serialised on the house row (so a bill and
the payment that settled it are never on two live invoices), each bill and payment is unique
among live invoice lines (a partial unique index, the last word under any concurrency), and
issuing or reversing holds the invoice row locked (``select_for_update``) while the platform is
called, so a second click waits and is then refused (409)."""

import re
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.billing import selectors as billing_selectors
from anju.billing.choices import BillStatus, PaymentStatus
from anju.core import audit
from anju.core.errors import Conflict, DomainError, refuse
from anju.core.formats import money
from anju.core.models import House
from anju.core.money import quantize
from anju.core.notifications import interpolate, notify
from anju.core.text import clean_line

from .. import invoicing
from ..choices import BuyerKind, InvoiceStatus
from ..models import Invoice, InvoiceLine
from .vouchers import chart_of, revenue_role, vat_split

REQUEST_PERMISSION = "finance.invoice.request"
# 统一社会信用代码 (GB 32100-2015): 18 characters of this alphabet, the last a check character.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
MAX_LINES = 100


class NotFound(DomainError):
    """A bill or payment that is missing or out of the caller's scope: 404 alike."""

    code = "not_found"
    status = 404


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def clean_tax_number(value) -> str:
    """A company's 统一社会信用代码, upper-cased and checked (length, alphabet, check
    character); DomainError on ``tax_number`` otherwise."""
    value = re.sub(r"\s+", "", str(value or "")).upper()
    if not value:
        return ""
    if not USCC_RE.match(value) or uscc_check_char(value[:17]) != value[17]:
        refuse(
            "tax_number",
            _("Enter the 18-character unified social credit code."),
        )
    return value


def _number():
    return f"FP{timezone.localdate():%Y%m%d}{secrets.token_hex(4).upper()}"


def _bill_item(bill, chart):
    names = []
    for line in bill.lines.all():
        if line.fee_item.name not in names:
            names.append(line.fee_item.name)
    first = names[0] if names else ""
    rate = chart[revenue_role(chart, first)][2] if first else chart["revenue"][2]
    label = "、".join(names)[:60] or str(_("Property fees"))
    return f"{label} {bill.period}"[:100], rate


def _resolve(actor, ids, queryset, label):
    ids = sorted({int(i) for i in ids})
    rows = list(queryset.visible_to(actor, REQUEST_PERMISSION).filter(pk__in=ids))
    if len(rows) != len(ids):
        raise NotFound(_("No such %(what)s.") % {"what": label})
    return rows


@transaction.atomic
def request_invoice(
    *,
    actor,
    bills=(),
    payments=(),
    title,
    tax_number="",
    email="",
    buyer_kind=None,
):
    """Ask for one invoice of paid ``bills`` or settled ``payments`` (ids) of one house the
    actor may request for (a resident: their own homes). Refused: a bill not paid, a payment
    not settled, anything already on a live invoice."""
    bills, payments = list(bills or ()), list(payments or ())
    if not bills and not payments:
        refuse("bills", _("Choose the paid bills to invoice."))
    if bills and payments:
        refuse("payments", _("Invoice either bills or payments, not both at once."))
    if len(bills) + len(payments) > MAX_LINES:
        refuse("bills", _("At most %(n)s bills on one invoice.") % {"n": MAX_LINES})
    title = clean_line(title or "").strip()
    if not title:
        refuse("title", _("Enter the invoice title (the buyer's name)."))
    if len(title) > 100:
        refuse("title", _("The title is at most 100 characters."))
    tax_number = clean_tax_number(tax_number)
    buyer_kind = buyer_kind or (BuyerKind.COMPANY if tax_number else BuyerKind.PERSON)
    if buyer_kind not in BuyerKind.values:
        refuse("buyer_kind", _("Choose an individual or a company."))
    if buyer_kind == BuyerKind.COMPANY and not tax_number:
        refuse("tax_number", _("A company's invoice needs its tax number."))
    email = (email or "").strip()[:254]

    if bills:
        rows = _resolve(actor, bills, billing_selectors.bills_by_id(bills), _("bill"))
    else:
        rows = _resolve(actor, payments, billing_selectors.payments_by_id(payments), _("payment"))
    field = "bills" if bills else "payments"
    house_ids = {r.house_id for r in rows}
    if len(house_ids) != 1:
        refuse(field, _("One invoice covers one house: choose bills of the same house."))
    # Every request of a house waits for the one before it (the cross-checks below are then
    # exact); the unique index on live lines is the guarantee for each bill and payment.
    house = House.objects.select_for_update().get(pk=house_ids.pop())
    if bills:
        rows = list(billing_selectors.bills_by_id(bills).prefetch_related("lines__fee_item"))
        for bill in rows:
            if bill.status != BillStatus.PAID or bill.paid <= 0:
                refuse("bills", _("Bill %(n)s is not paid yet.") % {"n": bill.number or bill.pk})
        taken = InvoiceLine.objects.filter(live=True, bill_id__in=[b.pk for b in rows])
        settled = billing_selectors.settled_pairs(bill_ids=[b.pk for b in rows])
        taken_by_payment = InvoiceLine.objects.filter(
            live=True, payment_id__in={p for p, _b in settled}
        )
    else:
        rows = list(billing_selectors.payments_by_id(payments))
        for payment in rows:
            if payment.status != PaymentStatus.SUCCEEDED:
                refuse(
                    "payments",
                    _("Payment %(n)s is not settled.")
                    % {"n": payment.receipt_number or payment.pk},
                )
        taken = InvoiceLine.objects.filter(live=True, payment_id__in=[p.pk for p in rows])
        settled = billing_selectors.settled_pairs(payment_ids=[p.pk for p in rows])
        taken_by_payment = InvoiceLine.objects.filter(
            live=True, bill_id__in={b for _p, b in settled}
        )
    if taken.exists() or taken_by_payment.exists():
        raise Conflict(
            _("Already on an invoice: a paid bill is invoiced once (reverse that invoice first)."),
            code="already_invoiced",
            fields={field: [_("Already invoiced.")]},
        )

    chart = chart_of(house.organization_id)
    invoice = Invoice(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        requester=actor if getattr(actor, "pk", None) else None,
        number=_number(),
        buyer_kind=buyer_kind,
        title=title,
        tax_number=tax_number,
        email=email,
        amount=0,
    )
    lines = []
    for row in rows:
        if bills:
            item, rate = _bill_item(row, chart)
            amount = quantize(row.paid)
        else:
            item, rate = str(_("Property fees")), chart["revenue"][2]
            amount = quantize(row.amount)
        rate = rate if rate is not None else 0
        net, tax = vat_split(amount, rate)
        lines.append(
            InvoiceLine(
                organization_id=house.organization_id,
                community_id=house.community_id,
                house=house,
                bill=row if bills else None,
                payment=None if bills else row,
                item=item,
                amount=amount,
                vat_rate=rate,
                net=net,
                tax=tax,
            )
        )
    invoice.amount = quantize(sum(line.amount for line in lines))
    invoice.tax = quantize(sum(line.tax for line in lines))
    if invoice.amount <= 0:
        refuse(field, _("Nothing was paid on these bills."))
    try:
        with transaction.atomic():
            invoice.save()
            for line in lines:
                line.invoice = invoice
            InvoiceLine.objects.bulk_create(lines)
    except IntegrityError as exc:
        raise Conflict(
            _("Already on an invoice: a paid bill is invoiced once (reverse that invoice first)."),
            code="already_invoiced",
            fields={field: [_("Already invoiced.")]},
        ) from exc
    audit.record(
        actor,
        "finance.invoice.requested",
        invoice,
        after={
            "number": invoice.number,
            "amount": str(invoice.amount),
            field: [r.pk for r in rows],
        },
    )
    return invoice


def _order(invoice, red=False, reason=""):
    lines = list(invoice.lines.all())
    return invoicing.InvoiceOrder(
        order_no=invoice.number,
        buyer_name=invoice.title,
        buyer_tax_number=invoice.tax_number,
        buyer_email=invoice.email,
        buyer_phone="",
        items=tuple(
            invoicing.InvoiceItem(
                name=line.item,
                amount=line.amount,
                net=line.net,
                tax=line.tax,
                vat_rate=line.vat_rate,
            )
            for line in lines
        ),
        original_code=invoice.invoice_code if red else "",
        original_number=invoice.invoice_number if red else "",
        reason=reason,
    )


def _locked(invoice):
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def _apply(invoice, result):
    """The platform's answer on a blue invoice being issued."""
    invoice.serial = result.serial or invoice.serial
    invoice.message = result.message[:300]
    if result.state == "issued":
        invoice.status = Invoice.machine.check("complete", invoice.status)
        invoice.invoice_number = result.number
        invoice.invoice_code = result.code
        invoice.pdf_url = result.pdf_url
        invoice.ofd_url = result.ofd_url
        invoice.issued_at = timezone.now()
    elif result.state == "failed":
        invoice.status = Invoice.machine.check("fail", invoice.status)


def _tell_issued(invoice):
    if invoice.requester_id is None:
        return
    requester = invoice.requester

    def send():
        notify(
            [requester],
            interpolate(
                gettext_lazy("Your e-invoice is issued: %(amount)s"), amount=money(invoice.amount)
            ),
            interpolate(
                gettext_lazy("%(title)s · invoice %(number)s; download it under My invoices."),
                title=invoice.title,
                number=invoice.invoice_number,
            ),
            link="/app/finance/invoices/",
            community=invoice.community,
            channels=("inbox", "wechat"),
            event="finance.invoice.issued",
        )

    transaction.on_commit(send)


@transaction.atomic
def issue_invoice(*, actor, invoice, provider=None):
    """开具: submit a requested (or failed) invoice to the tax platform. The row stays locked
    while the platform answers; the answer is kept (issued with its number and PDF link,
    issuing while the platform signs, failed with its words and issuable again)."""
    invoice = _locked(invoice)
    invoice.status = Invoice.machine.check("issue", invoice.status)
    provider = provider or invoicing.get_provider()
    invoice.provider = provider.name
    invoice.issued_by = actor if getattr(actor, "pk", None) else None
    try:
        result = provider.issue(_order(invoice))
    except invoicing.ProviderError as exc:
        invoice.status = Invoice.machine.check("fail", invoice.status)
        invoice.message = str(exc.message)[:300]
    else:
        _apply(invoice, result)
    invoice.save()
    audit.record(
        actor,
        "finance.invoice.issued"
        if invoice.status == InvoiceStatus.ISSUED
        else "finance.invoice.submitted",
        invoice,
        after={
            "status": invoice.status,
            "serial": invoice.serial,
            "invoice_number": invoice.invoice_number,
            "message": invoice.message,
        },
    )
    if invoice.status == InvoiceStatus.ISSUED:
        _tell_issued(invoice)
    return invoice


@transaction.atomic
def refresh_invoice(*, actor, invoice, provider=None):
    """Ask the platform where an invoice being issued (signed) stands, and keep the answer."""
    invoice = _locked(invoice)
    if invoice.status != InvoiceStatus.ISSUING or not invoice.serial:
        return invoice
    provider = provider or invoicing.get_provider(invoice.provider or None)
    try:
        result = provider.query(invoice.serial)
    except invoicing.ProviderError:
        return invoice
    before = invoice.status
    _apply(invoice, result)
    if invoice.status != before:
        invoice.save()
        audit.record(actor, "finance.invoice.issued", invoice, after={"status": invoice.status})
        if invoice.status == InvoiceStatus.ISSUED:
            _tell_issued(invoice)
    return invoice


def _free(invoice):
    InvoiceLine.objects.filter(invoice=invoice, live=True).update(live=False)


@transaction.atomic
def reject_invoice(*, actor, invoice, reason):
    """The office declines a request (a wrong title, bills the company invoices otherwise):
    its bills are free again."""
    reason = clean_line(reason or "").strip()
    if not reason:
        refuse("reason", _("Give the reason."))
    invoice = _locked(invoice)
    invoice.status = Invoice.machine.check("reject", invoice.status)
    invoice.reverse_reason = reason[:300]
    invoice.save(update_fields=["status", "reverse_reason"])
    _free(invoice)
    audit.record(actor, "finance.invoice.rejected", invoice, after={"reverse_reason": reason})
    return invoice


@transaction.atomic
def reverse_invoice(*, actor, invoice, reason, provider=None):
    """红冲: the platform issues the red-letter (negative) invoice of an issued one; the
    invoice is then reversed and its bills and payments may be invoiced again. A platform
    refusal changes nothing (the answer names it)."""
    reason = clean_line(reason or "").strip()
    if not reason:
        refuse("reason", _("Give the reason for the red-letter invoice."))
    invoice = _locked(invoice)
    invoice.status = Invoice.machine.check("reverse", invoice.status)
    provider = provider or invoicing.get_provider(invoice.provider or None)
    result = provider.issue_red(_order(invoice, red=True, reason=reason))
    if result.state == "failed":
        raise invoicing.ProviderError(
            result.message or _("The platform refused the red-letter invoice.")
        )
    invoice.red_serial = result.serial
    invoice.red_number = result.number
    invoice.red_pdf_url = result.pdf_url
    invoice.reverse_reason = reason[:300]
    invoice.reversed_at = timezone.now()
    invoice.save()
    _free(invoice)
    audit.record(
        actor,
        "finance.invoice.reversed",
        invoice,
        after={
            "red_serial": invoice.red_serial,
            "red_number": invoice.red_number,
            "reverse_reason": reason,
        },
    )
    return invoice


def provider_configured() -> bool:
    return bool(getattr(settings, "ANJU_INVOICE_PROVIDER", ""))


def refresh_issuing_invoices(*, limit=100):
    """The sweep of invoices the platform is still signing (开票中): ask it once each; answers
    how many were issued since."""
    pending = Invoice.objects.filter(status=InvoiceStatus.ISSUING).exclude(serial="")
    issued = 0
    for invoice in pending.order_by("created_at")[:limit]:
        try:
            invoice = refresh_invoice(actor=None, invoice=invoice)
        except DomainError:  # the platform is not configured any more: try again next time
            continue
        issued += invoice.status == InvoiceStatus.ISSUED
    return issued
