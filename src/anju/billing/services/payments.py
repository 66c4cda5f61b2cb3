"""Money in and out: payments (desk and online), settlement oldest debt first, the
prepayment wallet and refunds, the daily cash-up."""

import logging
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, bounds
from anju.core.errors import Conflict, DomainError, refuse
from anju.core.money import ZERO, quantize
from anju.core.numbering import next_number

from .. import calc
from ..choices import CASHIER_METHODS, BillStatus, PaymentMethod, PaymentStatus, WalletEntryKind
from ..models import (
    Allocation,
    Bill,
    BillLine,
    CashUp,
    CreditNote,
    LateCharge,
    Payment,
    Wallet,
    WalletEntry,
)
from ..selectors import house_arrears, of_party, open_bills
from .hooks import tell_settled
from .messages import tell_payment_received, tell_refund
from .runs import monthly_fee_estimate

log = logging.getLogger(__name__)

# --- money in and out ----------------------------------------------------------------------------


def house_wallet(house, lock=True):
    wallet, _created = Wallet.objects.get_or_create(
        house=house,
        defaults={"organization_id": house.organization_id, "community_id": house.community_id},
    )
    if lock:
        wallet = Wallet.objects.select_for_update().get(pk=wallet.pk)
    return wallet


def open_debts(house, lock=False, developer=False, bill_ids=None):
    """Open principal per line and open late charges, oldest bill first, of the residents'
    bills (or, with ``developer``, the developer's); with ``bill_ids`` of those bills only."""
    bills = of_party(open_bills(Bill.objects.filter(house=house)), developer).order_by(
        "due_date", "period_start", "id"
    )
    if bill_ids is not None:
        bills = bills.filter(pk__in=bill_ids)
    if lock:
        bills = bills.select_for_update()
    bills = list(bills)
    if not bills:
        return bills, [], []
    bill_ids = [b.pk for b in bills]
    lines = list(BillLine.objects.filter(bill_id__in=bill_ids).order_by("id"))
    paid = dict(
        Allocation.objects.filter(line_id__in=[ln.pk for ln in lines])
        .values("line_id")
        .annotate(s=Sum("amount"))
        .values_list("line_id", "s")
    )
    credited = dict(
        CreditNote.objects.filter(line_id__in=[ln.pk for ln in lines])
        .values("line_id")
        .annotate(s=Sum("amount"))
        .values_list("line_id", "s")
    )
    order = {b.pk: i for i, b in enumerate(bills)}
    principal = [
        (ln, ln.amount - (paid.get(ln.pk) or 0) - (credited.get(ln.pk) or 0)) for ln in lines
    ]
    principal = [(ln, amt) for ln, amt in principal if amt > 0]
    principal.sort(key=lambda pair: (order[pair[0].bill_id], pair[0].pk))
    late = [
        (lc, lc.open_amount) for lc in LateCharge.objects.filter(bill_id__in=bill_ids, waived=False)
    ]
    late = [(lc, amt) for lc, amt in late if amt > 0]
    late.sort(key=lambda pair: (order[pair[0].bill_id], pair[0].pk))
    return bills, principal, late


def payment_order(principal, late, rank, rule=None):
    """The order in which a payment settles open debts [(key, open amount)].

    "statutory" (民法典第560条、第561条, the default): the debt due first is settled first, and
    within one bill the late charge (interest) before the principal. "principal_first": every
    bill's principal oldest first, then the late charges, for service contracts that agree so
    ("除当事人另有约定外"); set ANJU_PAYMENT_ALLOCATION only with such a contract."""
    rule = rule or settings.ANJU_PAYMENT_ALLOCATION
    if rule == "principal_first":
        return principal + late
    return sorted(
        late + principal,
        key=lambda pair: (
            rank[pair[0].bill_id],
            0 if isinstance(pair[0], LateCharge) else 1,
            pair[0].pk,
        ),
    )


