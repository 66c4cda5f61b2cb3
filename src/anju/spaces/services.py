"""Shared spaces and bookings: every business operation, keyword-only ``actor``, atomic, audited.

A space's bookings are serialised by locking the space's row: the overlap check and the insert
happen under that lock, so two residents tapping the same slot at once get one booking and one
clear refusal (``tests/test_booking_race.py`` runs it against PostgreSQL)."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.billing import selectors as billing_selectors
from anju.billing import services as billing
from anju.core import audit, policy
from anju.core.errors import Conflict, DomainError, Forbidden, refuse
from anju.core.models import House, Occupancy, User
from anju.core.notifications import notify
from anju.core.numbering import next_number
from anju.governance import services as governance
from anju.governance.choices import IncomeCategory, IncomeKind

from .choices import HOLDING, BookingStatus, SpaceKind
from .models import Booking, Space
from .rules import setting
from .selectors import check_in_open, day_slots

SPACE_FIELDS = (
    "name",
    "kind",
    "place",
    "capacity",
    "opens_at",
    "closes_at",
    "slot_minutes",
    "max_slots",
    "book_days_ahead",
    "per_house_limit",
    "price_per_slot",
    "common_part",
    "needs_approval",
    "rules",
    "active",
)


def _require(actor, perm, community_id):
    if not policy.staff_has(actor, perm, community_id):
        raise Forbidden(_("You may not do this in this community."))


# Spaces -------------------------------------------------------------------------------------


def _check_space(values):
    errors = {}
    if not str(values.get("name") or "").strip():
        errors["name"] = [_("Enter the space's name.")]
    if values.get("kind") not in SpaceKind.values:
        errors["kind"] = [_("Choose the kind of space.")]
    opens, closes = values.get("opens_at"), values.get("closes_at")
    slot = int(values.get("slot_minutes") or 0)
    if slot < 15 or slot > 24 * 60:
        errors["slot_minutes"] = [_("A slot is 15 minutes to 24 hours.")]
    if opens is None or closes is None or closes <= opens:
        errors["closes_at"] = [_("The closing time must be after the opening time.")]
    elif slot >= 15:
        minutes = (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)
        if minutes % slot:
            errors["closes_at"] = [
                _("The opening hours must hold a whole number of %(n)s-minute slots.") % {"n": slot}
            ]
    for name in ("capacity", "max_slots", "per_house_limit"):
        if int(values.get(name) or 0) < 1:
            errors[name] = [_("Enter a whole number of at least 1.")]
    days_ahead = values.get("book_days_ahead")
    if days_ahead is None or int(days_ahead) < 0:
        errors["book_days_ahead"] = [_("Enter 0 (today only) or more days.")]
    price = values.get("price_per_slot")
    if (
        price is None
        or Decimal(price) < 0
        or Decimal(price) != Decimal(price).quantize(Decimal("0.01"))
    ):
        errors["price_per_slot"] = [_("Enter a fee of 0 or more, with at most two decimals.")]
    if errors:
        raise DomainError(next(iter(errors.values()))[0], fields=errors)


@transaction.atomic
def save_space(*, actor, community=None, space=None, **values):
    """Create a space in ``community`` or change ``space``; ``values`` are ``SPACE_FIELDS``."""
    unknown = set(values) - set(SPACE_FIELDS)
    if unknown:
        raise TypeError(f"unknown space fields: {sorted(unknown)}")
    if space is None:
        _require(actor, "spaces.space.manage", community.pk)
        space = Space(organization_id=community.organization_id, community=community)
        before = None
    else:
        space = Space.objects.select_for_update().get(pk=space.pk)
        _require(actor, "spaces.space.manage", space.community_id)
        before = audit.snapshot(space, SPACE_FIELDS)
    merged = {name: getattr(space, name) for name in SPACE_FIELDS} | values
    if isinstance(merged.get("name"), str):
        merged["name"] = merged["name"].strip()
    _check_space(merged)
    for name, value in merged.items():
        setattr(space, name, value)
    space.save()
    audit.record(
        actor,
        "spaces.space.created" if before is None else "spaces.space.changed",
        space,
        before=before,
        after=audit.snapshot(space, SPACE_FIELDS),
    )
    return space


# Booking ------------------------------------------------------------------------------------


def _booker(actor, space, person, house):
    """(person_id, house, as_staff) for a booking by ``actor``: a resident books for themself
    and one of their houses in the space's community; staff who manage bookings may book for a
    resident (person and house) or for the property service's own use (neither)."""
    if policy.staff_has(actor, "spaces.booking.manage", space.community_id):
        if house is not None and house.community_id != space.community_id:
            refuse("house", _("Choose a house of this community."))
        if person is not None and house is None:
            refuse("house", _("Choose the house the resident books for."))
        lives_there = (
            person is None or Occupancy.objects.active().filter(person=person, house=house).exists()
        )
        if not lives_there:
            refuse("person", _("Choose a resident of this house."))
        return (person.pk if person else None), house, True
    if person is not None and person.pk != actor.person_id:
        refuse("person", _("You can only book for yourself."))
    if not actor.person_id or space.community_id not in actor.resident_community_ids():
        refuse("space", _("You can only book the spaces of your own community."))
    houses = House.objects.filter(
        pk__in=actor.resident_house_ids(), community_id=space.community_id
    ).order_by("pk")
    if house is None:
        house = houses.first()
    elif not houses.filter(pk=house.pk).exists():
        refuse("house", _("Choose one of your houses in this community."))
    return actor.person_id, house, False


