"""Shared spaces (共享车位): an owner lends their space when it stands empty.

- The community's rule (``ShareRule``, data kept by its manager): the owner's share of each
  booking, where the rest goes (the company's income, or the owners' public income as the
  community decides), the costs allowed to be netted before public income (民法典第282条:
  income from the common parts less reasonable costs), the published price per hour, whether
  long-term tenants may share.
- The space's owner (a resident of its parking house, or the holder who bought it) publishes
  windows when it is free (``publish_window``: no two open windows of a space overlap); a
  tenant only where the rule allows. A window is withdrawn only while nothing is booked in it.
- A resident books part of a window for a plate, their car's or a visitor's (``book``: the
  window is locked, so two bookings of the same time never both succeed), and pays it from
  their home through billing (``start_share_pay``: a one-off charge paid on billing's pay page
  with the configured provider, like an online stay).
- When billing says it is paid (``share_paid``, in billing's transaction), the amount is split
  (``split_amount``, exact to the cent): the owner's credit (a payable to the lending
  household, a ``ShareSplit`` row and the earnings report), the company's income, the costs
  netted and the public income posted to the governance ledger
  (``governance.services.record_income``, as venue fees are); the lending household earns
  green points its company's points rule gives for a space lent (``green.services.award_for``,
  once per booking).
- Cancelling before paying credits the bill; cancelling a paid booking before it starts
  refunds it to the booker's prepayment, posts the negative split and reverses the public
  income entry.
- The gate lets the booked plate in within its time (``operations.record_event``): the stay is
  the booking's until its end; after that it pays as any stay since then.
"""

import math
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from anju.billing import services as billing
from anju.core import audit, policy
from anju.core.errors import Conflict, DomainError, Forbidden, refuse
from anju.core.money import ZERO, quantize
from anju.governance import services as governance
from anju.governance.choices import IncomeCategory, IncomeKind
from anju.green import services as green
from anju.green.choices import EarnReason

from .. import law
from ..choices import (
    LIVE_BOOKINGS,
    ContractKind,
    ShareBookingStatus,
    ShareRest,
    SpaceState,
    WindowStatus,
)
from ..models import ParkingSpace, ShareBooking, ShareRule, ShareSplit, ShareWindow, SpaceContract
from ..plates import check_plate
from .operations import require, save_row, unknown_fields

SHARE_SOURCE = "parking.share:"
SHARE_RULE_FIELDS = (
    "owner_percent",
    "rest_to",
    "cost_percent",
    "price_per_hour",
    "tenants_may_share",
)
HUNDRED = Decimal("100")
# A booking or a window may start this long before now (the form took a moment to send).
SLACK = timedelta(minutes=5)


# The split -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    owner: Decimal
    company: Decimal
    cost: Decimal
    public: Decimal


def split_amount(amount, owner_percent, rest_to, cost_percent=ZERO) -> Split:
    """Split ``amount``: the owner's share rounded once (ROUND_HALF_UP), the rest to the
    company, or to public income less the costs allowed (rounded once); the parts always sum
    to ``amount`` exactly."""
    amount = quantize(amount)
    owner = quantize(amount * Decimal(owner_percent) / HUNDRED)
    rest = amount - owner
    if rest_to == ShareRest.COMPANY:
        return Split(owner, rest, ZERO, ZERO)
    cost = quantize(rest * Decimal(cost_percent) / HUNDRED)
    return Split(owner, ZERO, cost, rest - cost)


# The community's rule ------------------------------------------------------------------------


def _percent(values, field):
    if field not in values:
        return
    try:
        value = Decimal(str(values[field]))
        ok = ZERO <= value <= HUNDRED and value == value.quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        ok = False
    if not ok:
        refuse(field, _("Enter a percentage from 0 to 100, with at most two decimals."))
    values[field] = value


