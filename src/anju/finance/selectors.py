"""The finance read side: the imports, deposits and historic payments a user may see, and the
reconciliation of an opening import (the file's totals against what was posted)."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Q, Sum

from anju.billing import selectors as billing_selectors
from anju.core.models import House
from anju.core.money import ZERO, quantize

from .choices import DepositStatus, EntryKind, InvoiceStatus
from .models import (
    BankLine,
    BankStatement,
    HeldDeposit,
    HistoricPayment,
    Invoice,
    InvoiceLine,
    OpeningEntry,
    OpeningImport,
)


def _in(queryset, community_id):
    return queryset.in_community(community_id) if community_id else queryset


def openings(user, community_id=None):
    rows = OpeningImport.objects.visible_to(user, "finance.opening.view").select_related(
        "community"
    )
    return _in(rows, community_id)


def deposits_held(user, community_id=None):
    rows = HeldDeposit.objects.visible_to(user, "finance.opening.view").select_related(
        "house__building"
    )
    return _in(rows, community_id).filter(status=DepositStatus.HELD)


def historic_payments(user, community_id=None):
    rows = HistoricPayment.objects.visible_to(user, "finance.opening.view").select_related(
        "house__building"
    )
    return _in(rows, community_id)


def _sum(field, ids):
    """The sum of ``field`` over the rows reached from the houses whose id is in ``ids``."""
    path = field.rsplit("__", 1)[0]
    if not ids:
        return ZERO
    total = House.objects.aggregate(t=Sum(field, filter=Q(**{f"{path}__pk__in": ids})))["t"]
    return quantize(total or 0)


# kind -> the amount a posted row has where it lives now, reached from its house
POSTED_AMOUNT = {
    EntryKind.ARREARS: "bills__total",
    EntryKind.PREPAYMENT: "wallet__entries__amount",
    EntryKind.FUND: "fund_account__initial_deposit",
}


def reconciliation(opening):
    """对账: per kind, the file's rows and total (the dry run's) against the rows posted and
    the amounts they came to where they live (bills, wallet entries, fund accounts, deposits,
    historic payments); ``equal`` when every figure agrees."""
    file_totals = opening.report.get("totals", {})
    entries = OpeningEntry.objects.filter(opening=opening)
    counts = dict(entries.values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    out, equal = {}, True
    for kind in EntryKind.values:
        ids = list(entries.filter(kind=kind).values_list("target_id", flat=True))
        if kind in POSTED_AMOUNT:
            posted = _sum(POSTED_AMOUNT[kind], ids)
        elif kind == EntryKind.DEPOSIT:
            posted = quantize(
                HeldDeposit.objects.filter(pk__in=ids).aggregate(t=Sum("amount"))["t"] or 0
            )
        else:
            posted = quantize(
                HistoricPayment.objects.filter(pk__in=ids).aggregate(t=Sum("amount"))["t"] or 0
            )
        wanted = file_totals.get(kind, {"rows": 0, "amount": "0.00"})
        same = counts.get(kind, 0) == wanted["rows"] and posted == Decimal(wanted["amount"])
        equal &= same
        out[kind] = {
            "file_rows": wanted["rows"],
            "file_amount": wanted["amount"],
            "posted_rows": counts.get(kind, 0),
            "posted_amount": str(posted),
            "equal": same,
        }
    return {"kinds": out, "equal": equal}


def statements(user, community_id=None):
    rows = BankStatement.objects.visible_to(user, "finance.bank.view").select_related("community")
    return _in(rows, community_id)


def statement_lines(statement, status=None):
    rows = BankLine.objects.filter(statement=statement).select_related("payment__house__building")
    return rows.filter(status=status) if status else rows


def unmatched_payments(statement):
    """The payments by bank or card of the statement's days (and the matching window around
    them) that no statement line holds: the other side of what is left to match."""
    if statement.first_day is None:
        return []
    days = timedelta(days=settings.ANJU_FINANCE_BANK_MATCH_DAYS)
    return (
        billing_selectors.received_by_bank(
            statement.community, statement.first_day - days, statement.last_day + days
        )
        .filter(bank_line__isnull=True)
        .select_related("house__building")
    )


# --- e-invoices (电子发票) ----------------------------------------------------------------------


def invoices(user, perm="finance.invoice.view"):
    """The invoices ``user`` may see (staff: their communities; a resident: their homes')."""
    return Invoice.objects.visible_to(user, perm).select_related(
        "community", "house__building", "requester"
    )


def my_invoices(user):
    """我的发票: the invoices of the homes the resident lives in."""
    return invoices(user).filter(house_id__in=user.resident_house_ids())


def invoiced_bill_ids(bill_ids):
    """Which of these bills are on a live invoice (requested, being issued, issued, failed)."""
    return set(
        InvoiceLine.objects.filter(live=True, bill_id__in=list(bill_ids)).values_list(
            "bill_id", flat=True
        )
    )


def invoiceable_bills(user):
    """The resident's paid bills (their homes) not yet on a live invoice, newest first: what the
    portal's request form offers."""
    bills = billing_selectors.resident_bills(user).filter(status="paid", paid__gt=0)
    taken = InvoiceLine.objects.filter(live=True, bill__isnull=False).values("bill_id")
    return (
        bills.exclude(pk__in=taken)
        .select_related("house__building")
        .order_by("-period_start", "-pk")
    )


def needing_reversal(queryset):
    """Issued invoices whose money went back (需要红冲): a line's bill now paid less than was
    invoiced (a credit note moved it to the prepayment wallet, a refund) or a line's payment no
    longer settled. Billing's refunds offer these for reversal."""
    return (
        queryset.filter(status=InvoiceStatus.ISSUED)
        .filter(
            Q(lines__bill__paid__lt=F("lines__amount"), lines__live=True)
            | Q(
                lines__payment__isnull=False,
                lines__live=True,
                lines__payment__status__in=["failed", "pending"],
            )
        )
        .distinct()
    )


def needs_reversal_ids(invoice_ids):
    return set(
        needing_reversal(Invoice.objects.filter(pk__in=list(invoice_ids))).values_list(
            "pk", flat=True
        )
    )
