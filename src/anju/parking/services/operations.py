"""Parking: every write, keyword-only ``actor``, atomic, audited.

Gate events open and close sessions (``record_event``); an exit with an amount still owed is
recorded as an unpaid exit (a debt of the plate), never held at the barrier. Temporary parking
income of a lot on the common parts is posted as the community's public income
(``governance.services.record_income``, category parking) when it is paid."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import attachments, audit, policy
from anju.core.choices import ActorType, HouseUsage
from anju.core.errors import Conflict, DomainError, Forbidden, full_clean, refuse
from anju.core.money import ZERO, quantize
from anju.gate import services as gate_services
from anju.governance import services as governance
from anju.governance.choices import IncomeCategory, IncomeKind

from .. import fees, law, selectors
from ..choices import Direction, PayMethod, SessionState, ShareBookingStatus, SpaceKind
from ..models import (
    FeeRule,
    Gate,
    ParkingEvent,
    ParkingLot,
    ParkingSpace,
    Session,
    ShareBooking,
    Vehicle,
)
from ..plates import check_plate

LOT_FIELDS = ("name", "kind", "common_part", "active")
GATE_FIELDS = ("name", "direction")
SPACE_FIELDS = ("number", "kind", "house", "holder", "state")
VEHICLE_FIELDS = ("plate", "person", "active")
RULE_FIELDS = (
    "free_minutes",
    "first_hour",
    "per_hour",
    "day_cap",
    "grace_minutes",
    "night_from",
    "night_until",
    "night_flat",
)


def _require(actor, perm, community_id):
    if actor is not None and not policy.staff_has(actor, perm, community_id):
        raise Forbidden(_("You may not do this in this community."))


def require(*, actor, perm, community_id):
    """Refuse ``actor`` without the staff permission ``perm`` in the community (None: a
    gateway or the system)."""
    _require(actor, perm, community_id)


def save_row(*, actor, obj, fields, values, code, before):
    """Set ``values`` on ``obj``, validate, save and audit it (created or changed)."""
    return _save(actor, obj, fields, values, code, before)


def _require_vehicle(actor, house):
    """The office manages every vehicle; a resident registers and removes their home's own."""
    if (
        actor is not None
        and not policy.staff_has(actor, "parking.vehicle.manage", house.community_id)
        and not (
            house.pk in actor.resident_house_ids()
            and policy.user_has(actor, "parking.vehicle.register", house.community_id)
        )
    ):
        raise Forbidden(_("You may not do this in this community."))


def unknown_fields(values, allowed):
    unknown = set(values) - set(allowed)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")


def _save(actor, obj, fields, values, code, before):
    for name, value in values.items():
        setattr(obj, name, value)
    full_clean(obj)
    obj.save()
    audit.record(
        actor,
        f"{code}.created" if before is None else f"{code}.changed",
        obj,
        before=before,
        after=audit.snapshot(obj, fields),
    )
    return obj


def _in_community(obj, community_id, field):
    if obj is not None and obj.community_id != community_id:
        refuse(field, _("Choose one of this community's."))


# Lots, gates, spaces ---------------------------------------------------------------------


@transaction.atomic
def save_lot(*, actor, community=None, lot=None, **values):
    unknown_fields(values, LOT_FIELDS)
    if lot is None:
        _require(actor, "parking.lot.manage", community.pk)
        lot, before = (
            ParkingLot(organization_id=community.organization_id, community=community),
            None,
        )
    else:
        lot = ParkingLot.objects.select_for_update().get(pk=lot.pk)
        _require(actor, "parking.lot.manage", lot.community_id)
        before = audit.snapshot(lot, LOT_FIELDS)
    if "name" in values:
        values["name"] = str(values["name"] or "").strip()
        if not values["name"]:
            refuse("name", _("Enter the lot's name."))
    if (
        ParkingLot.objects.filter(community=lot.community, name=values.get("name", lot.name))
        .exclude(pk=lot.pk)
        .exists()
    ):
        refuse("name", _("This community already has a lot of that name."))
    return _save(actor, lot, LOT_FIELDS, values, "parking.lot", before)


@transaction.atomic
def save_gate(*, actor, lot, **values):
    unknown_fields(values, GATE_FIELDS)
    _require(actor, "parking.lot.manage", lot.community_id)
    gate = Gate(organization_id=lot.organization_id, community_id=lot.community_id, lot=lot)
    return _save(actor, gate, GATE_FIELDS, values, "parking.gate", None)