@transaction.atomic
def save_share_rule(*, actor, community=None, rule=None, **values):
    """Set the community's rule for shared spaces (one per community) or change ``rule``."""
    unknown_fields(values, SHARE_RULE_FIELDS)
    if rule is None:
        require(actor=actor, perm="parking.share.manage", community_id=community.pk)
        if ShareRule.objects.filter(community=community).exists():
            refuse("community", _("This community already has its rule: change it instead."))
        rule = ShareRule(organization_id=community.organization_id, community=community)
        before = None
    else:
        rule = ShareRule.objects.select_for_update().get(pk=rule.pk)
        require(actor=actor, perm="parking.share.manage", community_id=rule.community_id)
        before = audit.snapshot(rule, SHARE_RULE_FIELDS)
    _percent(values, "owner_percent")
    _percent(values, "cost_percent")
    if "rest_to" in values and values["rest_to"] not in ShareRest.values:
        refuse("rest_to", _("Choose the company's income or the owners' public income."))
    price = values.get("price_per_hour")
    if price is not None:
        try:
            values["price_per_hour"] = quantize(price)
        except (ValueError, TypeError, ArithmeticError):
            refuse("price_per_hour", _("Enter an amount of more than 0, with two decimals."))
        if values["price_per_hour"] <= 0:
            refuse("price_per_hour", _("Enter an amount of more than 0, with two decimals."))
    return save_row(
        actor=actor,
        obj=rule,
        fields=SHARE_RULE_FIELDS,
        values=values,
        code="parking.share_rule",
        before=before,
    )


def _rule(community_id):
    rule = ShareRule.objects.filter(community_id=community_id).first()
    if rule is None:
        refuse(
            "space",
            _("This community has not set its rule for shared spaces yet: ask the office."),
        )
    return rule


# Windows -------------------------------------------------------------------------------------


def lender_house(*, actor, space, rule):
    """The household that lends ``space`` when ``actor`` shares it: the home of the holder
    who bought it (or of a long-term tenant, where the rule allows), else the space's parking
    house when ``actor`` is its resident; anyone else is refused on ``space``."""
    houses = set(actor.resident_house_ids())
    contract = (
        SpaceContract.objects.filter(space=space)
        .select_related("house")
        .order_by("-starts")
        .first()
    )
    today = timezone.localdate()
    if (
        contract is not None
        and actor.person_id
        and contract.person_id == actor.person_id
        and contract.house_id in houses
        and contract.starts <= today
        and (contract.ends is None or contract.ends >= today)
    ):
        if contract.kind == ContractKind.SALE or rule.tenants_may_share:
            return contract.house  # the buyer's or tenant's home
        refuse("space", _("In this community only owners share their spaces."))
    if space.house_id and space.house_id in houses:
        return space.house
    refuse("space", _("Only the space's owner, or a tenant the community allows, may share it."))


def _window_times(starts, ends, now):
    if starts is None:
        refuse("starts", _("Enter when the space is free from."))
    if ends is None or ends <= starts:
        refuse("ends", _("The end must be after the start."))
    if starts < now - SLACK:
        refuse("starts", _("Choose a time from now on."))


@transaction.atomic
def publish_window(*, actor, space, starts, ends, price_per_hour=None, now=None):
    """The owner lends ``space`` from ``starts`` to ``ends`` at ``price_per_hour`` (the
    community's published price when not given). Refused on ``starts`` when another window of
    the space overlaps it."""
    now = now or timezone.now()
    if not policy.user_has(actor, "parking.share.publish", space.community_id):
        raise Forbidden(_("You may not do this in this community."))
    space = (
        ParkingSpace.objects.select_for_update(of=("self",))
        .select_related("lot", "house", "community")
        .get(pk=space.pk)
    )  # one window of a space at a time
    rule = _rule(space.community_id)
    if law.on_common_parts(space.lot, space):
        refuse("space", law.citation(space.community, law.COMMON_PARTS))
    house = lender_house(actor=actor, space=space, rule=rule)
    if space.state == SpaceState.OUT_OF_SERVICE:
        refuse("space", _("This space is out of service."))
    _window_times(starts, ends, now)
    if price_per_hour in (None, ""):
        price_per_hour = rule.price_per_hour
        if price_per_hour is None:
            refuse("price_per_hour", _("Enter the price per hour: the community publishes none."))
    try:
        price_per_hour = quantize(price_per_hour)
    except (ValueError, TypeError, ArithmeticError):
        refuse("price_per_hour", _("Enter an amount of more than 0, with two decimals."))
    if price_per_hour <= 0:
        refuse("price_per_hour", _("Enter an amount of more than 0, with two decimals."))
    if ShareWindow.objects.filter(
        space=space,
        status__in=(WindowStatus.OPEN, WindowStatus.BOOKED),
        starts__lt=ends,
        ends__gt=starts,
    ).exists():
        refuse("starts", _("This space already has a window at that time."))
    window = ShareWindow.objects.create(
        organization_id=space.organization_id,
        community_id=space.community_id,
        space=space,
        house=house,
        starts=starts,
        ends=ends,
        price_per_hour=price_per_hour,
    )
    audit.record(
        actor,
        "parking.share.published",
        window,
        after={
            "space": space.number,
            "starts": starts.isoformat(),
            "ends": ends.isoformat(),
            "price_per_hour": str(price_per_hour),
        },
    )
    return window