@transaction.atomic
def book(
    *,
    actor,
    space,
    starts_at,
    slots=1,
    purpose,
    attendees=1,
    house=None,
    person=None,
    now=None,
):
    """Book ``slots`` consecutive slots of ``space`` from ``starts_at``."""
    now = now or timezone.now()
    space = Space.objects.select_for_update().get(pk=space.pk)  # serialises the space's bookings
    person_id, house, as_staff = _booker(actor, space, person, house)
    if not space.active:
        refuse("space", _("This space is closed for booking."))
    if not str(purpose or "").strip():
        refuse("purpose", _("Say what the space is for."))
    try:
        slots, attendees = int(slots), int(attendees)
    except (TypeError, ValueError):
        refuse("slots", _("Enter whole numbers."))
    if not 1 <= slots <= space.max_slots:
        refuse(
            "slots",
            _("Book 1 to %(n)s slots of %(m)s minutes.")
            % {"n": space.max_slots, "m": space.slot_minutes},
        )
    if not 1 <= attendees <= space.capacity:
        refuse("attendees", _("The space holds up to %(n)s people.") % {"n": space.capacity})
    starts_at = timezone.localtime(starts_at)
    day = starts_at.date()
    grid = day_slots(space, day)
    index = next((i for i, (s, _e) in enumerate(grid) if s == starts_at), None)
    if index is None:
        refuse(
            "starts_at",
            _("Choose a start on the slot grid, between %(a)s and %(b)s.")
            % {"a": f"{space.opens_at:%H:%M}", "b": f"{space.closes_at:%H:%M}"},
        )
    if index + slots > len(grid):
        refuse("slots", _("The booking must end by closing time."))
    ends_at = grid[index + slots - 1][1]
    if starts_at <= now:
        refuse("starts_at", _("This time has passed."))
    if not as_staff and day > timezone.localdate(now) + timedelta(days=space.book_days_ahead):
        refuse(
            "starts_at",
            _("This space can be booked up to %(n)s days ahead.") % {"n": space.book_days_ahead},
        )
    clash = Booking.objects.filter(
        space=space, status__in=HOLDING, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exists()
    if clash:
        message = _("This time is already booked. Please choose another slot.")
        raise Conflict(message, fields={"starts_at": [message]})
    if house is not None and not as_staff:
        open_count = Booking.objects.filter(
            space=space, house=house, status__in=HOLDING, ends_at__gt=now
        ).count()
        if open_count >= space.per_house_limit:
            refuse(
                "space",
                _("Your house already has %(n)s open bookings of this space; that is the limit.")
                % {"n": open_count},
            )
        no_shows = Booking.objects.filter(
            house=house, status=BookingStatus.NO_SHOW, starts_at__gte=now - timedelta(days=30)
        ).count()
        if no_shows >= setting("no_show_limit"):
            refuse(
                "space",
                _(
                    "Your house missed %(n)s bookings in the last 30 days; please book at the "
                    "service centre for now."
                )
                % {"n": no_shows},
            )
    pending = space.needs_approval and not as_staff
    # The property service's own use (no resident) is not charged; a resident's fee is billed to
    # the house and paid online in 缴费: the booking is confirmed once it is paid.
    amount = space.price_per_slot * slots if person_id else Decimal("0.00")
    billed = amount > 0 and house is not None and not as_staff
    if pending:
        status = BookingStatus.PENDING
    else:
        status = BookingStatus.UNPAID if billed else BookingStatus.CONFIRMED
    booking = Booking.objects.create(
        organization_id=space.organization_id,
        community_id=space.community_id,
        space=space,
        number=next_number("YY", space.community_id),
        person_id=person_id,
        house=house,
        starts_at=starts_at,
        ends_at=ends_at,
        purpose=purpose.strip(),
        attendees=attendees,
        status=status,
        amount=amount,
        created_by=actor,
    )
    audit.record(actor, "spaces.booking.created", booking, after=audit.snapshot(booking))
    if billed:
        _bill_fee(actor, booking)
        booking.refresh_from_db()
    if pending:
        from anju.core.selectors import managers_of

        notify(
            managers_of(space.community),
            _("A booking awaits your approval"),
            _describe(booking),
            link=f"/console/bookings/{booking.pk}/",
            community=space.community,
        )
    return booking


FEE_SOURCE = "spaces.booking:"


def fee_source(booking):
    """How billing knows the charge of ``booking`` (its bill line's source)."""
    return f"{FEE_SOURCE}{booking.pk}"


def _bill_fee(actor, booking):
    """The booking's fee as a one-off charge on the house's account, in the site's language
    (the fee item and the line are the company's records, not one reader's page)."""
    start = timezone.localtime(booking.starts_at)
    with translation.override(settings.LANGUAGE_CODE):
        billing.charge_service_fee(
            actor=actor,
            house=booking.house,
            amount=booking.amount,
            description=_("%(space)s booking %(n)s, %(day)s")
            % {
                "space": booking.space.name,
                "n": booking.number,
                "day": f"{start:%Y-%m-%d %H:%M}",
            },
            source=fee_source(booking),
            item_name=_("Shared space fee"),
            basis=_("The fee per slot shown on the space's booking page"),
        )


def fee_bill(booking):
    """The bill of the booking's fee, or None (free, the service's own use, or older)."""
    return billing_selectors.charge_bills([fee_source(booking)]).get(fee_source(booking))


def _take_back_fee(actor, booking, reason):
    """A cancelled or refused booking owes nothing: its charge is credited (a part already paid
    goes to the house's prepayment)."""
    if booking.amount > 0 and fee_bill(booking) is not None:
        billing.cancel_service_fee(
            actor=actor,
            source=fee_source(booking),
            reason=_("Booking %(n)s cancelled: %(r)s")
            % {"n": booking.number, "r": reason or _("by the resident")},
        )


def fee_paid(*, source, bill, payment=None):
    """Billing says the booking's fee is paid (online or at the desk): the booking is confirmed,
    and a space in the common parts posts the fee to the public income."""
    pk = source.removeprefix(FEE_SOURCE)
    if not pk.isdigit():
        return
    booking = (
        Booking.objects.select_for_update(of=("self",))  # the house is an outer join
        .select_related("space", "community", "house")
        .filter(pk=int(pk))
        .first()
    )
    if booking is None or booking.paid_at:
        return
    now = timezone.now()
    before = {"status": booking.status}
    if booking.status == BookingStatus.UNPAID:
        booking.status = booking.machine.check("pay", booking.status)
    if booking.space.common_part:
        start = timezone.localtime(booking.starts_at)
        booking.income_entry = governance.record_income(
            actor=None,
            community=booking.community,
            kind=IncomeKind.INCOME,
            category=IncomeCategory.VENUE,
            amount=booking.amount,
            occurred_on=timezone.localdate(now),
            description=_("%(space)s booking %(n)s, %(day)s")
            % {"space": booking.space.name, "n": booking.number, "day": f"{start:%Y-%m-%d %H:%M}"},
            counterparty=str(booking.house or ""),
        )
    booking.paid_at = now
    booking.paid_method = payment.method if payment is not None else "prepaid"
    booking.save(update_fields=["status", "paid_at", "paid_method", "income_entry"])
    audit.record(
        None,
        "spaces.booking.paid",
        booking,
        before=before,
        after={"status": booking.status, "amount": str(booking.amount), "bill": bill.pk},
    )
    if before["status"] != booking.status:
        _tell_booker(booking, "confirmed", gettext_lazy("Your booking is confirmed"))


def _describe(booking):
    start = timezone.localtime(booking.starts_at)
    end = timezone.localtime(booking.ends_at)
    return f"{booking.space.name} {start:%Y-%m-%d %H:%M}-{end:%H:%M} · {booking.purpose}"


def _lock(booking):
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("space", "community")
        .get(pk=booking.pk)
    )