@transaction.atomic
def save_space(*, actor, lot=None, space=None, **values):
    unknown_fields(values, SPACE_FIELDS)
    if space is None:
        _require(actor, "parking.lot.manage", lot.community_id)
        space = ParkingSpace(
            organization_id=lot.organization_id, community_id=lot.community_id, lot=lot
        )
        before = None
    else:
        space = ParkingSpace.objects.select_for_update().get(pk=space.pk)
        _require(actor, "parking.lot.manage", space.community_id)
        before = audit.snapshot(space, SPACE_FIELDS)
    if "number" in values:
        values["number"] = str(values["number"] or "").strip().upper()
        if not values["number"]:
            refuse("number", _("Enter the space's number."))
        if (
            ParkingSpace.objects.filter(lot_id=space.lot_id, number=values["number"])
            .exclude(pk=space.pk)
            .exists()
        ):
            refuse("number", _("This lot already has a space of that number."))
    house = values.get("house", space.house if space.pk else None)
    _in_community(house, space.community_id, "house")
    if house is not None and house.usage != HouseUsage.PARKING:
        refuse("house", _("Choose a house of usage “parking space”."))
    if values.get("kind", space.kind) == SpaceKind.OWNED and house is None:
        refuse("house", _("An owned space is a house of usage “parking space”: choose it."))
    return _save(actor, space, SPACE_FIELDS, values, "parking.space", before)


# Vehicles -----------------------------------------------------------------------------------


@transaction.atomic
def save_vehicle(*, actor, house=None, vehicle=None, **values):
    """Register a vehicle of ``house`` or change ``vehicle``: one active vehicle per plate in the
    organization, at most ANJU_PARKING_VEHICLES_PER_HOUSE active vehicles per house."""
    unknown_fields(values, VEHICLE_FIELDS)
    if vehicle is None:
        _require_vehicle(actor, house)
        vehicle = Vehicle(
            organization_id=house.organization_id, community_id=house.community_id, house=house
        )
        before = None
        if "plate" not in values:
            refuse("plate", _("Enter the plate number."))
    else:
        vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
        _require_vehicle(actor, vehicle.house)
        before = audit.snapshot(vehicle, VEHICLE_FIELDS)
    if "plate" in values:
        values["plate"] = check_plate(values["plate"])
    person = values.get("person")
    if person is not None and person.organization_id != vehicle.organization_id:
        refuse("person", _("Choose one of this community's."))
    active = values.get("active", vehicle.active)
    plate = values.get("plate", vehicle.plate)
    if active:
        if (
            Vehicle.objects.filter(
                organization_id=vehicle.organization_id, plate=plate, active=True
            )
            .exclude(pk=vehicle.pk)
            .exists()
        ):
            refuse("plate", _("A vehicle with this plate number is already registered."))
        # Count under the house's lock, so two registrations at once respect the limit.
        type(vehicle.house).objects.select_for_update().filter(pk=vehicle.house_id).first()
        limit = settings.ANJU_PARKING_VEHICLES_PER_HOUSE
        others = selectors.active_vehicles_of(vehicle.house).exclude(pk=vehicle.pk).count()
        if others >= limit:
            refuse(
                "house",
                _("A house may register at most %(n)s vehicles; deactivate one first.")
                % {"n": limit},
            )
    try:
        with transaction.atomic():
            return _save(actor, vehicle, VEHICLE_FIELDS, values, "parking.vehicle", before)
    except IntegrityError:
        refuse("plate", _("A vehicle with this plate number is already registered."))


# Fee rules and passes -----------------------------------------------------------------------


def _check_rule(values):
    errors = {}
    for name in ("first_hour", "per_hour", "day_cap"):
        value = values.get(name)
        try:
            ok = value is not None and Decimal(value) >= 0 and quantize(value) == Decimal(value)
        except (InvalidOperation, TypeError, ValueError):
            ok = False
        if not ok:
            errors[name] = [_("Enter an amount of 0 or more, with at most two decimals.")]
    for name in ("free_minutes", "grace_minutes"):
        value = values.get(name)
        if value is None or int(value) < 0 or int(value) > 24 * 60:
            errors[name] = [_("Enter 0 to 1440 minutes.")]
    night = [values.get(n) for n in ("night_from", "night_until", "night_flat")]
    if any(v is not None for v in night):
        if any(v is None for v in night):
            errors["night_flat"] = [_("A night rate needs its start, its end and its charge.")]
        elif values["night_from"] == values["night_until"]:
            errors["night_until"] = [_("The night must end at another time than it starts.")]
        elif Decimal(values["night_flat"]) < 0:
            errors["night_flat"] = [_("Enter an amount of 0 or more, with at most two decimals.")]
    if errors:
        raise DomainError(next(iter(errors.values()))[0], fields=errors)


