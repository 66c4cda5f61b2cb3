"""What the works' services share: who may act on a house, amounts and text checked."""

from decimal import InvalidOperation

from django.utils.translation import gettext as _

from anju.core import bounds
from anju.core.errors import Forbidden, refuse
from anju.core.models import House
from anju.core.money import quantize, to_decimal


def require(perm, house, *, actor):
    """``actor`` may ``perm`` on ``house`` (staff of its community, or a resident of it); the
    system (None) always may."""
    if actor is None:
        return
    if not House.objects.visible_to(actor, perm).filter(pk=house.pk).exists():
        raise Forbidden(_("You may not do this for this house."))


def amount_of(value, field="amount", *, zero=False):
    try:
        amount = quantize(to_decimal(value))
    except (InvalidOperation, TypeError, ValueError):
        refuse(field, _("Enter an amount such as 200.00."))
    bounds.money(amount, field)
    if amount < 0 or (amount == 0 and not zero):
        refuse(field, _("The amount must be more than zero."))
    return amount


def text(value, field, message, limit=300):
    value = str(value or "").strip()
    if not value:
        refuse(field, message)
    if len(value) > limit:
        refuse(field, _("At most %(n)s characters.") % {"n": limit})
    return value
