"""Opening balances (期初) brought from another system: a debt posted as a bill with its original
due date (so late charges and the three-year limitation clock run from that day, like any
bill's), a prepayment balance put into the house's wallet, and their reversal as long as no
payment has touched them. The finance app's opening import is the caller."""

from django.db import transaction
from django.utils.translation import gettext as _

from anju.core import audit, bounds
from anju.core.errors import Conflict, refuse
from anju.core.money import quantize
from anju.core.numbering import next_number

from .. import calc
from ..choices import LineKind, PayerKind, WalletEntryKind
from ..models import Allocation, Bill, BillLine, LateCharge, WalletEntry
from ..selectors import OPENING_NOTE, OPENING_SOURCE
from .adjustments import issue_credit_note, line_credited, waive_late_charge
from .payments import deposit_to_wallet, house_wallet
from .runs import house_payers

__all__ = [
    "opening_bills_touched",
    "post_opening_bill",
    "post_opening_prepayment",
    "reverse_opening_bill",
    "reverse_opening_prepayment",
]


@transaction.atomic
def post_opening_bill(
    *, actor, house, fee_item, period, amount, due_date, source, description="", payer_kind=None
):
    """A debt of ``house`` for ``fee_item`` and ``period`` owed since ``due_date`` (the old
    system's due date), posted as an open bill of one line. Idempotent per ``source``, which
    starts with ``OPENING_SOURCE`` (the vouchers leave such lines out)."""
    if not source.startswith(OPENING_SOURCE):
        refuse("source", _("An opening bill's source starts with %(p)s.") % {"p": OPENING_SOURCE})
    existing = (
        BillLine.objects.filter(organization_id=house.organization_id, source=source)
        .select_related("bill")
        .first()
    )
    if existing:
        return existing.bill
    if fee_item.community_id != house.community_id:
        refuse("fee_item", _("The fee item belongs to another community."))
    amount = quantize(amount)
    bounds.money(amount)
    if amount <= 0:
        refuse("amount", _("The amount must be more than zero."))
    p = calc.parse_period(period)
    owners, _payers = house_payers([house.pk], due_date)
    owner = owners.get(house.pk)
    if payer_kind is None:
        payer_kind = PayerKind.DEVELOPER if house.is_developer_held else PayerKind.OWNER
    bill = Bill(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        period=p.key,
        period_start=p.start,
        period_end=p.end,
        due_date=due_date,
        total=amount,
        payer_kind=payer_kind,
        payer_id=owner[0] if owner else None,
        liable_id=owner[0] if owner else None,
        payer_name=owner[1] if owner else "",
    )
    bill.number = next_number("ZD", house.community_id)
    bill.save()
    text = (description or _("Opening balance brought forward"))[:300]
    BillLine.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        bill=bill,
        house=house,
        fee_item=fee_item,
        period=p.key,
        kind=LineKind.ONE_OFF,
        amount=amount,
        description=text,
        source=source,
        detail={"one_off": True, "opening": True, "description": text, "due": str(due_date)},
    )
    audit.record(
        actor,
        "billing.bill.opening_posted",
        bill,
        after={"amount": str(amount), "due_date": str(due_date), "source": source},
    )
    return bill


def opening_bills_touched(bill_ids):
    """The bills among ``bill_ids`` that a payment or a prepayment has settled in part."""
    return sorted(
        set(Allocation.objects.filter(bill_id__in=list(bill_ids)).values_list("bill_id", flat=True))
    )


@transaction.atomic
def reverse_opening_bill(*, actor, bill, reason):
    """Take back an opening bill nothing has paid: a credit note for its lines and its late
    charges waived. A bill a payment touched is refused (409)."""
    bill = Bill.objects.select_for_update().get(pk=bill.pk)
    if opening_bills_touched([bill.pk]):
        raise Conflict(
            _("Bill %(number)s has been paid in part; it can no longer be reversed.")
            % {"number": bill.number},
            code="opening_paid",
            allowed=[],
        )
    for lc in LateCharge.objects.filter(bill=bill, waived=False):
        waive_late_charge(actor=actor, late_charge=lc, reason=reason)
    notes = []
    for line in BillLine.objects.filter(bill=bill):
        left = line.amount - line_credited(line)
        if left > 0:
            notes.append(issue_credit_note(actor=actor, line=line, amount=left, reason=reason))
    return notes


@transaction.atomic
def post_opening_prepayment(*, actor, house, amount, note=""):
    """A prepayment balance carried over from the old system, into the house's wallet (no cap:
    the money is already held)."""
    amount = quantize(amount)
    bounds.money(amount)
    if amount <= 0:
        refuse("amount", _("The amount must be more than zero."))
    wallet = house_wallet(house)
    entry = deposit_to_wallet(
        house,
        wallet,
        amount,
        actor=actor,
        note=(OPENING_NOTE + (note or _("Opening prepayment balance")))[:300],
    )
    audit.record(actor, "billing.wallet.opening_posted", wallet, after={"amount": str(amount)})
    return entry


@transaction.atomic
def reverse_opening_prepayment(*, actor, house, amount, reason):
    """Take an opening prepayment of ``amount`` back out of the house's wallet; refused (409)
    once the balance has been used below it."""
    amount = quantize(amount)
    wallet = house_wallet(house)
    if wallet.balance < amount:
        raise Conflict(
            _(
                "The prepayment of %(house)s has been used (balance ¥%(balance)s, imported "
                "¥%(amount)s); it can no longer be reversed."
            )
            % {"house": house, "balance": wallet.balance, "amount": amount},
            code="opening_used",
            allowed=[],
        )
    wallet.balance -= amount
    wallet.save(update_fields=["balance"])
    out = WalletEntry.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        wallet=wallet,
        kind=WalletEntryKind.REFUND,
        amount=-amount,
        balance_after=wallet.balance,
        note=(OPENING_NOTE + reason)[:300],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor, "billing.wallet.opening_reversed", wallet, after={"amount": str(out.amount)}
    )
    return out
