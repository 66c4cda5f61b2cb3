"""The deposits ledger (押金): money held for a house, not earned. Every movement is a posted,
immutable ``DepositEntry``; the deposit's balance is the lock and never goes below zero.

A deposit is never a bill or a fee payment of billing: collecting one writes no ``Payment``,
so it is in no revenue report, collection rate, cash-up of fees or public income. Collections
are recorded by billing's payment methods (``billing.choices``); refunds are paid in cash or by
bank transfer (billing offers no provider refund to call)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.billing.choices import PaymentMethod, recordable_methods
from anju.core import audit
from anju.core.attachments import PHOTOS_OR_DOCUMENTS, attach
from anju.core.errors import refuse

from ..choices import DepositKind, DepositState, EntryKind
from ..models import Deposit, DepositEntry
from .common import amount_of, require, text

COLLECT_METHODS = {value for value, _label in recordable_methods()}
# Paid back by hand; an online refund needs a provider refund billing does not offer yet.
REFUND_METHODS = {PaymentMethod.CASH, PaymentMethod.BANK}
ONLINE = {PaymentMethod.WECHAT, PaymentMethod.ALIPAY, PaymentMethod.POS}


def _method(value, allowed, field="method"):
    value = str(value or "").strip()
    if value not in allowed:
        if allowed is REFUND_METHODS:
            refuse(field, _("Refund in cash or by bank transfer."))
        refuse(field, _("Choose how the deposit was paid."))
    return value


def _entry(actor, deposit, kind, amount, *, method="", reference="", reason=""):
    return DepositEntry.objects.create(
        organization_id=deposit.organization_id,
        community_id=deposit.community_id,
        house_id=deposit.house_id,
        deposit=deposit,
        kind=kind,
        amount=amount,
        method=method,
        reference=reference[:100],
        reason=reason[:300],
        balance_after=deposit.balance,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def _locked(deposit):
    return Deposit.objects.select_for_update().select_related("house__building").get(pk=deposit.pk)


def create_due(
    *, actor, house, kind, amount, description="", payer=None, renovation=None, move=None
):
    """A deposit to be collected (no permission check: for the services of this app that decided
    it, e.g. a renovation's approval)."""
    if kind not in DepositKind.values:
        refuse("kind", _("Choose the kind of deposit."))
    amount = amount_of(amount)
    if payer is not None and payer.organization_id != house.organization_id:
        refuse("payer", _("Choose one of this community's."))
    deposit = Deposit.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        payer=payer,
        kind=kind,
        description=str(description or "").strip()[:200],
        amount=amount,
        renovation=renovation,
        move=move,
    )
    audit.record(actor, "works.deposit.created", deposit, after=audit.snapshot(deposit))
    return deposit


@transaction.atomic
def open_deposit(*, actor, house, kind, amount, description="", payer=None):
    """A deposit the office asks of a house (a tool lent, a key): to be collected."""
    require("works.deposit.collect", house, actor=actor)
    return create_due(
        actor=actor, house=house, kind=kind, amount=amount, description=description, payer=payer
    )


@transaction.atomic
def collect(*, actor, deposit, method, reference=""):
    """The deposit's money received (cash, bank transfer, POS, WeChat Pay, Alipay at the desk)."""
    deposit = _locked(deposit)
    require("works.deposit.collect", deposit.house, actor=actor)
    target = Deposit.machine.check("collect", deposit.state)
    method = _method(method, COLLECT_METHODS)
    reference = str(reference or "").strip()
    if method in ONLINE and not reference:
        refuse("reference", _("Enter the transaction number of the payment."))
    deposit.balance = deposit.amount
    deposit.state = target
    deposit.collected_at = timezone.now()
    deposit.save(update_fields=["balance", "state", "collected_at"])
    entry = _entry(
        actor, deposit, EntryKind.COLLECT, deposit.amount, method=method, reference=reference
    )
    audit.record(actor, "works.deposit.collected", deposit, after=_moved(entry))
    return deposit


@transaction.atomic
def collect_deposit(
    *, actor, house, kind, amount, method, reference="", description="", payer=None, move=None
):
    """Open and collect at once (a card deposit at the handover desk)."""
    require("works.deposit.collect", house, actor=actor)
    deposit = create_due(
        actor=actor,
        house=house,
        kind=kind,
        amount=amount,
        description=description,
        payer=payer,
        move=move,
    )
    return collect(actor=actor, deposit=deposit, method=method, reference=reference)


@transaction.atomic
def deduct(*, actor, deposit, amount, reason, evidence=()):
    """Keep part of the deposit for a documented reason (damage to the common parts, waste left
    behind), the evidence attached (photos or PDF) to the posted entry."""
    deposit = _locked(deposit)
    require("works.deposit.refund", deposit.house, actor=actor)
    Deposit.machine.check("deduct", deposit.state)
    amount = amount_of(amount)
    reason = text(reason, "reason", _("Give the reason for the deduction."))
    if amount > deposit.balance:
        refuse(
            "amount",
            _("At most the ¥%(held)s still held can be deducted.") % {"held": deposit.balance},
        )
    deposit.balance -= amount
    fields = ["balance"]
    if deposit.balance == 0:
        deposit.state, deposit.closed_at = DepositState.USED, timezone.now()
        fields += ["state", "closed_at"]
    deposit.save(update_fields=fields)
    entry = _entry(actor, deposit, EntryKind.DEDUCT, amount, reason=reason)
    if evidence:
        attach(entry, evidence, actor=actor, field="evidence", accept=PHOTOS_OR_DOCUMENTS)
    audit.record(actor, "works.deposit.deducted", deposit, after=_moved(entry))
    return entry


@transaction.atomic
def refund(*, actor, deposit, method, reference=""):
    """Pay back what is still held (after any deductions): the deposit is then refunded."""
    deposit = _locked(deposit)
    require("works.deposit.refund", deposit.house, actor=actor)
    target = Deposit.machine.check("refund", deposit.state)
    method = _method(method, REFUND_METHODS)
    amount = deposit.balance
    deposit.balance = 0
    deposit.state, deposit.closed_at = target, timezone.now()
    deposit.save(update_fields=["balance", "state", "closed_at"])
    entry = _entry(
        actor, deposit, EntryKind.REFUND, amount, method=method, reference=str(reference or "")
    )
    audit.record(actor, "works.deposit.refunded", deposit, after=_moved(entry))
    return deposit


@transaction.atomic
def cancel(*, actor, deposit, reason=""):
    """A deposit asked for and never collected is withdrawn (the renovation was rejected)."""
    deposit = _locked(deposit)
    require("works.deposit.collect", deposit.house, actor=actor)
    deposit.state = Deposit.machine.check("cancel", deposit.state)
    deposit.closed_at = timezone.now()
    deposit.save(update_fields=["state", "closed_at"])
    audit.record(actor, "works.deposit.cancelled", deposit, after={"reason": str(reason)[:300]})
    return deposit


def _moved(entry):
    return {
        "kind": entry.kind,
        "amount": str(entry.amount),
        "method": entry.method,
        "reason": entry.reason,
        "balance_after": str(entry.balance_after),
    }
