"""What the order and event services share: who may act, money input, telling a household."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from anju.core import policy
from anju.core.errors import Forbidden, refuse
from anju.core.models import Occupancy, User
from anju.core.notifications import notify


def require_staff(user, perm, community_id):
    if not policy.staff_has(user, perm, community_id):
        raise Forbidden(_("You may not do this in this community."))


def company_wide(user, perm, organization_id):
    """Does ``user`` hold ``perm`` for the whole company (a membership not limited to some
    communities)? Company-wide catalogue entries are theirs to keep."""
    if user.is_superuser:
        return True
    return any(
        m.organization_id == organization_id
        and not m.community_ids()
        and policy.role_has(m.role, perm)
        for m in user.active_memberships()
    )


def money(value, field, *, positive=False):
    """A fee or price as typed: a Decimal of at most two places, 0 or more (more with
    ``positive``), or a refusal naming the field."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        amount = None
    if (
        amount is None
        or not amount.is_finite()
        or amount < 0
        or (positive and amount == 0)
        or amount != amount.quantize(Decimal("0.01"))
        or amount > Decimal("99999999.99")
    ):
        if positive:
            refuse(field, _("Enter an amount of more than 0, with at most two decimals."))
        refuse(field, _("Enter an amount of 0 or more, with at most two decimals."))
    return amount.quantize(Decimal("0.01"))


def resident_of(user, house):
    """Is ``user`` a current resident of ``house``?"""
    return bool(user.person_id) and house.pk in user.resident_house_ids()


def household_users(house, person_id=None):
    """The signed-in people of a household: the one who acted first, else everyone living there."""
    if person_id:
        users = list(User.objects.filter(person_id=person_id, is_active=True))
        if users:
            return users
    people = Occupancy.objects.active().filter(house=house).values("person_id")
    return list(User.objects.filter(person_id__in=people, is_active=True))


def tell_household(house, person_id, title, body, *, link, community, event):
    return notify(
        household_users(house, person_id),
        title,
        body,
        link=link,
        community=community,
        channels=("inbox", "wechat"),
        event=event,
    )
