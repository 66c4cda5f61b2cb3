"""Working a ticket: arrival, the paused clock, appointments, priority changes, notes,
material and labour, and resolving it.
"""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core.apps import check_assignment
from anju.core.db import together
from anju.core.errors import InvalidTransition, refuse
from anju.core.money import quantize, to_decimal
from anju.core.notifications import interpolate

from ..choices import (
    Kind,
    Priority,
    Status,
    WorkItemKind,
)
from ..models import (
    Ticket,
    TicketEvent,
    TicketPause,
    WorkItem,
)
from .common import (
    actor_label,
    attach,
    choice,
    event,
    fmt,
    lock,
    record,
    require_assignee_or_dispatcher,
    save,
    tell,
    tell_resident,
    ticket_work,
)
from .return_visits import open_return_visit
from .sla import due_times, sla_for


@transaction.atomic
def arrive(*, actor, ticket, photos=(), note="") -> Ticket:
    ticket = lock(ticket, "arrive")
    require_assignee_or_dispatcher(ticket, actor=actor)
    before = ticket.status
    ticket.status = Status.IN_PROGRESS
    ticket.arrived_at = timezone.now()
    save(ticket, ["status", "arrived_at"])
    saved = [a.pk for a in attach(ticket, photos, _("Arrival"), actor=actor, field="photos")]
    with together():  # the record of the change in one round trip
        event(
            ticket,
            "arrive",
            actor=actor,
            before_status=before,
            note=note,
            data={"attachments": saved},
        )
        record("arrived", ticket, {"status": before}, {"status": ticket.status}, actor=actor)
        tell(ticket, gettext_lazy("technician on site"), actor=actor)
        tell_resident(
            ticket,
            "arrived",
            gettext_lazy("%(number)s: %(name)s has arrived and started work"),
            gettext_lazy("%(house)s · %(time)s"),
            actor=actor,
            name=actor_label(ticket.assignee or actor),
            time=fmt(ticket.arrived_at),
        )
    return ticket


@transaction.atomic
def wait_for_resident(*, actor, ticket, reason) -> Ticket:
    """挂起: the clock stops while we wait for the resident (no one home, parts they buy)."""
    if not (reason or "").strip():
        refuse("reason", _("Say what we are waiting for."))
    ticket = lock(ticket, "wait")
    now = timezone.now()
    before = ticket.status
    ticket.paused_from = ticket.status
    ticket.status = Status.WAITING
    ticket.paused_at = now
    save(ticket, ["status", "paused_from", "paused_at"])
    TicketPause.objects.create(
        organization_id=ticket.organization_id,
        community_id=ticket.community_id,
        ticket=ticket,
        reason=reason[:200],
        started_at=now,
        started_by=actor if actor is not None and actor.pk else None,
    )
    with together():  # the record of the change in one round trip
        event(ticket, "wait", actor=actor, before_status=before, note=reason)
        record(
            "paused",
            ticket,
            {"status": before},
            {"status": ticket.status, "reason": reason},
            actor=actor,
        )
        tell(ticket, gettext_lazy("waiting for the resident, clock paused"), reason, actor=actor)
        tell_resident(
            ticket,
            "waiting",
            gettext_lazy("%(number)s: we are waiting for you"),
            gettext_lazy("%(house)s · %(reason)s"),
            actor=actor,
            reason=reason[:200],
        )
    return ticket