def _tell_booker(booking, step, title, *, once=False):
    """The booker hears of their booking (``spaces.booking.<step>``) in their language."""
    if booking.person_id:
        return notify(
            list(User.objects.filter(person_id=booking.person_id, is_active=True)),
            title,
            _describe(booking),
            link="/app/spaces/",
            community=booking.community,
            channels=("inbox", "wechat") if step in ("reminder", "cancelled") else ("inbox",),
            event=f"spaces.booking.{step}",
            once=once,
        )
    return []


REMIND_BEFORE = timedelta(hours=2)


def remind_bookers(now=None):
    """Two hours before a confirmed booking starts, its booker hears once (预约提醒)."""
    now = now or timezone.now()
    due = Booking.objects.filter(
        status=BookingStatus.CONFIRMED, starts_at__gt=now, starts_at__lte=now + REMIND_BEFORE
    ).select_related("space", "community")
    told = 0
    for booking in due:
        told += len(
            _tell_booker(
                booking, "reminder", gettext_lazy("Reminder: your booking starts soon"), once=True
            )
        )
    return told


def _decide(actor, booking, action, note=""):
    booking = _lock(booking)
    _require(actor, "spaces.booking.manage", booking.community_id)
    target = booking.machine.check(action, booking.status)
    awaits_fee = booking.amount > 0 and not booking.paid_at and fee_bill(booking) is not None
    if target == BookingStatus.CONFIRMED and awaits_fee:  # approved: now it waits for its fee
        target = BookingStatus.UNPAID
    before = {"status": booking.status}
    booking.status, booking.note = target, note or booking.note
    booking.decided_by, booking.decided_at = actor, timezone.now()
    booking.save(update_fields=["status", "note", "decided_by", "decided_at"])
    audit.record(
        actor, f"spaces.booking.{action}", booking, before=before, after={"status": target}
    )
    return booking


