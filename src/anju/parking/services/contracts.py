"""Sales and long-term rentals of spaces (车位出售、出租), checked against the law of the
community's jurisdiction (``parking/law.py``): refused with the article named, nothing changed.

- A space on the owners' common parts is theirs in common: not sold (民法典第275条第二款).
- Planned spaces go to the owners of the community first; someone from outside gets one only
  when there is a surplus (民法典第276条); in Beijing only rented, month by month (第80条).
- In Shanghai, one purchase per household where the planned spaces are no more than the homes
  (上海规定第61条), otherwise one more.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import refuse
from anju.core.models import Occupancy
from anju.core.money import quantize

from .. import law, selectors
from ..choices import ContractKind, SpaceKind
from ..models import ParkingSpace, SpaceContract
from .operations import require
from .passes import add_months

LAW = "parking_law"


def _refuse_law(field, message, rule):
    refuse(field, f"{message} ({rule.article})", code=LAW)


def _lock(space):
    return (
        ParkingSpace.objects.select_for_update(of=("self",))
        .select_related("lot", "community")
        .get(pk=space.pk)
    )


def _check_party(space, person, house):
    """``house`` is the party's home in the community (they live in or own it); None for
    someone from outside."""
    if person is None:
        refuse("person", _("Choose the buyer or tenant."))
    if person.organization_id != space.organization_id:
        refuse("person", _("Choose one of this community's."))
    if house is None:
        return
    if house.community_id != space.community_id:
        refuse("house", _("Choose one of this community's."))
    if not Occupancy.objects.active().filter(house=house, person=person).exists():
        refuse("house", _("This person does not live in or own this home."))


def _amount(value):
    try:
        amount = quantize(value)
    except (ValueError, TypeError, ArithmeticError):
        refuse("amount", _("Enter an amount of 0 or more, with at most two decimals."))
    if amount < 0:
        refuse("amount", _("Enter an amount of 0 or more, with at most two decimals."))
    return amount


def _outsider_needs_surplus(community, on):
    first = law.rule(community, law.OWNERS_FIRST)
    if first is not None and selectors.space_surplus(community, on) <= 0:
        _refuse_law(
            "house",
            _(
                "The community's owners still need its spaces: someone from outside may have "
                "one only when there is a surplus."
            ),
            first,
        )
    return first


def _record(actor, space, kind, person, house, starts, ends, amount, rules, code):
    contract = SpaceContract.objects.create(
        organization_id=space.organization_id,
        community_id=space.community_id,
        space=space,
        kind=kind,
        person=person,
        house=house,
        starts=starts,
        ends=ends,
        amount=amount,
        rule="; ".join(str(r.article) for r in rules if r is not None)[:300],
    )
    audit.record(
        actor,
        code,
        contract,
        after={
            "space": space.number,
            "house": str(house or ""),
            "starts": str(starts),
            "ends": str(ends or ""),
            "amount": str(amount),
        },
    )
    return contract


@transaction.atomic
def sell_space(*, actor, space, person, house=None, amount, on=None):
    """Record the sale of a planned ``space`` to ``person`` (of ``house`` in the community, or
    from outside when ``house`` is None), by the law of the community's jurisdiction."""
    on = on or timezone.localdate()
    space = _lock(space)
    require(actor=actor, perm="parking.lot.manage", community_id=space.community_id)
    community = space.community
    amount = _amount(amount)
    _check_party(space, person, house)
    if law.on_common_parts(space.lot, space):
        _refuse_law(
            "space",
            _("This space is on the owners' common parts and cannot be sold."),
            law.rule(community, law.COMMON_PARTS),
        )
    if SpaceContract.objects.filter(space=space, kind=ContractKind.SALE).exists():
        refuse("space", _("This space is already sold."))
    if selectors.rental_overlapping(space, on, None).exists():
        refuse("space", _("This space is rented out: sell it when the rental ends."))
    rules = []
    if house is None:
        first = law.rule(community, law.OWNERS_FIRST)
        if first is not None and not first.params.get("outsider_sale", True):
            _refuse_law(
                "house",
                _("Spaces are sold only to the owners of this community."),
                first,
            )
        rules.append(_outsider_needs_surplus(community, on))
    else:
        once = law.rule(community, law.ONE_PER_HOUSEHOLD)
        if once is not None:
            spaces, homes = selectors.planned_and_homes(community)
            limit = once.params["scarce"] if spaces <= homes else once.params["otherwise"]
            if selectors.purchases_of(house).count() >= limit:
                _refuse_law(
                    "house",
                    _("This household has already bought %(n)s space(s), the most allowed here.")
                    % {"n": limit},
                    once,
                )
            rules.append(once)
    space.holder = person
    space.save(update_fields=["holder"])
    return _record(
        actor,
        space,
        ContractKind.SALE,
        person,
        house,
        on,
        None,
        amount,
        rules,
        "parking.space.sold",
    )


@transaction.atomic
def rent_space(*, actor, space, person, house=None, starts=None, months=1, amount):
    """Record a long-term rental of ``space`` for ``months`` from ``starts`` (today) to
    ``person`` (of ``house`` in the community, or from outside when ``house`` is None), by the
    law of the community's jurisdiction. ``amount`` is the rent for the whole term."""
    starts = starts or timezone.localdate()
    space = _lock(space)
    require(actor=actor, perm="parking.lot.manage", community_id=space.community_id)
    community = space.community
    amount = _amount(amount)
    _check_party(space, person, house)
    try:
        months = int(months)
    except (TypeError, ValueError):
        months = 0
    if months < 1 or months > 120:
        refuse("months", _("Enter 1 to 120 months."))
    ends = add_months(starts, months) - timedelta(days=1)
    if SpaceContract.objects.filter(space=space, kind=ContractKind.SALE).exists():
        refuse("space", _("This space is sold: its owner rents it out."))
    if selectors.rental_overlapping(space, starts, ends).exists():
        refuse("space", _("This space is already rented out in that time."))
    rules = []
    if house is None:
        first = _outsider_needs_surplus(community, starts)
        most = first.params.get("outsider_max_months") if first else None
        if most is not None and months > most:
            _refuse_law(
                "months",
                _("Someone from outside may rent a space only month by month."),
                first,
            )
        rules.append(first)
    if space.kind != SpaceKind.OWNED and not law.on_common_parts(space.lot, space):
        space.kind = SpaceKind.RENTED
    space.holder = person
    space.save(update_fields=["kind", "holder"])
    return _record(
        actor,
        space,
        ContractKind.RENTAL,
        person,
        house,
        starts,
        ends,
        amount,
        rules,
        "parking.space.rented",
    )