@transaction.atomic
def save_rule(*, actor, lot=None, rule=None, **values):
    """Set the fee rule of ``lot`` (one per lot) or change ``rule``."""
    unknown_fields(values, RULE_FIELDS)
    if rule is None:
        _require(actor, "parking.lot.manage", lot.community_id)
        if FeeRule.objects.filter(lot=lot).exists():
            refuse("lot", _("This lot already has a fee rule: change it instead."))
        rule = FeeRule(organization_id=lot.organization_id, community_id=lot.community_id, lot=lot)
        before = None
    else:
        rule = FeeRule.objects.select_for_update().get(pk=rule.pk)
        _require(actor, "parking.lot.manage", rule.community_id)
        before = audit.snapshot(rule, RULE_FIELDS)
    merged = {name: getattr(rule, name) for name in RULE_FIELDS} | values
    _check_rule(merged)
    return _save(actor, rule, RULE_FIELDS, values, "parking.rule", before)


# Gate events and sessions -------------------------------------------------------------------


def _rule_of(lot):
    rule = FeeRule.objects.filter(lot=lot).first()
    if rule is None:  # a lot without a rule charges nothing
        return fees.Rule(0, ZERO, ZERO, ZERO)
    return rule


def quote(session, at=None) -> fees.Quote:
    """What ``session`` costs if it leaves at ``at`` (now), beyond what was paid."""
    at = at or timezone.now()
    if session.state not in (SessionState.OPEN, SessionState.PAID):
        amount = session.owed if session.state == SessionState.UNPAID_EXIT else ZERO
        minutes = fees.quote(fees.Rule(0, ZERO, ZERO, ZERO), session.entered_at, at).minutes
        return fees.Quote(amount, minutes, _("The vehicle has left."))
    if at < session.entered_at:
        refuse("at", _("This time is before the vehicle entered."))
    pass_valid = selectors.valid_pass(session.lot, session.plate, at) is not None
    paid_at = session.paid_at
    if session.share_booking_id:  # a booked shared space: its time is paid by the booking
        booked_until = session.share_booking.ends
        if at <= booked_until:
            minutes = fees.quote(fees.Rule(0, ZERO, ZERO, ZERO), session.entered_at, at).minutes
            return fees.Quote(ZERO, minutes, _("A paid booking of a shared space: no charge."))
        paid_at = max(paid_at or booked_until, booked_until)
    return fees.quote(
        _rule_of(session.lot),
        session.entered_at,
        at,
        paid_at=paid_at,
        pass_valid=pass_valid,
    )


def _event_actor(actor):
    return {"actor_type": ActorType.DEVICE} if actor is None else {}


@transaction.atomic
def record_event(*, actor, lot, plate, direction, at=None, gate=None, photo=None, photo_file=None):
    """A gate saw ``plate`` going ``direction`` at ``at``: an entry opens a session (a plate
    already inside keeps its session: the exit camera missed it), an exit closes the plate's
    session: left if nothing is owed, an unpaid exit (a debt) otherwise. An exit of a plate not
    inside is only logged. ``actor`` None is a gateway. ``photo_file``: the camera's picture
    (an upload; content-checked and re-encoded, refused before anything is written). Returns
    the event."""
    at = at or timezone.now()
    _require(actor, "parking.session.operate", lot.community_id)
    prepared = (
        attachments.prepare([photo_file], field="photo")[0] if photo_file is not None else None
    )
    if direction not in Direction.values:
        refuse("direction", _("Choose in or out."))
    plate = check_plate(plate)
    if gate is not None:
        if gate.lot_id != lot.pk:
            refuse("gate", _("Choose a gate of this lot."))
        if not gate.allows(direction):
            refuse("gate", _("This gate does not let vehicles through in that direction."))
    lot = ParkingLot.objects.select_for_update().get(pk=lot.pk)  # one event of a lot at a time
    session = selectors.inside_session(lot, plate)
    if direction == Direction.IN and session is None:
        session = Session.objects.create(
            organization_id=lot.organization_id,
            community_id=lot.community_id,
            lot=lot,
            plate=plate,
            entered_at=at,
        )
        # A paid booking of a shared space in this lot, for this plate, now: the stay is the
        # booking's (charged by it, used once).
        _enter_on_booking(actor, lot, session, at)
        # A resident's visitor pass carrying the plate counts this entry as the visitor's
        # (the visit's log, one of its entries); the stay is paid as any other.
        gate_services.use_pass_by_plate(
            actor=actor,
            community_id=lot.community_id,
            plate=plate,
            at=at,
            gate=gate.name if gate is not None else lot.name,
        )
    elif direction == Direction.OUT and session is not None:
        if at < session.entered_at:
            refuse("at", _("This time is before the vehicle entered."))
        owed = quote(session, at).amount
        action = "leave" if owed == 0 else "leave_unpaid"
        session.state = Session.machine.check(action, session.state)
        session.exited_at, session.owed = at, owed
        session.save(update_fields=["state", "exited_at", "owed"])
        if owed:
            audit.record(
                actor,
                "parking.session.unpaid_exit",
                session,
                after={"plate": plate, "owed": str(owed)},
                **_event_actor(actor),
            )
    event = ParkingEvent.objects.create(
        organization_id=lot.organization_id,
        community_id=lot.community_id,
        lot=lot,
        gate=gate,
        plate=plate,
        direction=direction,
        at=at,
        photo=photo,
        session=session,
    )
    if prepared is not None:
        event.photo = attachments.store(event, prepared, actor=actor, caption=plate)
        event.save(update_fields=["photo"])
    return event


