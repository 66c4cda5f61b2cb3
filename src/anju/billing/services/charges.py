"""Charges another app raises on a house's account (a shared space's booking fee), paid like any
bill (at the desk or online, oldest debt first), and the apps told when such a charge is settled.

Billing imports no other app: an app registers ``on_settled(prefix, callback)`` when it starts
(``AppConfig.ready``); once a bill whose line has a ``source`` starting with ``prefix`` is paid
in full, ``callback(source=..., bill=..., payment=...)`` runs in the same transaction."""

from django.db import transaction
from django.utils import timezone

from anju.core.money import ZERO

from ..choices import Method
from ..models import BillLine, CreditNote, FeeItem
from .adjustments import issue_credit_note
from .fee_items import create_fee_item
from .hooks import on_settled
from .posting import add_one_off_charge

__all__ = ["cancel_service_fee", "charge_service_fee", "on_settled"]


def _service_item(actor, community, name, basis):
    """The community's published one-off item for this service (made once, 明码标价: its
    standard is the price the residents were shown, e.g. the space's fee per slot)."""
    item = FeeItem.objects.filter(
        community=community, method=Method.ONE_OFF, name=name, published=True
    ).first()
    if item is None:
        item = create_fee_item(
            actor=actor,
            community=community,
            name=name,
            method=Method.ONE_OFF,
            unit_price="0",
            unit="",
            basis=basis,
            effective_from=timezone.localdate(),
            published=True,
        )
    return item


@transaction.atomic
def charge_service_fee(*, actor, house, amount, description, source, item_name, basis=""):
    """Bill ``amount`` to the house as a one-off charge of the service ``item_name``; the same
    ``source`` returns the bill already made. The resident pays it online in 缴费."""
    item = _service_item(actor, house.community, item_name, basis)
    return add_one_off_charge(
        actor=actor,
        house=house,
        fee_item=item,
        amount=amount,
        description=description,
        source=source,
    )


@transaction.atomic
def cancel_service_fee(*, actor, source, reason):
    """Take back the charge made for ``source`` (the booking was cancelled): a credit note for
    what is left of each of its lines; a part already paid goes to the house's prepayment."""
    notes = []
    for line in BillLine.objects.filter(source=source).select_related("bill", "house"):
        credited = sum((c.amount for c in CreditNote.objects.filter(line=line)), ZERO)
        left = line.amount - credited
        if left > 0:
            notes.append(issue_credit_note(actor=actor, line=line, amount=left, reason=reason))
    return notes