def _lock_window(window):
    return (
        ShareWindow.objects.select_for_update(of=("self",))
        .select_related("space__lot", "community")
        .get(pk=window.pk)
    )


@transaction.atomic
def withdraw_window(*, actor, window):
    """The lender takes back a window nobody has booked (staff who manage sharing may too)."""
    window = _lock_window(window)
    own = window.house_id in actor.resident_house_ids()
    if not own and not policy.staff_has(actor, "parking.share.manage", window.community_id):
        raise Forbidden(_("Only the household that shares the space may withdraw it."))
    if window.status == WindowStatus.WITHDRAWN:
        raise Conflict(_("This window is already withdrawn."))
    if window.bookings.filter(status__in=LIVE_BOOKINGS).exists():
        raise Conflict(
            _("This window is booked: it can be withdrawn once its bookings are cancelled."),
            fields={"status": [_("Booked.")]},
        )
    window.status = WindowStatus.WITHDRAWN
    window.save(update_fields=["status"])
    audit.record(actor, "parking.share.withdrawn", window, after={"status": window.status})
    return window


# Bookings ------------------------------------------------------------------------------------


def booking_amount(price_per_hour, starts, ends):
    """Each started hour at the window's price."""
    hours = math.ceil((ends - starts) / timedelta(hours=1))
    return quantize(Decimal(price_per_hour) * max(hours, 1))


@transaction.atomic
def book(*, actor, window, plate, house=None, starts=None, ends=None, now=None):
    """A resident books ``window`` (all of it, or ``starts``–``ends`` inside it) for ``plate``,
    to pay from ``house`` (their home in the window's community). The window is locked: a
    time already booked is 409, never booked twice."""
    now = now or timezone.now()
    if not policy.user_has(actor, "parking.share.book", window.community_id):
        raise Forbidden(_("You may not do this in this community."))
    houses = actor.resident_house_ids()
    if house is None or house.pk not in houses or house.community_id != window.community_id:
        refuse("house", _("Choose one of your homes in the community of this space."))
    plate = check_plate(plate)
    window = _lock_window(window)
    if window.status == WindowStatus.WITHDRAWN:
        raise Conflict(_("This window was withdrawn."), fields={"window": [_("Withdrawn.")]})
    if window.house_id == house.pk:
        refuse("window", _("This is your own space."))
    starts = starts or max(window.starts, now)
    ends = ends or window.ends
    if starts < window.starts or ends > window.ends:
        refuse("starts", _("Choose a time inside the window."))
    if ends <= starts:
        refuse("ends", _("The end must be after the start."))
    if starts < now - SLACK or ends <= now:
        refuse("starts", _("Choose a time from now on."))
    if window.bookings.filter(status__in=LIVE_BOOKINGS, starts__lt=ends, ends__gt=starts).exists():
        raise Conflict(_("This time is already booked."), fields={"starts": [_("Already booked.")]})
    booking = ShareBooking.objects.create(
        organization_id=window.organization_id,
        community_id=window.community_id,
        window=window,
        house=house,
        booked_by=actor if getattr(actor, "pk", None) else None,
        plate=plate,
        starts=starts,
        ends=ends,
        amount=booking_amount(window.price_per_hour, starts, ends),
    )
    if window.status != WindowStatus.BOOKED:
        window.status = WindowStatus.BOOKED
        window.save(update_fields=["status"])
    audit.record(
        actor,
        "parking.share.booked",
        booking,
        after={
            "window": window.pk,
            "plate": plate,
            "starts": starts.isoformat(),
            "ends": ends.isoformat(),
            "amount": str(booking.amount),
        },
    )
    return booking