def _enter_on_booking(actor, lot, session, at):
    booking = (
        ShareBooking.objects.select_for_update()
        .filter(
            window__space__lot=lot,
            plate=session.plate,
            status=ShareBookingStatus.PAID,
            starts__lte=at,
            ends__gt=at,
        )
        .order_by("starts")
        .first()
    )
    if booking is None:
        return None
    booking.status = ShareBooking.machine.check("use", booking.status)
    booking.used_at = at
    booking.save(update_fields=["status", "used_at"])
    session.share_booking = booking
    session.save(update_fields=["share_booking"])
    audit.record(
        actor,
        "parking.share.used",
        booking,
        after={"session": session.pk, "plate": session.plate},
        **_event_actor(actor),
    )
    return booking


@transaction.atomic
def pay(*, actor, session, method, amount, at=None):
    """Take the quoted fee of ``session`` at ``at`` (now) by ``method``; ``amount`` must equal
    the quote. A session that left without paying is settled by paying what it owes (it is then
    closed). The lot's income on the common parts goes to the public income ledger."""
    at = at or timezone.now()
    session = (
        Session.objects.select_for_update().select_related("lot__community").get(pk=session.pk)
    )
    _require(actor, "parking.session.collect", session.community_id)
    action = "settle" if session.state == SessionState.UNPAID_EXIT else "pay"
    target = session.machine.check(action, session.state)
    if method not in PayMethod.values:
        refuse("method", _("Choose cash, WeChat Pay or Alipay."))
    due = session.owed if action == "settle" else quote(session, at).amount
    try:
        amount = quantize(amount)
    except (ValueError, TypeError):
        refuse("amount", _("Enter the amount."))
    if due == 0:
        raise Conflict(_("Nothing is owed now."), fields={"amount": [_("Nothing is owed now.")]})
    if amount != due:
        refuse("amount", _("The amount due now is ¥%(due)s.") % {"due": due})
    before = {"state": session.state, "paid_amount": str(session.paid_amount)}
    session.state = target
    session.paid_amount += amount
    session.paid_at, session.paid_method = at, method
    if action == "settle":
        session.owed = ZERO
    session.save(update_fields=["state", "paid_amount", "paid_at", "paid_method", "owed"])
    if law.on_common_parts(session.lot):  # 民法典第275条第二款、第282条
        governance.record_income(
            actor=actor,
            community=session.lot.community,
            kind=IncomeKind.INCOME,
            category=IncomeCategory.PARKING,
            amount=amount,
            occurred_on=timezone.localdate(at),
            description=_("Temporary parking %(plate)s, %(lot)s, %(day)s")
            % {"plate": session.plate, "lot": session.lot.name, "day": f"{at:%Y-%m-%d %H:%M}"},
        )
    audit.record(
        actor,
        "parking.session.paid" if action == "pay" else "parking.session.settled",
        session,
        before=before,
        after={"amount": str(amount), "method": method, "paid_amount": str(session.paid_amount)},
    )
    return session


@transaction.atomic
def open_barrier(*, actor, gate, reason, at=None, plate=""):
    """A guard lifts the barrier by hand (a camera missed a plate, an ambulance): audited, with
    the reason required. Logged as an event of the gate; an entry of a readable plate opens its
    session with the reason kept on it."""
    _require(actor, "parking.session.operate", gate.community_id)
    reason = str(reason or "").strip()
    if not reason:
        refuse("reason", _("Say why the barrier is opened by hand."))
    at = at or timezone.now()
    direction = Direction.OUT if gate.direction == "out" else Direction.IN
    event = None
    if plate:
        event = record_event(
            actor=actor, lot=gate.lot, plate=plate, direction=direction, at=at, gate=gate
        )
        event.reason = reason
        event.save(update_fields=["reason"])
        if event.session is not None and direction == Direction.IN:
            Session.objects.filter(pk=event.session_id).update(opened_by_guard_reason=reason)
    else:
        event = ParkingEvent.objects.create(
            organization_id=gate.organization_id,
            community_id=gate.community_id,
            lot=gate.lot,
            gate=gate,
            direction=direction,
            at=at,
            reason=reason,
        )
    audit.record(actor, "parking.barrier.opened", gate, after={"reason": reason, "plate": plate})
    return event


def stay_minutes(session, at=None):
    end = session.exited_at or at or timezone.now()
    return max(0, int((end - session.entered_at) / timedelta(minutes=1)))
