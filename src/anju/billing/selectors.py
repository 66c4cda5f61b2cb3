"""Billing's read side: the measures that the API, the console pages, the portal, the PDFs, the
dashboard card and the reports share, each defined once here (the bill balance, "overdue", a
house's arrears). Querysets in, querysets or Decimals out; no writes."""

from django.db.models import F, Min, Q, Sum, Value
from django.db.models.functions import Concat, TruncDate
from django.utils import timezone

from anju.core.models import Occupancy
from anju.core.money import quantize

from . import calc
from .choices import BillStatus, PayerKind, PaymentStatus, WalletEntryKind
from .models import Allocation, Bill, BillLine, CreditNote, Payment, Wallet, WalletEntry


def balance(prefix=""):
    """余额 as an ORM expression (``Bill.balance`` for one bill in Python)."""
    return Bill.balance_expression(prefix)


def receivable(prefix=""):
    """应收 net of credit notes (before late charges): what the collection rate and the
    receivable report count as billed."""
    return F(prefix + "total") - F(prefix + "credited")


def of_party(bills, developer=False):
    """The bills of one side of a house: the residents' (owner, tenant) or, with ``developer``,
    the developer's for the time before delivery (物业服务收费管理办法第16条). A payment, the
    arrears and a collection step concern one side only: an owner never pays for the developer."""
    if developer:
        return bills.filter(payer_kind=PayerKind.DEVELOPER)
    return bills.exclude(payer_kind=PayerKind.DEVELOPER)


def resident_bills(user):
    """The bills of the houses ``user`` lives in that they may see: 我的账单 and the resident
    home count the same rows."""
    return Bill.objects.visible_to(user, "billing.bill.view").filter(
        house_id__in=user.resident_house_ids()
    )


def open_bills(bills):
    return bills.filter(status=BillStatus.OPEN)


def overdue(bills, as_of=None):
    """逾期: the open bills whose due date has passed by ``as_of`` (today by default); a bill
    due today is not yet overdue. The one definition the card, the arrears page and report, the
    metrics, the case packet and the collection steps count."""
    as_of = as_of or timezone.localdate()
    return bills.filter(status=BillStatus.OPEN, due_date__lt=as_of)


def total_balance(bills):
    """The sum of the bills' balances (Decimal, 0.00 when there is none)."""
    return quantize(bills.aggregate(t=Sum(balance()))["t"] or 0)


def overdue_total(bills, as_of=None):
    return total_balance(overdue(bills, as_of))


def house_arrears(house, developer=False):
    """What the house's residents owe (or, with ``developer``, what the developer owes)."""
    return total_balance(of_party(open_bills(Bill.objects.filter(house=house)), developer))


def overdue_amount(house, as_of=None, developer=False):
    """What is past due on the house: the residents' bills (or, with ``developer``, the
    developer's). Collection steps against an owner count only the owner's side."""
    return total_balance(of_party(overdue(Bill.objects.filter(house=house), as_of), developer))


def arrears_groups(bills, as_of=None):
    """欠费 by house and side, oldest debt first, unrounded and lazy (a values queryset): the rows
    of the arrears list (paginated) and the number on its workbench card (``.count()``)."""
    return (
        overdue(bills, as_of)
        .values("house_id", "payer_kind")
        .annotate(owed=Sum(balance()), oldest=Min("due_date"))
        .order_by("oldest", "house_id", "payer_kind")
    )


def arrears_rows(bills, as_of=None, limit=None):
    """欠费 by house and side, oldest debt first: dicts of house_id, payer_kind, owed, oldest.
    The developer's arrears for the time before delivery are a row of their own: the owner's
    ladder of collection steps never counts them."""
    rows = arrears_groups(bills, as_of)
    return rounded_arrears(rows if limit is None else rows[:limit])


def rounded_arrears(groups):
    """Rows of ``arrears_groups`` (a page of them) with ``owed`` rounded to the fen: a sum of
    decimals in SQLite comes back with a dozen places (¥693.580000000000)."""
    return [{**row, "owed": quantize(row["owed"] or 0)} for row in groups]


def find_houses(houses, q, limit=20):
    """The cashier desk's search: a house by the label printed everywhere (``1幢-1-101``, that
    is building-number as ``str(house)`` writes it) or by its parts (``1幢 101``, ``1-101``), by
    an owner's or resident's name, or by their phone (the full number, or its last 4 digits).
    Every word typed must match the label or a current occupant's name or phone."""
    words = q.replace("，", " ").replace(",", " ").split()
    if not words:
        return houses.none()
    houses = houses.annotate(desk_label=Concat("building__name", Value("-"), "number"))
    occupants = Occupancy.objects.active()
    for word in words:
        people = Q(person__name__icontains=word)
        digits = word.replace("-", "")
        if digits.isdigit() and len(digits) >= 4:
            people |= Q(person__phone__endswith=digits)
        people_houses = occupants.filter(people).values("house_id")
        houses = houses.filter(
            Q(desk_label__icontains=word) | Q(number__icontains=word) | Q(pk__in=people_houses)
        )
    return houses.distinct()[:limit]


def charge_bills(sources):
    """The bills of charges raised for other apps, by the source they were raised with
    (``{"spaces.booking:12": <Bill>}``): whether the resident has paid a booking's fee."""
    return {
        line.source: line.bill
        for line in BillLine.objects.filter(source__in=list(sources)).select_related("bill")
    }


