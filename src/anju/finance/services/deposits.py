"""Deposits held (押金): received at the desk and returned. A minimal held-money table: billing
keeps no deposits ledger."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.billing.choices import CASHIER_METHODS
from anju.core import audit, bounds
from anju.core.errors import refuse
from anju.core.money import quantize
from anju.core.text import clean_line

from ..models import HeldDeposit


@transaction.atomic
def record_deposit(*, actor, house, description, amount, method="cash", received_on=None):
    amount = quantize(amount)
    bounds.money(amount)
    if amount <= 0:
        refuse("amount", _("The amount must be more than zero."))
    if method not in CASHIER_METHODS:
        refuse("method", _("Choose cash, bank transfer or POS."))
    description = clean_line(description or "").strip()
    if not description:
        refuse("description", _("Say what the deposit is for."))
    deposit = HeldDeposit.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        description=description[:200],
        amount=amount,
        method=method,
        received_on=received_on or timezone.localdate(),
    )
    audit.record(actor, "finance.deposit.received", deposit, after=audit.snapshot(deposit))
    return deposit


@transaction.atomic
def return_deposit(*, actor, deposit, returned_on=None):
    deposit = HeldDeposit.objects.select_for_update().get(pk=deposit.pk)
    deposit.status = HeldDeposit.machine.check("return", deposit.status)
    deposit.returned_on = returned_on or timezone.localdate()
    if not deposit.method:
        deposit.method = "cash"
    deposit.save(update_fields=["status", "returned_on", "method"])
    audit.record(actor, "finance.deposit.returned", deposit, after={"status": deposit.status})
    return deposit