def share_source(booking) -> str:
    """How billing knows a booking's charge (its bill line's source)."""
    return f"{SHARE_SOURCE}{booking.pk}"


def _lock_booking(booking):
    return (
        ShareBooking.objects.select_for_update(of=("self",))
        .select_related("window__space__lot", "community", "house")
        .get(pk=booking.pk)
    )


def _describe(booking):
    a, b = timezone.localtime(booking.starts), timezone.localtime(booking.ends)
    return _("Shared space %(space)s, %(lot)s, %(plate)s, %(a)s–%(b)s") % {
        "space": booking.window.space.number,
        "lot": booking.window.space.lot.name,
        "plate": booking.plate,
        "a": f"{a:%Y-%m-%d %H:%M}",
        "b": f"{b:%H:%M}" if a.date() == b.date() else f"{b:%Y-%m-%d %H:%M}",
    }


@transaction.atomic
def start_share_pay(*, actor, booking):
    """The booker pays ``booking`` from its home: a one-off charge on the home (the same bill
    again when asked twice), paid on billing's pay page (the office may bill it for them, to
    pay at the desk). Returns the bill."""
    booking = _lock_booking(booking)
    if booking.house_id not in actor.resident_house_ids() and not policy.staff_has(
        actor, "parking.share.manage", booking.community_id
    ):
        raise Forbidden(_("Only the household that booked may pay it."))
    ShareBooking.machine.check("pay", booking.status)
    with translation.override(settings.LANGUAGE_CODE):  # the company's record
        bill = billing.charge_service_fee(
            actor=actor,
            house=booking.house,
            amount=booking.amount,
            description=_describe(booking),
            source=share_source(booking),
            item_name=_("Shared parking space fee"),
            basis=_("The shared space's price per hour, per started hour"),
        )
    audit.record(
        actor,
        "parking.share.pay_started",
        booking,
        after={"bill": bill.pk, "amount": str(booking.amount)},
    )
    return bill


def _post_split(booking, at):
    """Post the split of a paid ``booking`` and its public income (in the paying transaction)."""
    rule = ShareRule.objects.get(community_id=booking.community_id)
    parts = split_amount(booking.amount, rule.owner_percent, rule.rest_to, rule.cost_percent)
    entry = None
    if parts.public > 0:  # 民法典第282条: posted as venue fees are
        with translation.override(settings.LANGUAGE_CODE):
            entry = governance.record_income(
                actor=None,
                community=booking.community,
                kind=IncomeKind.INCOME,
                category=IncomeCategory.PARKING,
                amount=parts.public,
                occurred_on=timezone.localdate(at),
                description=_(
                    "%(what)s: ¥%(gross)s less the owner's ¥%(owner)s and ¥%(cost)s costs"
                )
                % {
                    "what": _describe(booking),
                    "gross": booking.amount,
                    "owner": parts.owner,
                    "cost": parts.cost,
                },
                counterparty=str(booking.house),
            )
    return ShareSplit.objects.create(
        organization_id=booking.organization_id,
        community_id=booking.community_id,
        booking=booking,
        house=booking.window.house,
        amount=booking.amount,
        owner_amount=parts.owner,
        company_amount=parts.company,
        cost_amount=parts.cost,
        public_amount=parts.public,
        owner_percent=rule.owner_percent,
        rest_to=rule.rest_to,
        income_entry=entry,
        posted_at=at,
    )