@transaction.atomic
def approve(*, actor, booking):
    booking = _decide(actor, booking, "approve")
    if booking.status == BookingStatus.UNPAID:
        _tell_booker(
            booking,
            "approved",
            gettext_lazy("Your booking is approved: pay its fee in Pay to confirm it"),
        )
    else:
        _tell_booker(booking, "confirmed", gettext_lazy("Your booking is confirmed"))
    return booking


@transaction.atomic
def reject(*, actor, booking, reason):
    if not str(reason or "").strip():
        refuse("reason", _("Give the reason, so that the resident understands."))
    booking = _decide(actor, booking, "reject", reason.strip())
    _take_back_fee(actor, booking, reason.strip())
    _tell_booker(booking, "rejected", gettext_lazy("Your booking was not approved"))
    return booking


@transaction.atomic
def cancel(*, actor, booking, reason="", now=None):
    """The booker cancels up to ``cancel_before_minutes`` before the start; staff who manage
    bookings may cancel any booking not yet used, with a reason, and the resident is told. A
    collected fee is refunded: its public-income entry is reversed."""
    now = now or timezone.now()
    booking = _lock(booking)
    target = booking.machine.check("cancel", booking.status)
    as_staff = policy.staff_has(actor, "spaces.booking.manage", booking.community_id)
    own = bool(actor.person_id) and actor.person_id == booking.person_id
    if not as_staff and not own:
        raise Forbidden(_("Only the resident who booked, or the service centre, may cancel."))
    reason = str(reason or "").strip()
    if as_staff and not own and not reason:
        refuse("reason", _("Give the reason, so that the resident understands."))
    if not as_staff:
        limit = booking.starts_at - timedelta(minutes=setting("cancel_before_minutes"))
        if now > limit:
            refuse(
                "status",
                _(
                    "Bookings can be cancelled up to %(n)s minutes before the start; please "
                    "call the service centre."
                )
                % {"n": setting("cancel_before_minutes")},
            )
    if booking.income_entry_id:
        governance.reverse_income(
            booking.income_entry,
            actor=actor,
            reason=_("Booking %(n)s cancelled: %(r)s")
            % {"n": booking.number, "r": reason or _("by the resident")},
        )
    _take_back_fee(actor, booking, reason)
    before = {"status": booking.status}
    booking.status, booking.note = target, reason
    booking.decided_by, booking.decided_at = actor, now
    booking.save(update_fields=["status", "note", "decided_by", "decided_at"])
    audit.record(actor, "spaces.booking.cancel", booking, before=before, after={"status": target})
    if not own:
        _tell_booker(booking, "cancelled", gettext_lazy("Your booking was cancelled"))
    return booking


