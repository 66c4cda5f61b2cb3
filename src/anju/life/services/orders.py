"""Paid home services (有偿服务): the published catalogue (明码标价), a resident's order worked as
a service-desk ticket (same SLA, dispatch and return visit), the technician's quote of extra
materials that the resident accepts or declines before work goes on, and the bill paid online
after the work. The income is the company's own: nothing here posts to the owners' public
income ledger."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.billing import services as billing
from anju.core import audit, policy
from anju.core.errors import Forbidden, InvalidTransition, refuse
from anju.core.money import ZERO
from anju.core.numbering import next_number
from anju.servicedesk import services as servicedesk
from anju.servicedesk.choices import Category, Channel, Kind

from ..choices import ORDER_SOURCE_PREFIX, OrderStatus, QuoteDecision
from ..models import ServiceOffering, ServiceOrder
from ..selectors import order_actions, work_done
from .common import company_wide, money, require_staff, resident_of, tell_household

OFFERING_FIELDS = ("name", "price", "unit", "description", "materials_extra", "published")
ORDERS_LINK = "/app/life/orders/"


# Catalogue -----------------------------------------------------------------------------------


def _check_offering(values):
    name = str(values.get("name") or "").strip()
    if not name:
        refuse("name", _("Enter the service's name."))
    if not str(values.get("unit") or "").strip():
        refuse("unit", _("Enter the unit the price is for, e.g. per visit."))
    if not str(values.get("description") or "").strip():
        refuse("description", _("Say what the price includes."))
    values["price"] = money(values.get("price"), "price")
    values["name"] = name[:100]
    values["unit"] = str(values["unit"]).strip()[:20]
    values["description"] = str(values["description"]).strip()


@transaction.atomic
def save_offering(*, actor, community=None, organization=None, offering=None, **values):
    """Create a catalogue entry of ``community`` (or, with ``organization`` only, of the whole
    company) or change ``offering``; ``values`` are ``OFFERING_FIELDS``."""
    unknown = set(values) - set(OFFERING_FIELDS)
    if unknown:
        raise TypeError(f"unknown offering fields: {sorted(unknown)}")
    if offering is None:
        if community is not None:
            require_staff(actor, "life.offering.manage", community.pk)
            offering = ServiceOffering(
                organization_id=community.organization_id, community=community
            )
        elif organization is not None:
            if not company_wide(actor, "life.offering.manage", organization.pk):
                raise Forbidden(_("Only the company's own staff keep its company-wide services."))
            offering = ServiceOffering(organization=organization)
        else:
            refuse("community", _("Choose the community, or the company for all communities."))
        before = None
    else:
        offering = ServiceOffering.objects.select_for_update().get(pk=offering.pk)
        if offering.community_id:
            require_staff(actor, "life.offering.manage", offering.community_id)
        elif not company_wide(actor, "life.offering.manage", offering.organization_id):
            raise Forbidden(_("Only the company's own staff keep its company-wide services."))
        before = audit.snapshot(offering, OFFERING_FIELDS)
    merged = {name: getattr(offering, name) for name in OFFERING_FIELDS} | values
    _check_offering(merged)
    for name, value in merged.items():
        setattr(offering, name, value)
    offering.save()
    audit.record(
        actor,
        "life.offering.created" if before is None else "life.offering.changed",
        offering,
        before=before,
        after=audit.snapshot(offering, OFFERING_FIELDS),
        community=offering.community,
    )
    return offering


# Ordering ------------------------------------------------------------------------------------


def _describe(order):
    when = timezone.localtime(order.appointment_at)
    return f"{order.offering.name} · {when:%Y-%m-%d %H:%M} · {order.house}"


def _lock(order):
    return (
        ServiceOrder.objects.select_for_update(of=("self",))
        .select_related("offering", "house__building", "community", "ticket")
        .get(pk=order.pk)
    )


def _refuse_state(order, action):
    allowed = order_actions(order)
    if action not in allowed:
        raise InvalidTransition(action, order.status, allowed, machine=ServiceOrder.machine)


@transaction.atomic
def place_order(*, actor, offering, house, appointment_at, note="", now=None):
    """下单: a resident orders a published service for one of their homes at a time; staff who
    take orders may record one for a house (a call). The order is a service-desk ticket of the
    category 有偿服务, with the desk's SLA, dispatch and return visit."""
    now = now or timezone.now()
    as_staff = policy.staff_has(actor, "life.order.manage", house.community_id)
    if not as_staff and not resident_of(actor, house):
        refuse("house", _("Choose one of your homes."))
    offering = ServiceOffering.objects.get(pk=offering.pk)
    in_reach = offering.community_id == house.community_id or (
        offering.community_id is None and offering.organization_id == house.organization_id
    )
    if not in_reach or not offering.published:
        refuse("offering", _("This service is not offered in your community."))
    if appointment_at is None:
        refuse("appointment_at", _("Choose the time you want the service."))
    earliest = now + timedelta(minutes=settings.ANJU_LIFE_ORDER_LEAD_MINUTES)
    if appointment_at < earliest:
        refuse(
            "appointment_at",
            _("Choose a time at least %(n)s minutes from now.")
            % {"n": settings.ANJU_LIFE_ORDER_LEAD_MINUTES},
        )
    if appointment_at > now + timedelta(days=settings.ANJU_LIFE_ORDER_DAYS_AHEAD):
        refuse(
            "appointment_at",
            _("Services can be booked up to %(n)s days ahead.")
            % {"n": settings.ANJU_LIFE_ORDER_DAYS_AHEAD},
        )
    note = str(note or "").strip()[:300]
    order = ServiceOrder.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        offering=offering,
        number=next_number("FW", house.community_id, now),
        house=house,
        person_id=None if as_staff else actor.person_id,
        appointment_at=appointment_at,
        note=note,
        price=offering.price,
        created_by=actor,
    )
    with translation.override(settings.LANGUAGE_CODE):
        description = _("Paid service %(number)s: %(name)s, %(price)s %(unit)s. %(note)s") % {
            "number": order.number,
            "name": offering.name,
            "price": offering.price,
            "unit": offering.unit,
            "note": note,
        }
    order.ticket = servicedesk.create_ticket(
        actor=actor,
        community=house.community,
        kind=Kind.REPAIR,
        category=Category.HOME_SERVICE,
        description=description.strip(),
        channel=Channel.PHONE if as_staff else Channel.PORTAL,
        house=house,
        source=order,
        title=offering.name,
        appointment_at=appointment_at,
        now=now,
    )
    order.save(update_fields=["ticket"])
    audit.record(actor, "life.order.created", order, after=audit.snapshot(order))
    return order


