"""After the work: the resident confirms, reopens or rates; the desk closes or cancels;
the manager answers a complaint in writing.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import policy
from anju.core.db import together
from anju.core.errors import Forbidden, refuse
from anju.core.notifications import interpolate

from ..choices import (
    Kind,
    Status,
)
from ..models import (
    ReturnVisit,
    Ticket,
)
from .common import (
    DISPATCH_PERM,
    RESPOND_PERM,
    WORK_PERM,
    event,
    lock,
    record,
    save,
    tell,
    tell_resident,
)
from .people import community_managers
from .sla import due_times


def _require_resident_or_staff(actor, ticket, perm="servicedesk.ticket.close"):
    """Confirm, reopen and rate belong to the resident; an agent may record them (phone, return visit)."""
    if actor is None:
        return
    if actor.person_id and ticket.reporter_id == actor.person_id:
        return
    if actor.person_id and ticket.house_id and ticket.house_id in actor.resident_house_ids():
        return
    if policy.staff_has(actor, perm, ticket.community_id, ticket.organization_id):
        return
    raise Forbidden(_("Only the resident or the service desk can do this."))


def _score(score):
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        refuse("score", _("Give a score from 1 to 5."))
    return score


@transaction.atomic
def confirm(*, actor, ticket, note="", score=None, comment="") -> Ticket:
    """确认: the resident says it is fixed, with their rating in the same step when given
    (``score`` 1-5 and ``comment``; nothing is saved when the score is wrong)."""
    if score not in (None, ""):
        score = _score(score)
    ticket = lock(ticket, "confirm")
    _require_resident_or_staff(actor, ticket)
    before = ticket.status
    ticket.status = Status.CONFIRMED
    ticket.confirmed_at = timezone.now()
    save(ticket, ["status", "confirmed_at"])
    with together():  # the record of the change in one round trip
        event(ticket, "confirm", actor=actor, before_status=before, note=note)
        record("confirmed", ticket, {"status": before}, {"status": ticket.status}, actor=actor)
        tell(
            ticket,
            gettext_lazy("confirmed by the resident"),
            note,
            actor=actor,
            extra=[ticket.assignee],
        )
    if score not in (None, "") and ticket.rating is None:
        ticket = rate(actor=actor, ticket=ticket, score=score, comment=comment)
    return ticket


@transaction.atomic
def reopen(*, actor, ticket, reason) -> Ticket:
    """返修: not fixed. The ticket goes back to its technician (or the pool) with new due times."""
    if not (reason or "").strip():
        refuse("reason", _("Say what is still wrong."))
    ticket = lock(ticket, "reopen")
    _require_resident_or_staff(actor, ticket)
    return reopen_locked(ticket, reason, actor=actor)


def reopen_locked(ticket, reason, *, actor):
    now = timezone.now()
    before = {"status": ticket.status, "reopen_count": ticket.reopen_count}
    ticket.reopen_count += 1
    can_work = ticket.assignee is not None and policy.staff_has(
        ticket.assignee, WORK_PERM, ticket.community_id, ticket.organization_id
    )
    ticket.status = Status.ASSIGNED if can_work else Status.NEW
    if not can_work:
        ticket.assignee = None
    accept_due, arrive_due, resolve_due = due_times(ticket.community, ticket.priority, now)
    ticket.accept_due_at, ticket.arrive_due_at, ticket.resolve_due_at = (
        accept_due,
        arrive_due,
        resolve_due,
    )
    ticket.opened_at = ticket.opened_at  # the ticket's age runs from the first report
    ticket.assigned_at = now if can_work else None
    ticket.accepted_at = ticket.arrived_at = ticket.resolved_at = ticket.confirmed_at = (
        ticket.closed_at
    ) = None
    ticket.rating = None
    ticket.rating_comment = ""
    ticket.rated_at = None
    ticket.escalation_level = 0
    save(
        ticket,
        [
            "status",
            "reopen_count",
            "assignee",
            "accept_due_at",
            "arrive_due_at",
            "resolve_due_at",
            "assigned_at",
            "accepted_at",
            "arrived_at",
            "resolved_at",
            "confirmed_at",
            "closed_at",
            "rating",
            "rating_comment",
            "rated_at",
            "escalation_level",
        ],
    )
    ReturnVisit.objects.filter(ticket=ticket, status=ReturnVisit.Status.PENDING).update(
        status=ReturnVisit.Status.CANCELLED
    )
    with together():  # the record of the change in one round trip
        event(
            ticket,
            "reopen",
            actor=actor,
            before_status=before["status"],
            note=reason,
            data={"reopen_count": ticket.reopen_count, "resolve_due_at": resolve_due.isoformat()},
        )
        record(
            "reopened",
            ticket,
            before,
            {"status": ticket.status, "reopen_count": ticket.reopen_count, "reason": reason},
            actor=actor,
        )
        tell(
            ticket,
            gettext_lazy("reopened"),
            reason,
            actor=actor,
            extra=[ticket.assignee],
            sms=True,
        )
        tell_resident(
            ticket,
            "reopened",
            gettext_lazy("%(number)s was reopened"),
            gettext_lazy("%(house)s · %(reason)s"),
            actor=actor,
            reason=reason[:200],
        )
    return ticket


@transaction.atomic
def rate(*, actor, ticket, score, comment="") -> Ticket:
    """评价 1-5 with a comment, once per resolution."""
    score = _score(score)
    ticket = lock(ticket, "rate")
    _require_resident_or_staff(actor, ticket)
    ticket.rating = score
    ticket.rating_comment = (comment or "").strip()[:500]
    ticket.rated_at = timezone.now()
    save(ticket, ["rating", "rating_comment", "rated_at"])
    with together():  # the record of the change in one round trip
        event(
            ticket,
            "rate",
            actor=actor,
            before_status=ticket.status,
            note=ticket.rating_comment,
            data={"score": score},
        )
        record(
            "rated", ticket, None, {"score": score, "comment": ticket.rating_comment}, actor=actor
        )
    extra = [ticket.assignee]
    if score <= 2:
        extra += community_managers(ticket.community)
    tell(
        ticket,
        interpolate(gettext_lazy("rated %(score)s/5"), score=score),
        ticket.rating_comment,
        actor=actor,
        extra=extra,
    )
    return ticket


@transaction.atomic
def close(*, actor, ticket, note="") -> Ticket:
    ticket = lock(ticket, "close")
    if ticket.kind == Kind.COMPLAINT and not ticket.response:
        refuse(
            "response", _("A complaint needs the manager's written response before it is closed.")
        )
    now = timezone.now()
    before = ticket.status
    ticket.status = Status.CLOSED
    ticket.closed_at = now
    save(ticket, ["status", "closed_at"])
    with together():  # the record of the change in one round trip
        event(ticket, "close", actor=actor, before_status=before, note=note)
        record("closed", ticket, {"status": before}, {"status": ticket.status}, actor=actor)
        tell(ticket, gettext_lazy("closed"), note, actor=actor)
    return ticket


@transaction.atomic
def cancel(*, actor, ticket, reason) -> Ticket:
    if not (reason or "").strip():
        refuse("reason", _("Give the reason for cancelling."))
    ticket = lock(ticket, "cancel")
    _require_resident_or_staff(actor, ticket, perm=DISPATCH_PERM)
    before = ticket.status
    ticket.status = Status.CANCELLED
    ticket.closed_at = timezone.now()
    save(ticket, ["status", "closed_at"])
    with together():  # the record of the change in one round trip
        event(ticket, "cancel", actor=actor, before_status=before, note=reason)
        record(
            "cancelled",
            ticket,
            {"status": before},
            {"status": ticket.status, "reason": reason},
            actor=actor,
        )
        tell(ticket, gettext_lazy("cancelled"), reason, actor=actor, extra=[ticket.assignee])
    return ticket


@transaction.atomic
def respond_to_complaint(*, actor, ticket, response) -> Ticket:
    """投诉书面答复 by the community manager."""
    if not (response or "").strip():
        refuse("response", _("Write the response."))
    ticket = lock(ticket, "respond")
    if actor is None or not policy.staff_has(
        actor, RESPOND_PERM, ticket.community_id, ticket.organization_id
    ):
        raise Forbidden(_("Only the community manager can answer a complaint."))
    before = {"response": ticket.response}
    ticket.response = response.strip()
    ticket.responded_by = actor
    ticket.responded_at = timezone.now()
    save(ticket, ["response", "responded_by", "responded_at"])
    with together():  # the record of the change in one round trip
        event(ticket, "respond", actor=actor, before_status=ticket.status, note=ticket.response)
        record("responded", ticket, before, {"response": ticket.response[:500]}, actor=actor)
        tell(ticket, gettext_lazy("written response given"), ticket.response[:200], actor=actor)
        tell_resident(
            ticket,
            "responded",
            gettext_lazy("%(number)s: our written response"),
            "%(response)s",
            actor=actor,
            push=True,
            response=ticket.response[:200],
        )
    return ticket