def apply_funds(house, amount, day, *, payment=None, wallet_entry=None):
    """Settle open debts in ``payment_order``: the developer's for a developer's payment, the
    residents' otherwise. Returns the leftover. Caller holds the house's wallet lock."""
    developer = payment is not None and payment.for_developer
    # An online payment for chosen bills settles those (民法典第560条: the debtor names the debt
    # it pays); anything left over, e.g. a bill settled at the desk meanwhile, is prepaid.
    chosen = list(payment.bills.values_list("pk", flat=True)) if payment is not None else []
    bills, principal, late = open_debts(
        house, lock=True, developer=developer, bill_ids=chosen or None
    )
    rank = {b.pk: i for i, b in enumerate(bills)}
    bills = {b.pk: b for b in bills}
    applied, left = calc.allocate_oldest_first(amount, payment_order(principal, late, rank))
    rows = []
    touched = defaultdict(Decimal)
    for key, take in applied:
        is_late = isinstance(key, LateCharge)
        rows.append(
            Allocation(
                organization_id=house.organization_id,
                community_id=house.community_id,
                house_id=house.pk,
                payment=payment,
                wallet_entry=wallet_entry,
                bill_id=key.bill_id,
                line=None if is_late else key,
                late_charge=key if is_late else None,
                amount=take,
                applied_on=day,
            )
        )
        touched[key.bill_id] += take
        if is_late:
            LateCharge.objects.filter(pk=key.pk).update(paid=F("paid") + take)
    Allocation.objects.bulk_create(rows)
    settled = []
    for bill_id, take in touched.items():
        bill = bills[bill_id]
        bill.paid += take
        if bill.balance <= 0:
            bill.status = BillStatus.PAID
            settled.append(bill_id)
        bill.save(update_fields=["paid", "status"])
    tell_settled(settled, payment)
    return left


def prepay_room(house, wallet=None):
    """How much more may be prepaid: cap months × the house's monthly fees, minus the balance."""
    wallet = wallet or house_wallet(house, lock=False)
    cap = monthly_fee_estimate(house) * settings.ANJU_PREPAY_MAX_MONTHS
    return max(quantize(cap - wallet.balance), ZERO)


def deposit_to_wallet(
    house, wallet, amount, *, actor, payment=None, kind=WalletEntryKind.DEPOSIT, note=""
):
    wallet.balance += amount
    wallet.save(update_fields=["balance"])
    return WalletEntry.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        wallet=wallet,
        kind=kind,
        amount=amount,
        balance_after=wallet.balance,
        payment=payment,
        note=note,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def _existing_by_key(organization_id, key, house, amount):
    existing = Payment.objects.filter(organization_id=organization_id, idempotency_key=key).first()
    if existing is None:
        return None
    if existing.house_id != house.pk or existing.amount != amount:
        raise Conflict(
            _("This idempotency key was already used for a different payment."),
            code="idempotency_conflict",
            fields={"idempotency_key": [_("Already used.")]},
        )
    return existing