def _may_quote(actor, order):
    ticket = order.ticket
    if ticket is not None and actor.pk == ticket.assignee_id:
        return True
    return policy.staff_has(actor, "life.order.quote", order.community_id)


@transaction.atomic
def quote(*, actor, order, amount, note):
    """The technician quotes the extra materials (报价); the work waits for the resident, the
    service desk's clock paused, and the resident hears at once."""
    order = _lock(order)
    if not _may_quote(actor, order):
        raise Forbidden(_("Only the technician of the order, or the service centre, may quote."))
    _refuse_state(order, "quote")
    if not order.offering.materials_extra:
        refuse("amount", _("This service's price includes its materials: nothing to quote."))
    amount = money(amount, "amount", positive=True)
    note = str(note or "").strip()
    if not note:
        refuse("note", _("Say which materials the quote is for."))
    before = {"status": order.status}
    order.status = order.machine.check("quote", order.status)
    order.quote_amount, order.quote_note = amount, note[:300]
    order.quote_decision = QuoteDecision.PENDING
    order.save(update_fields=["status", "quote_amount", "quote_note", "quote_decision"])
    ticket = order.ticket
    if ticket is not None and "wait" in ticket.allowed_actions():
        servicedesk.wait_for_resident(
            actor=actor,
            ticket=ticket,
            reason=_("Materials quoted: %(amount)s, %(note)s")
            % {"amount": amount, "note": note[:150]},
        )
    audit.record(
        actor,
        "life.order.quoted",
        order,
        before=before,
        after={"status": order.status, "quote_amount": str(amount), "quote_note": note},
    )
    tell_household(
        order.house,
        order.person_id,
        gettext_lazy("A quote for materials awaits you"),
        f"{_describe(order)} · ¥{amount} · {note[:100]}",
        link=ORDERS_LINK,
        community=order.community,
        event="life.order.quoted",
    )
    return order