@transaction.atomic
def check_in(*, actor, booking, now=None):
    """At the space: the booker themself, or staff who check bookings in (front desk, guard)."""
    now = now or timezone.now()
    booking = _lock(booking)
    target = booking.machine.check("check-in", booking.status)
    own = bool(actor.person_id) and actor.person_id == booking.person_id
    if not own and not policy.staff_has(actor, "spaces.booking.checkin", booking.community_id):
        raise Forbidden(_("Only the resident who booked, or the service centre, may check in."))
    if not check_in_open(booking, now):
        refuse(
            "status",
            _("Check-in opens %(n)s minutes before the start and closes at the end.")
            % {"n": setting("checkin_early_minutes")},
        )
    booking.status, booking.checked_in_at = target, now
    booking.save(update_fields=["status", "checked_in_at"])
    audit.record(actor, "spaces.booking.check-in", booking, after={"status": target})
    return booking


@transaction.atomic
def collect_fee(*, actor, booking, method):
    """收取场地费 at the desk. A space in the common parts posts the fee to the community's
    public-income ledger (公共收益, venue rental), where the disclosure reads it."""
    from anju.billing.choices import recordable_methods

    booking = _lock(booking)
    _require(actor, "spaces.booking.collect", booking.community_id)
    if fee_bill(booking) is not None:
        refuse(
            "method",
            _(
                "The fee is on the house's bill: take it at the cashier desk, or the resident pays "
                "it online."
            ),
        )
    booking.machine.check("collect", booking.status)
    if booking.amount <= 0:
        refuse("method", _("This booking is free."))
    if booking.paid_at:
        refuse("method", _("The fee of this booking is already collected."))
    methods = [value for value, _label in recordable_methods()]
    if method not in methods:
        refuse("method", _("Choose how the fee was paid."))
    now = timezone.now()
    if booking.space.common_part:
        start = timezone.localtime(booking.starts_at)
        booking.income_entry = governance.record_income(
            actor=actor,
            community=booking.community,
            kind=IncomeKind.INCOME,
            category=IncomeCategory.VENUE,
            amount=booking.amount,
            occurred_on=timezone.localdate(now),
            description=_("%(space)s booking %(n)s, %(day)s")
            % {"space": booking.space.name, "n": booking.number, "day": f"{start:%Y-%m-%d %H:%M}"},
            counterparty=str(booking.house or ""),
        )
    booking.paid_at, booking.paid_method = now, method
    booking.save(update_fields=["paid_at", "paid_method", "income_entry"])
    audit.record(
        actor,
        "spaces.booking.collected",
        booking,
        after={"amount": str(booking.amount), "method": method},
    )
    return booking


def sweep(*, now=None):
    """Periodic: a confirmed booking not checked in ``no_show_grace_minutes`` after its start
    is a no-show; a checked-in booking whose time is over is completed; a booking still awaiting
    approval at its start lapses (rejected, with the reason). Returns the counts."""
    now = now or timezone.now()
    grace = timedelta(minutes=setting("no_show_grace_minutes"))
    steps = [
        (Q(status=BookingStatus.CONFIRMED, starts_at__lte=now - grace), BookingStatus.NO_SHOW, ""),
        (Q(status=BookingStatus.CHECKED_IN, ends_at__lte=now), BookingStatus.COMPLETED, ""),
        (
            Q(status=BookingStatus.PENDING, starts_at__lte=now),
            BookingStatus.REJECTED,
            _("Not approved before the start."),
        ),
        (
            Q(status=BookingStatus.UNPAID, starts_at__lte=now),
            BookingStatus.CANCELLED,
            _("The fee was not paid before the start."),
        ),
    ]
    counts = {}
    for condition, target, note in steps:
        with transaction.atomic():
            rows = list(Booking.objects.select_for_update(skip_locked=True).filter(condition))
            for booking in rows:
                before = booking.status
                booking.status = target
                booking.note = note or booking.note
                booking.save(update_fields=["status", "note"])
                if target in (BookingStatus.REJECTED, BookingStatus.CANCELLED):
                    _take_back_fee(None, booking, note)
                    lapsed = (
                        gettext_lazy("Your booking was not approved before its start")
                        if target == BookingStatus.REJECTED
                        else gettext_lazy(
                            "Your booking was cancelled: its fee was not paid in time"
                        )
                    )
                    _tell_booker(booking, str(target), lapsed)
                audit.record(
                    None,
                    f"spaces.booking.{target}",
                    booking,
                    before={"status": before},
                    after={"status": target},
                )
        counts[str(target)] = len(rows)
    return counts