@transaction.atomic
def record_payment(
    *,
    actor,
    house,
    amount,
    method,
    idempotency_key="",
    reference="",
    payer_name="",
    when=None,
    developer=False,
):
    """A cashier's payment (cash, bank transfer, POS): receipt number, bills settled oldest first,
    any rest into the prepayment wallet up to its cap. Retrying with the same key returns the
    first payment and credits nothing again.

    ``developer``: the developer (建设单位) pays its own bills of the house, for the time before
    delivery. It settles only those, and no more than they come to: the house's prepayment
    wallet is the residents' money."""
    amount = quantize(amount)
    bounds.money(amount)
    if amount <= 0:
        refuse("amount", _("The amount must be more than zero."))
    if method not in CASHIER_METHODS:
        refuse("method", _("Choose cash, bank transfer or POS."))
    if idempotency_key:
        existing = _existing_by_key(house.organization_id, idempotency_key, house, amount)
        if existing:
            return existing
    wallet = house_wallet(house)  # the house's money lock
    if idempotency_key:
        existing = _existing_by_key(house.organization_id, idempotency_key, house, amount)
        if existing:
            return existing
    owed = house_arrears(house, developer=developer)
    extra = amount - owed
    if developer and extra > 0:
        refuse(
            "amount",
            _("The developer owes ¥%(owed)s for this house; a payment can be at most that.")
            % {"owed": owed},
        )
    if extra > 0 and extra > prepay_room(house, wallet):
        refuse(
            "amount",
            _(
                "At most ¥%(max)s can be taken now: ¥%(owed)s owed plus ¥%(room)s of prepayment "
                "(cap %(months)s months)."
            )
            % {
                "max": owed + prepay_room(house, wallet),
                "owed": owed,
                "room": prepay_room(house, wallet),
                "months": settings.ANJU_PREPAY_MAX_MONTHS,
            },
        )
    now = when or timezone.now()
    payment = Payment(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        amount=amount,
        method=method,
        status=PaymentStatus.SUCCEEDED,
        idempotency_key=idempotency_key or "",
        reference=reference,
        payer_name=payer_name or (house.community.developer[:100] if developer else ""),
        for_developer=developer,
        received_by=actor if getattr(actor, "pk", None) else None,
        paid_at=now,
        paid_on=timezone.localdate(now),
    )
    try:
        with transaction.atomic():
            payment.receipt_number = next_number("SK", house.community_id, now)
            payment.save()
    except IntegrityError:
        existing = _existing_by_key(house.organization_id, idempotency_key, house, amount)
        if existing:
            return existing
        raise
    _settle_payment(actor, house, wallet, payment)
    audit.record(actor, "billing.payment.recorded", payment, after=audit.snapshot(payment))
    tell_payment_received(payment)
    return payment


def _settle_payment(actor, house, wallet, payment):
    left = apply_funds(house, payment.amount, payment.paid_on, payment=payment)
    if left > 0 and payment.for_developer:
        # Checked against what the developer owed, under the same lock: never happens.
        raise Conflict(_("The developer's payment is more than it owes."), code="overpaid")
    if left > 0:
        deposit_to_wallet(house, wallet, left, actor=actor, payment=payment, note=str(payment))
        payment.to_wallet = left
        payment.save(update_fields=["to_wallet"])


@transaction.atomic
def start_online_payment(*, actor, house, amount=None, provider="test", idempotency_key=""):
    """A pending online payment for what is owed (or ``amount``); the provider confirms it.
    Starting again with the same key, even at the same moment, answers the first payment."""
    owed = house_arrears(house)
    amount = quantize(amount if amount not in (None, "") else owed)
    bounds.money(amount)
    if amount <= 0:
        refuse("amount", _("Nothing is owed; enter an amount to prepay."))
    if idempotency_key:
        existing = _existing_by_key(house.organization_id, idempotency_key, house, amount)
        if existing:
            return existing
        house_wallet(house)  # the house's money lock: a concurrent start with this key waits here
        existing = _existing_by_key(house.organization_id, idempotency_key, house, amount)
        if existing:
            return existing
    if amount - owed > prepay_room(house):
        refuse("amount", _("This is more than is owed plus the prepayment cap."))
    method = PaymentMethod.WECHAT if provider == "wechat" else PaymentMethod.TEST
    try:
        with transaction.atomic():  # the key is the organization's: another house may hold it
            payment = Payment.objects.create(
                organization_id=house.organization_id,
                community_id=house.community_id,
                house=house,
                amount=amount,
                method=method,
                status=PaymentStatus.PENDING,
                idempotency_key=idempotency_key or "",
            )
    except IntegrityError:
        if not idempotency_key:
            raise
        return _existing_by_key(house.organization_id, idempotency_key, house, amount)
    audit.record(
        actor, "billing.payment.started", payment, after={"amount": str(amount), "method": method}
    )
    return payment


METHOD_OF_PROVIDER = {
    "wechat": PaymentMethod.WECHAT,
    "alipay": PaymentMethod.ALIPAY,
    "test": PaymentMethod.TEST,
}