@transaction.atomic
def resume(*, actor, ticket, note="") -> Ticket:
    """The clock runs again; the due times not yet met move by the length of the pause."""
    ticket = lock(ticket, "resume")
    now = timezone.now()
    paused = now - ticket.paused_at
    before = ticket.status
    ticket.status = ticket.paused_from or Status.ACCEPTED
    if ticket.arrived_at is None:
        ticket.arrive_due_at += paused
    ticket.resolve_due_at += paused
    ticket.paused_seconds += int(paused.total_seconds())
    ticket.paused_at = None
    ticket.paused_from = ""
    save(
        ticket,
        ["status", "arrive_due_at", "resolve_due_at", "paused_seconds", "paused_at", "paused_from"],
    )
    TicketPause.objects.filter(ticket=ticket, ended_at__isnull=True).update(ended_at=now)
    with together():  # the record of the change in one round trip
        event(
            ticket,
            "resume",
            actor=actor,
            before_status=before,
            note=note,
            data={
                "paused_minutes": int(paused.total_seconds() // 60),
                "resolve_due_at": ticket.resolve_due_at.isoformat(),
            },
        )
        record(
            "resumed",
            ticket,
            {"status": before},
            {"status": ticket.status, "paused_seconds": int(paused.total_seconds())},
            actor=actor,
        )
        tell(ticket, gettext_lazy("clock running again"), note, actor=actor)
    return ticket


@transaction.atomic
def set_appointment(*, actor, ticket, appointment_at) -> Ticket:
    """预约上门: the resident's chosen time becomes the arrival due time."""
    ticket = lock(ticket, "appoint")
    if appointment_at is None or appointment_at < timezone.now() - timedelta(minutes=5):
        refuse("appointment_at", _("The appointment must be in the future."))
    had_appointment = ticket.appointment_at is not None
    before = {
        "appointment_at": fmt(ticket.appointment_at),
        "arrive_due_at": fmt(ticket.arrive_due_at),
    }
    _accept, arrive, resolve = sla_for(ticket.community, ticket.priority)
    ticket.appointment_at = appointment_at
    ticket.arrive_due_at = appointment_at
    ticket.resolve_due_at = max(
        ticket.resolve_due_at, appointment_at + timedelta(minutes=max(resolve - arrive, 0))
    )
    save(ticket, ["appointment_at", "arrive_due_at", "resolve_due_at"])
    with together():  # the record of the change in one round trip
        event(
            ticket,
            "appoint",
            actor=actor,
            before_status=ticket.status,
            data={"appointment_at": appointment_at.isoformat()},
        )
        record(
            "appointment_set", ticket, before, {"appointment_at": fmt(appointment_at)}, actor=actor
        )
        tell(
            ticket,
            interpolate(gettext_lazy("appointment %(when)s"), when=fmt(appointment_at)),
            actor=actor,
            extra=[ticket.assignee],
        )
        tell_resident(
            ticket,
            "appointment",
            gettext_lazy("%(number)s: visit moved to %(when)s")
            if had_appointment
            else gettext_lazy("%(number)s: visit booked for %(when)s"),
            gettext_lazy("%(house)s · the technician comes at %(when)s"),
            actor=actor,
            push=True,
            when=fmt(appointment_at),
        )
    return ticket


@transaction.atomic
def triage(*, actor, ticket, priority, reason) -> Ticket:
    """An agent overrides the priority, with a reason; due times are computed again from the opening."""
    choice(priority, Priority, "priority")
    if not (reason or "").strip():
        refuse("reason", _("Give the reason for changing the priority."))
    ticket = lock(ticket, "triage")
    before = {"priority": ticket.priority, "resolve_due_at": fmt(ticket.resolve_due_at)}
    accept_due, arrive_due, resolve_due = due_times(
        ticket.community, priority, ticket.opened_at, ticket.appointment_at
    )
    pause = timedelta(seconds=ticket.paused_seconds)
    ticket.priority = priority
    ticket.priority_reason = reason[:200]
    ticket.accept_due_at = accept_due
    ticket.arrive_due_at = arrive_due + (pause if ticket.appointment_at is None else timedelta(0))
    ticket.resolve_due_at = resolve_due + pause
    save(
        ticket, ["priority", "priority_reason", "accept_due_at", "arrive_due_at", "resolve_due_at"]
    )
    with together():  # the record of the change in one round trip
        event(
            ticket,
            "triage",
            actor=actor,
            before_status=ticket.status,
            note=reason,
            data={"priority": priority},
        )
        record("triaged", ticket, before, {"priority": priority, "reason": reason}, actor=actor)
        tell(
            ticket,
            interpolate(gettext_lazy("priority now %(priority)s"), priority=priority),
            reason,
            actor=actor,
            extra=[ticket.assignee],
        )
    return ticket


@transaction.atomic
def add_note(*, actor, ticket, note, public=False) -> TicketEvent:
    if not (note or "").strip():
        refuse("note", _("Write the note."))
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status in (Status.CLOSED, Status.CANCELLED) and not public:
        raise InvalidTransition(
            "note", ticket.status, ticket.allowed_actions(), machine=Ticket.machine
        )
    note_event = event(
        ticket, "note", actor=actor, before_status=ticket.status, note=note, public=public
    )
    with together():  # the record of the change in one round trip
        record("noted", ticket, None, {"note": note[:200], "public": public}, actor=actor)
        tell(ticket, gettext_lazy("note added"), note[:200], actor=actor)
    return note_event


@transaction.atomic
def add_work_item(
    *, actor, ticket, kind, description, quantity=1, unit="", unit_price=0, chargeable=False
) -> WorkItem:
    """用料/工时, with the in-house price when the resident pays (billing reads these later)."""
    choice(kind, WorkItemKind, "kind")
    ticket = lock(ticket, "work")
    if not (description or "").strip():
        refuse("description", _("Describe the material or the work."))
    try:
        quantity = to_decimal(quantity)
        unit_price = quantize(unit_price)
    except (ValueError, TypeError):
        refuse("quantity", _("Enter numbers for quantity and price."))
    if quantity <= 0:
        refuse("quantity", _("The quantity must be more than zero."))
    if unit_price < 0:
        refuse("unit_price", _("The price must not be negative."))
    item = WorkItem.objects.create(
        organization_id=ticket.organization_id,
        community_id=ticket.community_id,
        ticket=ticket,
        kind=kind,
        description=description.strip()[:200],
        quantity=quantity,
        unit=unit[:20],
        unit_price=unit_price,
        amount=quantize(quantity * unit_price),
        chargeable=bool(chargeable),
        created_by=actor if actor is not None and actor.pk else None,
    )
    total = sum((w.amount for w in ticket.work_items.filter(chargeable=True)), Decimal("0.00"))
    ticket.chargeable = total > 0
    ticket.charge_amount = quantize(total)
    save(ticket, ["chargeable", "charge_amount"])
    with together():  # the record of the change in one round trip
        event(
            ticket,
            "work",
            actor=actor,
            before_status=ticket.status,
            note=item.description,
            data={
                "kind": kind,
                "quantity": str(quantity),
                "unit": unit,
                "amount": str(item.amount),
                "chargeable": item.chargeable,
            },
            public=item.chargeable,
        )
        record(
            "work_recorded",
            ticket,
            None,
            {
                "item": item.pk,
                "amount": str(item.amount),
                "chargeable": item.chargeable,
                "charge_amount": str(ticket.charge_amount),
            },
            actor=actor,
        )
    return item


@transaction.atomic
def resolve(*, actor, ticket, note="", photos=()) -> Ticket:
    """完工: work done (or the request answered); a return visit is due."""
    ticket = lock(ticket, "resolve")
    if ticket.kind == Kind.REPAIR:
        require_assignee_or_dispatcher(ticket, actor=actor)
    if ticket.kind == Kind.REPAIR and not (note or "").strip():
        refuse("note", _("Say what was done."))
    if ticket.kind == Kind.REPAIR:  # the one who did the work holds what it needs (licences)
        check_assignment(ticket.assignee or actor, ticket_work(ticket))
    now = timezone.now()
    before = ticket.status
    ticket.status = Status.RESOLVED
    ticket.resolved_at = now
    ticket.resolution = (note or "").strip()
    if ticket.accepted_at is None:
        ticket.accepted_at = now
    save(ticket, ["status", "resolved_at", "resolution", "accepted_at"])
    saved = [a.pk for a in attach(ticket, photos, _("Done"), actor=actor, field="photos")]
    visit = open_return_visit(ticket, now)
    with together():  # the record of the change in one round trip
        event(
            ticket,
            "resolve",
            actor=actor,
            before_status=before,
            note=note,
            data={"attachments": saved},
        )
        record(
            "resolved",
            ticket,
            {"status": before},
            {"status": ticket.status, "note": note[:200]},
            actor=actor,
        )
        tell(
            ticket,
            gettext_lazy("resolved: please confirm"),
            note[:200],
            actor=actor,
            extra=[visit.agent] if visit is not None and visit.agent else (),
        )
        tell_resident(
            ticket,
            "resolved",
            gettext_lazy("%(number)s is done: please confirm"),
            gettext_lazy("%(house)s · %(note)s. Confirm or reopen it within the app."),
            actor=actor,
            push=True,
            note=(note or "").strip()[:200] or "-",
        )
    return ticket
