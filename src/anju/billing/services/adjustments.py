"""Corrections of posted money: credit notes (红字冲减) and late charges, accrued and waived."""

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, bounds
from anju.core.errors import refuse
from anju.core.money import ZERO, quantize
from anju.core.numbering import next_number

from .. import calc
from ..choices import BillStatus, WalletEntryKind
from ..models import Allocation, Bill, BillLine, CreditNote, LateCharge
from .payments import deposit_to_wallet, house_wallet


def line_credited(line):
    """What credit notes have taken off a line so far."""
    return CreditNote.objects.filter(line=line).aggregate(s=Sum("amount"))["s"] or ZERO


@transaction.atomic
def issue_credit_note(*, actor, line, amount, reason):
    """Correct a posted line. The unpaid part is reduced first; any part already paid moves to
    the house's prepayment wallet (and can be refunded)."""
    house = line.house
    wallet = house_wallet(house)
    bill = Bill.objects.select_for_update().get(pk=line.bill_id)
    amount = quantize(amount)
    bounds.money(amount)
    credited = line_credited(line)
    if amount <= 0 or amount > line.amount - credited:
        refuse("amount", _("Credit between ¥0.01 and ¥%(max)s.") % {"max": line.amount - credited})
    if not reason.strip():
        refuse("reason", _("Say why the line is corrected."))
    paid = Allocation.objects.filter(line=line).aggregate(s=Sum("amount"))["s"] or ZERO
    unpaid = line.amount - credited - paid
    from_paid = max(amount - unpaid, ZERO)
    note = CreditNote.objects.create(
        organization_id=bill.organization_id,
        community_id=bill.community_id,
        house=house,
        bill=bill,
        line=line,
        amount=amount,
        reason=reason[:300],
        number=next_number("HC", bill.community_id),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    bill.credited += amount
    if from_paid > 0:
        entry = deposit_to_wallet(
            house, wallet, from_paid, actor=actor, kind=WalletEntryKind.CREDIT, note=note.number
        )
        Allocation.objects.create(
            organization_id=bill.organization_id,
            community_id=bill.community_id,
            house=house,
            wallet_entry=entry,
            bill=bill,
            line=line,
            amount=-from_paid,
            applied_on=timezone.localdate(),
        )
        bill.paid -= from_paid
    bill.status = BillStatus.PAID if bill.balance <= 0 else BillStatus.OPEN
    bill.save(update_fields=["credited", "paid", "status"])
    audit.record(actor, "billing.creditnote.issued", note, after=audit.snapshot(note))
    return note


# --- late charges --------------------------------------------------------------------------------


def compute_late_charge(line, item, due_date, as_of):
    principal = line.amount - line_credited(line)
    payments = list(Allocation.objects.filter(line=line).values_list("applied_on", "amount"))
    start = calc.late_start(due_date, item.late_grace_days)
    return calc.late_interest(
        principal, start, as_of, item.late_daily_rate, payments, item.late_cap_rate
    ), start


@transaction.atomic
def accrue_late_charges(*, actor=None, as_of=None, community=None):
    """Bring every late charge up to ``as_of``. Only items with a contractual rate accrue."""
    as_of = as_of or timezone.localdate()
    lines = BillLine.objects.filter(
        fee_item__late_daily_rate__isnull=False, bill__due_date__lt=as_of
    ).filter(
        Q(bill__status=BillStatus.OPEN) | Q(late_charge__isnull=False, late_charge__waived=False)
    )
    if community is not None:
        lines = lines.filter(community=community)
    changed = 0
    for line in lines.select_related("fee_item", "bill"):
        item = line.fee_item
        amount, start = compute_late_charge(line, item, line.bill.due_date, as_of)
        lc = LateCharge.objects.select_for_update().filter(line=line).first()
        if lc is None:
            if amount <= 0:
                continue
            lc = LateCharge(
                organization_id=line.organization_id,
                community_id=line.community_id,
                bill_id=line.bill_id,
                line=line,
                house_id=line.house_id,
                as_of=as_of,
            )
        if lc.waived:
            continue
        new = max(amount, lc.paid)
        if lc.pk and new == lc.amount:
            continue
        delta = new - lc.amount
        lc.amount, lc.as_of = new, as_of
        lc.detail = {
            "from": str(start),
            "to": str(as_of),
            "rate": str(item.late_daily_rate),
            "cap": str(item.late_cap_rate) if item.late_cap_rate is not None else None,
        }
        lc.save()
        bill = Bill.objects.select_for_update().get(pk=line.bill_id)
        bill.late_fee += delta
        bill.status = BillStatus.PAID if bill.balance <= 0 else BillStatus.OPEN
        bill.save(update_fields=["late_fee", "status"])
        changed += 1
    if changed:
        audit.record(
            actor,
            "billing.latecharge.accrued",
            community,
            after={"as_of": str(as_of), "changed": changed},
        )
    return changed


@transaction.atomic
def waive_late_charge(*, actor, late_charge, reason):
    lc = LateCharge.objects.select_for_update().get(pk=late_charge.pk)
    if lc.waived:
        return lc
    if not reason.strip():
        refuse("reason", _("Say why the late charge is waived."))
    bill = Bill.objects.select_for_update().get(pk=lc.bill_id)
    bill.late_fee -= lc.amount - lc.paid
    lc.waived, lc.waived_reason, lc.waived_by = True, reason[:300], actor
    lc.save()
    bill.status = BillStatus.PAID if bill.balance <= 0 else BillStatus.OPEN
    bill.save(update_fields=["late_fee", "status"])
    audit.record(
        actor,
        "billing.latecharge.waived",
        lc,
        after={"reason": reason, "amount": str(lc.amount - lc.paid)},
    )
    return lc