def _bill_payment_conflict(payment):
    return Conflict(
        _(
            "These bills are already being paid (payment %(id)s, started %(when)s). Allowed now: "
            "finish that payment, wait until it expires, or cancel it."
        )
        % {"id": payment.pk, "when": timezone.localtime(payment.created_at).strftime("%H:%M")},
        code="payment_pending",
        payment=payment.pk,
        allowed=["wait", "cancel"],
    )


def expire_stale_payments(payments, *, actor=None):
    """Mark pending online payments past the providers' order time (plus a margin) failed: the
    order can no longer be paid, so their bills are free again."""
    limit = timezone.now() - timedelta(minutes=settings.ANJU_ONLINE_ORDER_MINUTES + 5)
    left = []
    for payment in payments:
        if payment.status == PaymentStatus.PENDING and payment.created_at < limit:
            Payment.machine.check("fail", payment.status)
            payment.status = PaymentStatus.FAILED
            payment.save(update_fields=["status"])
            audit.record(actor, "billing.payment.expired", payment, before={"status": "pending"})
        else:
            left.append(payment)
    return left


PROVIDER_OF_METHOD = {PaymentMethod.WECHAT: "wechat", PaymentMethod.ALIPAY: "alipay"}


def _book_answer(adapter, payment) -> bool:
    """Ask ``adapter`` about ``payment`` and book it when the provider says it is paid."""
    result = adapter.query_order(payment)
    if result is None or not result.succeeded:
        return False
    try:
        _payment, booked = confirm_online_payment(
            payment_id=payment.pk,
            provider_ref=result.provider_ref,
            amount_fen=result.amount_fen,
            method=payment.method,
        )
    except DomainError as exc:  # another amount: logged, nothing booked
        log.warning("payment %s: query answer refused (%s)", payment.pk, exc.code)
        return False
    return booked


def check_online_payment(payment, *, every_seconds=15) -> bool:
    """The payer is back from the wallet and the page polls: ask the provider at most once
    every ``every_seconds`` per payment, in case its notification is slow or lost."""
    from django.core.cache import cache

    from .. import providers

    name = PROVIDER_OF_METHOD.get(payment.method)
    if name is None or payment.status != PaymentStatus.PENDING:
        return False
    if not cache.add(f"anju:payment-asked:{payment.pk}", 1, timeout=every_seconds):
        return False
    try:
        adapter = providers.get_provider(name)
    except DomainError:
        return False
    return _book_answer(adapter, payment)


def reconcile_online_payments(*, now=None, settle_after_minutes=2, limit=200):
    """Ask the providers about online payments whose notification has not come (主动查单):
    pending ones older than ``settle_after_minutes``, and ones expired here within the last
    hour (the wallet app may still have taken the money). A paid order is booked through
    ``confirm_online_payment``, exactly as its notification would be; a pending one past its
    order time expires. Network calls happen outside any transaction. Returns counts."""
    from .. import providers

    now = now or timezone.now()
    settle = now - timedelta(minutes=settle_after_minutes)
    recent = now - timedelta(minutes=settings.ANJU_ONLINE_ORDER_MINUTES + 65)
    candidates = list(
        Payment.objects.filter(method__in=list(PROVIDER_OF_METHOD))
        .filter(
            Q(status=PaymentStatus.PENDING, created_at__lt=settle)
            | Q(status=PaymentStatus.FAILED, created_at__gte=recent)
        )
        .order_by("created_at", "pk")[:limit]
    )
    adapters, counts = {}, {"asked": 0, "confirmed": 0, "expired": 0}
    for payment in candidates:
        name = PROVIDER_OF_METHOD[payment.method]
        if name not in adapters:
            try:
                adapters[name] = providers.get_provider(name)
            except DomainError:
                adapters[name] = None  # not configured here: logged by get_provider
        if adapters[name] is None:
            continue
        counts["asked"] += 1
        if _book_answer(adapters[name], payment):
            counts["confirmed"] += 1
        elif payment.status == PaymentStatus.PENDING:
            with transaction.atomic():
                locked = list(Payment.objects.select_for_update().filter(pk=payment.pk))
                counts["expired"] += len(locked) - len(expire_stale_payments(locked))
    return counts