def period_key(value):
    """A period as billing writes it ("2027-01", "2027-Q1", "2027"); DomainError if it is none."""
    return calc.parse_period(value).key


def bills_by_id(ids):
    """Bills by their ids (for another app that keeps the ids of bills it had posted)."""
    return Bill.objects.filter(pk__in=list(ids)).order_by("pk")


def wallet_balances(house_ids):
    """The prepayment balance of each house that has a wallet: {house_id: Decimal}."""
    return dict(
        Wallet.objects.filter(house_id__in=list(house_ids)).values_list("house_id", "balance")
    )


# Opening balances carried over from another system are no business of the day here: their
# lines carry this source prefix and their wallet entries this note prefix.
OPENING_SOURCE = "finance.opening:"
OPENING_NOTE = "[期初] "


def day_book(community, start, end):
    """What billing booked in ``community`` from ``start`` to ``end`` (dates, inclusive), by
    day, for the accounting vouchers: lines billed per fee item, payments per method (and the
    part that went to the prepayment wallet), prepayments used, credit notes per fee item (and
    the part that went back to the wallet), refunds. Opening balances are left out. Lists of
    dicts with ``day`` and Decimal amounts, sums in the database (a fixed number of queries)."""
    bills_day = TruncDate("bill__created_at")
    lines = (
        BillLine.objects.filter(
            community=community,
            bill__created_at__date__gte=start,
            bill__created_at__date__lte=end,
        )
        .exclude(source__startswith=OPENING_SOURCE)
        .annotate(day=bills_day)
        .values("day", "fee_item_id", "fee_item__name")
        .annotate(amount=Sum("amount"))
        .order_by("day", "fee_item_id")
    )
    payments = (
        Payment.objects.filter(
            community=community,
            status=PaymentStatus.SUCCEEDED,
            paid_on__gte=start,
            paid_on__lte=end,
        )
        .values("paid_on", "method")
        .annotate(amount=Sum("amount"), to_wallet=Sum("to_wallet"))
        .order_by("paid_on", "method")
    )
    wallet = (
        WalletEntry.objects.filter(
            community=community, created_at__date__gte=start, created_at__date__lte=end
        )
        .exclude(note__startswith=OPENING_NOTE)
        .filter(kind__in=[WalletEntryKind.SETTLE, WalletEntryKind.REFUND, WalletEntryKind.CREDIT])
        .annotate(day=TruncDate("created_at"))
        .values("day", "kind")
        .annotate(amount=Sum("amount"))
        .order_by("day", "kind")
    )
    credits = (
        CreditNote.objects.filter(
            community=community, created_at__date__gte=start, created_at__date__lte=end
        )
        .exclude(line__source__startswith=OPENING_SOURCE)
        .annotate(day=TruncDate("created_at"))
        .values("day", "line__fee_item_id", "line__fee_item__name")
        .annotate(amount=Sum("amount"))
        .order_by("day", "line__fee_item_id")
    )
    return {
        "lines": [
            {
                "day": r["day"],
                "fee_item": r["fee_item__name"],
                "amount": quantize(r["amount"]),
            }
            for r in lines
        ],
        "payments": [
            {
                "day": r["paid_on"],
                "method": r["method"],
                "amount": quantize(r["amount"]),
                "to_wallet": quantize(r["to_wallet"] or 0),
            }
            for r in payments
        ],
        "wallet": [
            {"day": r["day"], "kind": r["kind"], "amount": quantize(r["amount"])} for r in wallet
        ],
        "credits": [
            {
                "day": r["day"],
                "fee_item": r["line__fee_item__name"],
                "amount": quantize(r["amount"]),
            }
            for r in credits
        ],
    }


def received_by_bank(community, start, end):
    """The succeeded payments of ``community`` that reach its bank account (bank transfer,
    card) paid from ``start`` to ``end``: what a bank statement's lines are matched to."""
    return Payment.objects.filter(
        community=community,
        status=PaymentStatus.SUCCEEDED,
        method__in=["bank", "pos"],
        paid_on__gte=start,
        paid_on__lte=end,
    ).order_by("paid_on", "pk")


def community_payment(community_id, payment_id):
    """One payment of the community, or None."""
    return Payment.objects.filter(pk=payment_id, community_id=community_id).first()


def payments_by_id(ids):
    """Payments by their ids (for another app that refers to payments, e-invoices)."""
    return Payment.objects.filter(pk__in=list(ids)).order_by("pk")


def settled_pairs(*, payment_ids=(), bill_ids=()):
    """(payment id, bill id) of the allocations (核销) of these payments or onto these bills:
    which bills a payment settled, which payments settled a bill."""
    allocations = Allocation.objects.filter(payment__isnull=False)
    allocations = allocations.filter(
        Q(payment_id__in=list(payment_ids)) | Q(bill_id__in=list(bill_ids))
    )
    return set(allocations.values_list("payment_id", "bill_id").distinct())


def paid_bills_of(house_ids):
    """The paid bills of these houses (the residents' side), oldest first."""
    bills = Bill.objects.filter(house_id__in=list(house_ids), status=BillStatus.PAID, paid__gt=0)
    return of_party(bills).order_by("period_start", "pk")