def share_paid(*, source, bill, payment=None):
    """Billing says a booking's charge is paid (online or at the desk): the booking is paid,
    its amount split and posted, the lending household earns its green points. A booking that
    can no longer be paid (cancelled meanwhile) has its charge credited to the booker's
    prepayment. Runs inside billing's transaction and never raises a domain error into it."""
    pk = source.removeprefix(SHARE_SOURCE)
    if not pk.isdigit():
        return
    booking = ShareBooking.objects.filter(pk=int(pk)).first()
    if booking is None:
        return
    booking = _lock_booking(booking)
    if booking.status != ShareBookingStatus.BOOKED:
        if booking.status in (ShareBookingStatus.CANCELLED,):
            billing.cancel_service_fee(
                actor=None, source=source, reason=_("The booking was cancelled before payment")
            )
        return
    now = timezone.now()
    booking.status = ShareBooking.machine.check("pay", booking.status)
    booking.paid_at = now
    booking.save(update_fields=["status", "paid_at"])
    split = _post_split(booking, now)
    with translation.override(settings.LANGUAGE_CODE):
        green.award_for(
            actor=None,
            house=booking.window.house,
            earned_for=EarnReason.SPACE_LENT,
            reason=_("Lent a parking space to a neighbour"),
            source=booking,
        )
    audit.record(
        None,
        "parking.share.paid",
        booking,
        after={
            "bill": bill.pk,
            "payment": getattr(payment, "pk", None),
            "owner": str(split.owner_amount),
            "company": str(split.company_amount),
            "cost": str(split.cost_amount),
            "public": str(split.public_amount),
        },
    )


def _reverse_split(actor, booking, reason):
    split = booking.splits.filter(reverses__isnull=True).order_by("pk").first()
    if split is None or ShareSplit.objects.filter(reverses=split).exists():
        return None
    if split.income_entry_id:
        try:
            governance.reverse_income(split.income_entry, actor=actor, reason=reason)
        except DomainError as exc:  # part of a closed allocation: the office corrects it
            raise Conflict(exc.message) from exc
    return ShareSplit.objects.create(
        organization_id=split.organization_id,
        community_id=split.community_id,
        booking=booking,
        house=split.house,
        amount=-split.amount,
        owner_amount=-split.owner_amount,
        company_amount=-split.company_amount,
        cost_amount=-split.cost_amount,
        public_amount=-split.public_amount,
        owner_percent=split.owner_percent,
        rest_to=split.rest_to,
        reverses=split,
        posted_at=timezone.now(),
    )


@transaction.atomic
def cancel_booking(*, actor, booking, reason="", now=None):
    """The booker cancels: an unpaid booking at any time (its bill is credited), a paid one up
    to its start (refunded to the home's prepayment, its split reversed). Staff who manage
    sharing cancel any booking not used yet, with a reason."""
    now = now or timezone.now()
    booking = _lock_booking(booking)
    own = booking.house_id in actor.resident_house_ids()
    as_staff = policy.staff_has(actor, "parking.share.manage", booking.community_id)
    if not own and not as_staff:
        raise Forbidden(_("Only the household that booked, or the office, may cancel it."))
    action = "refund" if booking.status == ShareBookingStatus.PAID else "cancel"
    target = ShareBooking.machine.check(action, booking.status)
    reason = str(reason or "").strip()
    if as_staff and not own and not reason:
        refuse("reason", _("Give the reason, so that the resident understands."))
    if action == "refund" and not as_staff and now >= booking.starts:
        refuse("status", _("A paid booking can be cancelled only before it starts."))
    why = _("Shared space booking cancelled: %(r)s") % {"r": reason or _("by the resident")}
    if action == "refund":
        _reverse_split(actor, booking, why)
    billing.cancel_service_fee(actor=actor, source=share_source(booking), reason=why)
    before = {"status": booking.status}
    booking.status = target
    booking.save(update_fields=["status"])
    window = ShareWindow.objects.select_for_update().get(pk=booking.window_id)
    if (
        window.status == WindowStatus.BOOKED
        and not window.bookings.filter(status__in=LIVE_BOOKINGS).exists()
    ):
        window.status = WindowStatus.OPEN
        window.save(update_fields=["status"])
    audit.record(
        actor,
        f"parking.share.{action}",
        booking,
        before=before,
        after={"status": target, "reason": reason},
    )
    return booking