@transaction.atomic
def start_bills_payment(*, actor, bills, channel, provider):
    """A pending online payment for the payer's chosen open bills (one house), for exactly
    what they owe. A bill already in a pending payment is not charged twice: the same bills on
    the same channel reuse that payment, anything else is refused (409) until it is paid,
    cancelled or expired. Returns ``(payment, created)``."""
    ids = sorted({b.pk for b in bills})
    if not ids:
        refuse("bills", _("Choose the bills to pay."))
    houses = {b.house_id for b in bills}
    if len(houses) != 1:
        refuse("bills", _("Pay the bills of one home at a time."), code="one_house")
    house = bills[0].house
    house_wallet(house)  # the house's money lock: concurrent starts for its bills wait here
    locked = list(Bill.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    for bill in locked:
        if bill.status != BillStatus.OPEN or bill.balance <= 0:
            raise Conflict(
                _("Bill %(period)s is already paid.") % {"period": bill.period},
                code="bill_paid",
                fields={"bills": [_("Already paid.")]},
            )
    # Pending payments of these bills, and the house's pending payments for what it owes
    # (no bills named: they settle the oldest bills, these among them).
    pending_ids = set(
        Payment.objects.filter(status=PaymentStatus.PENDING, house=house, for_developer=False)
        .filter(Q(bills__in=ids) | Q(bills__isnull=True))
        .values_list("pk", flat=True)
    )
    pending = list(Payment.objects.select_for_update().filter(pk__in=pending_ids).order_by("pk"))
    pending = expire_stale_payments(pending, actor=actor)
    method = METHOD_OF_PROVIDER[provider]
    for payment in pending:
        same = sorted(payment.bills.values_list("pk", flat=True)) == ids
        if same and payment.channel == channel and payment.method == method:
            return payment, False
        raise _bill_payment_conflict(payment)
    amount = quantize(sum((b.balance for b in locked), Decimal(0)))
    bounds.money(amount)
    payment = Payment.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        amount=amount,
        method=method,
        channel=channel,
        status=PaymentStatus.PENDING,
    )
    payment.bills.set(locked)
    audit.record(
        actor,
        "billing.payment.started",
        payment,
        after={"amount": str(amount), "method": method, "channel": channel, "bills": ids},
    )
    return payment, True


@transaction.atomic
def cancel_online_payment(*, actor, payment):
    """The payer gives up a pending online payment: it fails, its bills are free again, and
    the provider's order is closed so it can no longer be paid."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    Payment.machine.check("fail", payment.status)
    payment.status = PaymentStatus.FAILED
    payment.save(update_fields=["status"])
    audit.record(
        actor,
        "billing.payment.cancelled",
        payment,
        before={"status": "pending"},
        after={"status": "failed"},
    )
    return payment


@transaction.atomic
def confirm_online_payment(
    *, payment_id, provider_ref, amount_fen, actor=None, method=None, strict_amount=False
):
    """The provider says the payment succeeded. Duplicate callbacks change nothing; one for
    another amount than the payment's is refused once the payment has succeeded (and, with
    ``strict_amount``, always: nothing changes). ``method``: the provider's method, which
    must be the payment's."""
    payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is None or (method and payment.method != method):
        raise DomainError(_("Unknown payment."), code="not_found")
    mismatch = int(amount_fen) != int(payment.amount * 100)
    if mismatch and (strict_amount or payment.status == PaymentStatus.SUCCEEDED):
        log.warning(
            "payment %s: notification for %s fen, the payment is %s",
            payment.pk,
            amount_fen,
            payment.amount,
        )
        raise DomainError(_("The amount is not the payment's."), code="amount_mismatch")
    if payment.status == PaymentStatus.SUCCEEDED:
        return payment, False
    # A cancelled or expired payment that was paid all the same (the wallet app was already
    # open) is booked: the money has arrived. Its bills may be settled by now; the rest is
    # prepaid.
    before = payment.status
    Payment.machine.check("confirm", payment.status)
    if int(amount_fen) != int(payment.amount * 100):
        payment.status = PaymentStatus.FAILED
        payment.save(update_fields=["status"])
        audit.record(
            actor, "billing.payment.amount_mismatch", payment, after={"amount_fen": amount_fen}
        )
        return payment, False
    house = payment.house
    wallet = house_wallet(house)
    now = timezone.now()
    payment.status = PaymentStatus.SUCCEEDED
    payment.provider_ref = provider_ref
    payment.paid_at, payment.paid_on = now, timezone.localdate(now)
    payment.receipt_number = next_number("SK", house.community_id, now)
    payment.save(update_fields=["status", "provider_ref", "paid_at", "paid_on", "receipt_number"])
    _settle_payment(actor, house, wallet, payment)
    audit.record(
        actor,
        "billing.payment.confirmed",
        payment,
        before={"status": before},
        after={"status": "succeeded", "provider_ref": provider_ref},
    )
    tell_payment_received(payment)
    return payment, True