def _decide(actor, order, action, decision):
    order = _lock(order)
    if not resident_of(actor, order.house) and not policy.staff_has(
        actor, "life.order.manage", order.community_id
    ):
        raise Forbidden(_("Only the household, or the service centre on its word, decides."))
    _refuse_state(order, action)
    before = {"status": order.status, "quote_decision": order.quote_decision}
    order.status = order.machine.check(action, order.status)
    order.quote_decision = decision
    order.save(update_fields=["status", "quote_decision"])
    ticket = order.ticket
    if ticket is not None and "resume" in ticket.allowed_actions():
        servicedesk.resume(
            actor=actor,
            ticket=ticket,
            note=_("Quote accepted: go on with the materials.")
            if decision == QuoteDecision.ACCEPTED
            else _("Quote declined: go on without the extra materials."),
        )
    audit.record(
        actor,
        f"life.order.{action}",
        order,
        before=before,
        after={"status": order.status, "quote_decision": decision},
    )
    return order


@transaction.atomic
def accept_quote(*, actor, order):
    """The resident accepts the materials: they are added to what the order costs."""
    return _decide(actor, order, "accept-quote", QuoteDecision.ACCEPTED)


@transaction.atomic
def decline_quote(*, actor, order):
    """The resident declines the materials: the work goes on without them, at the price."""
    return _decide(actor, order, "decline-quote", QuoteDecision.DECLINED)


def order_source(order):
    return f"{ORDER_SOURCE_PREFIX}{order.pk}"


@transaction.atomic
def pay(*, actor, order):
    """After the work: the order's total (price, plus accepted materials) becomes a bill of the
    house, paid online on billing's pay page. Returns the order (``UNPAID`` with its bill, or
    ``PAID`` when nothing is owed)."""
    order = _lock(order)
    if not resident_of(actor, order.house) and not policy.staff_has(
        actor, "life.order.manage", order.community_id
    ):
        raise Forbidden(_("Only the household pays its orders."))
    _refuse_state(order, "pay")
    if order.status == OrderStatus.UNPAID:
        return order  # billed already: pay that bill
    before = {"status": order.status}
    order.amount = order.total
    order.status = order.machine.check("pay", order.status)
    if order.amount == 0:
        order.status, order.paid_at, order.paid_method = OrderStatus.PAID, timezone.now(), "free"
    order.save(update_fields=["status", "amount", "paid_at", "paid_method"])
    audit.record(
        actor,
        "life.order.billed",
        order,
        before=before,
        after={"status": order.status, "amount": str(order.amount)},
    )
    if order.amount > 0:
        when = timezone.localtime(order.appointment_at)
        with translation.override(settings.LANGUAGE_CODE):
            billing.charge_service_fee(
                actor=actor,
                house=order.house,
                amount=order.amount,
                description=_("%(name)s, order %(n)s, %(day)s")
                % {"name": order.offering.name, "n": order.number, "day": f"{when:%Y-%m-%d}"},
                source=order_source(order),
                item_name=_("Paid home service"),
                basis=_("The published price of the service, and materials the resident accepted"),
            )
    return order


def order_paid(*, source, bill, payment=None):
    """Billing says the order's bill is paid: the order is paid. The money is the company's
    own service income (billing's), never the owners' public income."""
    pk = source.removeprefix(ORDER_SOURCE_PREFIX)
    if not pk.isdigit():
        return
    order = ServiceOrder.objects.select_for_update().filter(pk=int(pk)).first()
    if order is None or order.status != OrderStatus.UNPAID:
        return
    order.status = order.machine.check("settle", order.status)
    order.paid_at = timezone.now()
    order.paid_method = payment.method if payment is not None else "prepaid"
    order.save(update_fields=["status", "paid_at", "paid_method"])
    audit.record(
        None,
        "life.order.paid",
        order,
        before={"status": OrderStatus.UNPAID},
        after={"status": order.status, "bill": bill.pk, "method": order.paid_method},
    )


