"""Return visits (回访): opened when a ticket is resolved, recorded by the agent, and the
periodic safety net.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import policy
from anju.core.db import together
from anju.core.errors import InvalidTransition, refuse
from anju.core.notifications import interpolate, notify

from .. import conf, selectors
from ..choices import (
    Channel,
    Kind,
    ReturnVisitOutcome,
    Status,
)
from ..models import (
    ReturnVisit,
    Ticket,
)
from .closing import reopen_locked
from .common import choice, event, lock, record, save, tell, tell_resident, ticket_link
from .intake import create_ticket
from .people import community_managers, default_first_responder


def _return_visit_agent(ticket):
    if ticket.first_responder_id and policy.staff_has(
        ticket.first_responder, "servicedesk.ticket.return_visit", ticket.community_id
    ):
        return ticket.first_responder
    return default_first_responder(ticket.community)


def open_return_visit(ticket, now):
    if ticket.return_visits.filter(status=ReturnVisit.Status.PENDING).exists():
        return None
    return ReturnVisit.objects.create(
        organization_id=ticket.organization_id,
        community_id=ticket.community_id,
        ticket=ticket,
        agent=_return_visit_agent(ticket),
        due_at=now + timedelta(hours=conf.return_visit_hours()),
        created_at=now,
    )


@transaction.atomic
def record_return_visit(*, actor, ticket, outcome, note="") -> ReturnVisit:
    """回访: satisfied closes the ticket; unhappy reopens it or opens a complaint."""
    choice(outcome, ReturnVisitOutcome, "outcome")
    ticket = lock(ticket, "return-visit")
    now = timezone.now()
    visit = (
        ReturnVisit.objects.select_for_update()
        .filter(ticket=ticket, status=ReturnVisit.Status.PENDING)
        .first()
    )
    if visit is None and selectors.return_visit_recorded(ticket):
        raise InvalidTransition(
            "return-visit",
            ticket.status,
            [a for a in ticket.allowed_actions() if a != "return-visit"],
            message=_("The return visit of %(number)s is recorded already.")
            % {"number": ticket.number},
        )
    if visit is None:
        visit = ReturnVisit(
            organization_id=ticket.organization_id,
            community_id=ticket.community_id,
            ticket=ticket,
            agent=actor,
            due_at=now,
        )
    if outcome != ReturnVisitOutcome.SATISFIED and not (note or "").strip():
        refuse("note", _("Write what the resident said."))
    visit.status = ReturnVisit.Status.DONE
    visit.outcome = outcome
    visit.note = (note or "").strip()
    visit.done_by = actor if actor is not None and actor.pk else None
    visit.done_at = now
    visit.save()
    with together():  # the record of the change in one round trip
        event(
            ticket,
            "return-visit",
            actor=actor,
            before_status=ticket.status,
            note=visit.note,
            data={"outcome": outcome},
        )
        record(
            "return_visited",
            ticket,
            None,
            {"outcome": outcome, "note": visit.note[:200]},
            actor=actor,
        )
    if outcome == ReturnVisitOutcome.UNHAPPY_REOPEN:
        reopen_locked(ticket, visit.note, actor=actor)
    elif outcome == ReturnVisitOutcome.UNHAPPY_COMPLAINT:
        complaint = create_ticket(
            actor=actor,
            community=ticket.community,
            kind=Kind.COMPLAINT,
            category=ticket.category,
            description=_("Return visit of %(number)s: %(note)s")
            % {"number": ticket.number, "note": visit.note},
            channel=Channel.STAFF,
            house=ticket.house,
            reporter=ticket.reporter,
            parent=ticket,
        )
        visit.follow_up = complaint
        visit.save(update_fields=["follow_up"])
        notify(
            community_managers(ticket.community),
            _("%(number)s complaint after a return visit") % {"number": complaint.number},
            visit.note[:200],
            link=ticket_link(complaint),
            community=ticket.community,
        )
        if ticket.status in (Status.RESOLVED, Status.CONFIRMED):
            _close_quietly(actor, ticket, now)
    elif ticket.status in (Status.RESOLVED, Status.CONFIRMED) and (
        ticket.kind != Kind.COMPLAINT or ticket.response
    ):
        _close_quietly(actor, ticket, now)
    tell(
        ticket,
        interpolate(
            gettext_lazy("return visit: %(outcome)s"),
            outcome=ReturnVisitOutcome(visit.outcome).label,
        ),
        visit.note[:200],
        actor=actor,
    )
    tell_resident(
        ticket,
        "return_visit",
        gettext_lazy("%(number)s: thank you for your feedback"),
        gettext_lazy("%(house)s · we followed up with complaint %(follow_up)s")
        if visit.follow_up_id
        else gettext_lazy("%(house)s · return visit recorded: %(outcome)s"),
        actor=actor,
        outcome=ReturnVisitOutcome(visit.outcome).label,
        follow_up=visit.follow_up.number if visit.follow_up_id else "",
    )
    return visit


def _close_quietly(actor, ticket, now):
    before = ticket.status
    ticket.status = Status.CLOSED
    ticket.closed_at = now
    save(ticket, ["status", "closed_at"])
    with together():  # the record of the change in one round trip
        event(ticket, "close", actor=actor, before_status=before)
        record("closed", ticket, {"status": before}, {"status": ticket.status}, actor=actor)


def open_due_return_visits(now=None) -> int:
    """Safety net: a resolved ticket without any return visit gets one (imports, old data)."""
    now = now or timezone.now()
    missing = Ticket.objects.filter(status__in=(Status.RESOLVED, Status.CONFIRMED)).exclude(
        return_visits__isnull=False
    )[:500]
    n = 0
    for ticket in missing:
        with transaction.atomic():
            if open_return_visit(ticket, now) is not None:
                n += 1
    return n