@transaction.atomic
def settle_wallet(*, actor, house):
    """Use the prepayment balance on open bills, oldest first."""
    wallet = house_wallet(house)
    if wallet.balance <= 0:
        return ZERO
    bills, principal, late = open_debts(house)
    owed = sum((amt for _k, amt in principal + late), Decimal(0))
    take = min(owed, wallet.balance)
    if take <= 0:
        return ZERO
    wallet.balance -= take
    wallet.save(update_fields=["balance"])
    entry = WalletEntry.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        wallet=wallet,
        kind=WalletEntryKind.SETTLE,
        amount=-take,
        balance_after=wallet.balance,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    left = apply_funds(house, take, timezone.localdate(), wallet_entry=entry)
    assert left == 0
    audit.record(actor, "billing.wallet.settled", wallet, after={"amount": str(take)})
    return take


@transaction.atomic
def refund_prepayment(*, actor, house, amount, reason):
    """Refund prepaid fees for periods not served (物业服务纠纷解释第3条)."""
    amount = quantize(amount)
    bounds.money(amount)
    wallet = house_wallet(house)
    if amount <= 0 or amount > wallet.balance:
        refuse(
            "amount",
            _("Refund between ¥0.01 and the prepaid balance ¥%(b)s.") % {"b": wallet.balance},
        )
    if not reason.strip():
        refuse("reason", _("Give the reason, e.g. the service ended on a date."))
    wallet.balance -= amount
    wallet.save(update_fields=["balance"])
    entry = WalletEntry.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        wallet=wallet,
        kind=WalletEntryKind.REFUND,
        amount=-amount,
        balance_after=wallet.balance,
        note=reason[:300],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor, "billing.wallet.refunded", wallet, after={"amount": str(amount), "reason": reason}
    )
    tell_refund(house, amount, reason)
    return entry


# --- cash-up -------------------------------------------------------------------------------------


def cash_up_report(community, day):
    rows = (
        Payment.objects.filter(community=community, status=PaymentStatus.SUCCEEDED, paid_on=day)
        .values("method")
        .annotate(total=Sum("amount"))
        .order_by("method")
    )
    totals = {r["method"]: str(quantize(r["total"])) for r in rows}
    payments = Payment.objects.filter(
        community=community, status=PaymentStatus.SUCCEEDED, paid_on=day
    )
    return {
        "day": str(day),
        "totals": totals,
        "count": payments.count(),
        "total": str(sum((Decimal(v) for v in totals.values()), ZERO)),
    }


@transaction.atomic
def close_cash_up(*, actor, community, day):
    report = cash_up_report(community, day)
    if CashUp.objects.filter(community=community, day=day).exists():
        refuse("day", _("This day is already closed."), code="already_closed")
    cash_up = CashUp.objects.create(
        organization_id=community.organization_id,
        community=community,
        day=day,
        totals=report["totals"],
        count=report["count"],
        total=Decimal(report["total"]),
        closed_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(actor, "billing.cashup.closed", cash_up, after=report)
    return cash_up