@transaction.atomic
def cancel(*, actor, order, reason=""):
    """Cancel an order before the technician takes it on (its ticket is cancelled too)."""
    order = _lock(order)
    as_staff = policy.staff_has(actor, "life.order.manage", order.community_id)
    if not as_staff and not resident_of(actor, order.house):
        raise Forbidden(_("Only the household, or the service centre, may cancel."))
    _refuse_state(order, "cancel")
    reason = str(reason or "").strip()[:300]
    if as_staff and not resident_of(actor, order.house) and not reason:
        refuse("reason", _("Give the reason, so that the resident understands."))
    before = {"status": order.status}
    order.status = order.machine.check("cancel", order.status)
    order.cancel_reason = reason
    order.save(update_fields=["status", "cancel_reason"])
    if order.ticket is not None:
        servicedesk.cancel(actor=actor, ticket=order.ticket, reason=reason or _("by the resident"))
    audit.record(
        actor, "life.order.cancelled", order, before=before, after={"status": order.status}
    )
    return order


@transaction.atomic
def refund(*, actor, order, reason, keep_as_prepayment=False):
    """退款 of a paid order called off or disputed (a complaint upheld), by the cashier or the
    manager: billing's usual path, a credit note (红字冲减) for the order's bill moves what was
    paid to the household's prepayment, which is then paid back (billing's prepayment refund,
    paid out by hand: no provider refund is offered) unless ``keep_as_prepayment``. The whole
    amount billed is refunded, once; the order shows it."""
    order = _lock(order)
    require_staff(actor, "life.order.refund", order.community_id)
    _refuse_state(order, "refund")
    reason = str(reason or "").strip()
    if not reason:
        refuse("reason", _("Give the reason for the refund, so that the resident understands."))
    if order.amount <= 0:
        refuse("amount", _("Nothing was paid for this order: there is nothing to refund."))
    reason = reason[:300]
    before = {"status": order.status}
    text = _("Refund of order %(n)s: %(reason)s") % {"n": order.number, "reason": reason}
    with translation.override(settings.LANGUAGE_CODE):
        notes = billing.cancel_service_fee(actor=actor, source=order_source(order), reason=text)
        amount = sum((note.amount for note in notes), ZERO)
        if amount > 0 and not keep_as_prepayment:
            billing.refund_prepayment(actor=actor, house=order.house, amount=amount, reason=text)
    order.status = order.machine.check("refund", order.status)
    order.refunded_amount, order.refund_reason = amount, reason
    order.refund_kept = bool(keep_as_prepayment)
    order.refunded_at, order.refunded_by = timezone.now(), actor
    order.save(
        update_fields=[
            "status",
            "refunded_amount",
            "refund_reason",
            "refund_kept",
            "refunded_at",
            "refunded_by",
        ]
    )
    audit.record(
        actor,
        "life.order.refunded",
        order,
        before=before,
        after={
            "status": order.status,
            "refunded_amount": str(amount),
            "reason": reason,
            "kept_as_prepayment": order.refund_kept,
            "credit_notes": [note.number for note in notes],
        },
    )
    if keep_as_prepayment:  # billing tells the household of a refund paid back itself
        tell_household(
            order.house,
            order.person_id,
            gettext_lazy("Your service order was refunded to your prepayment"),
            f"{_describe(order)} · ¥{amount} · {reason[:100]}",
            link=ORDERS_LINK,
            community=order.community,
            event="life.order.refunded",
        )
    return order


@transaction.atomic
def rate(*, actor, order, score, comment=""):
    """The resident confirms the work and rates it (the ticket's own confirmation and rating,
    which the return visit and the staff measures read)."""
    order = _lock(order)
    if not resident_of(actor, order.house) and not policy.staff_has(
        actor, "life.order.manage", order.community_id
    ):  # the service centre records a rating given on the phone (the return visit)
        raise Forbidden(_("Only the household rates its orders."))
    ticket = order.ticket
    if ticket is None or not work_done(order):
        raise InvalidTransition("rate", order.status, order_actions(order), machine=order.machine)
    if ticket.rating is not None:
        refuse("score", _("You have rated this order already."))
    if "confirm" in ticket.allowed_actions():
        servicedesk.confirm(actor=actor, ticket=ticket, score=score, comment=comment)
    else:
        servicedesk.rate(actor=actor, ticket=ticket, score=score, comment=comment)
    audit.record(actor, "life.order.rated", order, after={"score": str(score)})
    return _lock(order)
