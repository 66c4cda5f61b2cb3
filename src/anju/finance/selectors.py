"""The finance read side: the imports, deposits and historic payments a user may see, and the
reconciliation of an opening import (the file's totals against what was posted)."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum

from anju.billing import selectors as billing_selectors
from anju.core.models import House
from anju.core.money import ZERO, quantize

from .choices import DepositStatus, EntryKind
from .models import (
    BankLine,
    BankStatement,
    HeldDeposit,
    HistoricPayment,
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
