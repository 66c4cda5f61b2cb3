"""Dispatch (派单): assigning, transferring, accepting and declining a ticket."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import policy
from anju.core.apps import check_assignment
from anju.core.db import together
from anju.core.errors import refuse
from anju.core.notifications import interpolate, notify

from ..choices import (
    Category,
    Priority,
    Status,
)
from ..models import (
    Ticket,
)
from .common import (
    WORK_PERM,
    actor_label,
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
from .people import dispatch_candidates


def _check_worker(assignee, ticket, field="assignee"):
    if (
        not policy.staff_has(assignee, WORK_PERM, ticket.community_id, ticket.organization_id)
        or not assignee.is_active
    ):
        refuse(field, _("This person cannot work tickets in this community."))
    check_assignment(assignee, ticket_work(ticket), field)  # e.g. a licence the work needs


@transaction.atomic
def assign(*, actor, ticket, assignee=None, note="") -> Ticket:
    """Manual assign, or automatic (``assignee`` None) by skill, roster and current load."""
    ticket = lock(ticket, "assign")
    automatic = assignee is None
    if automatic:
        candidates = dispatch_candidates(ticket)
        if not candidates:
            refuse("assignee", _("No technician is available for this ticket; assign one by hand."))
        assignee = candidates[0]
    _check_worker(assignee, ticket)
    before = {"status": ticket.status, "assignee": ticket.assignee_id}
    ticket.status = Status.ASSIGNED
    ticket.assignee = assignee
    ticket.assigned_at = timezone.now()
    save(ticket, ["status", "assignee", "assigned_at"])
    with together():  # the record of the change in one round trip
        event(
            ticket,
            "assign",
            actor=actor,
            before_status=before["status"],
            note=note,
            data={"assignee": actor_label(assignee), "automatic": automatic},
        )
        record(
            "assigned",
            ticket,
            before,
            {"status": ticket.status, "assignee": assignee.pk, "automatic": automatic},
            actor=actor,
        )
        notify(
            [assignee] if assignee != actor else [],
            interpolate(gettext_lazy("%(number)s assigned to you"), number=ticket.number),
            interpolate(
                gettext_lazy("%(category)s, arrive by %(due)s"),
                category=Category(ticket.category).label,
                due=fmt(ticket.arrive_due_at),
            ),
            link=f"/console/my-tasks/{ticket.pk}/",
            community=ticket.community,
            channels=("inbox", "sms"),
            event="servicedesk.ticket.assigned",
        )
        tell(
            ticket,
            interpolate(gettext_lazy("dispatched to %(name)s"), name=actor_label(assignee)),
            note,
            actor=actor,
        )
        tell_resident(
            ticket,
            "dispatched",
            gettext_lazy("%(number)s: %(name)s will come to fix it"),
            gettext_lazy("%(house)s · arriving by %(due)s"),
            actor=actor,
            push=True,
            name=actor_label(assignee),
            due=fmt(ticket.arrive_due_at),
        )
    return ticket


@transaction.atomic
def transfer(*, actor, ticket, assignee, reason) -> Ticket:
    """转派: hand a ticket in work to another technician, with a reason."""
    if not (reason or "").strip():
        refuse("reason", _("Give the reason for the transfer."))
    ticket = lock(ticket, "transfer")
    _check_worker(assignee, ticket)
    if assignee.pk == ticket.assignee_id:
        refuse("assignee", _("The ticket is already with this person."))
    previous = ticket.assignee
    before = {"status": ticket.status, "assignee": ticket.assignee_id}
    ticket.status = Status.ASSIGNED
    ticket.assignee = assignee
    ticket.assigned_at = timezone.now()
    ticket.accepted_at = None if ticket.arrived_at is None else ticket.accepted_at
    save(ticket, ["status", "assignee", "assigned_at", "accepted_at"])
    with together():  # the record of the change in one round trip
        event(
            ticket,
            "transfer",
            actor=actor,
            before_status=before["status"],
            note=reason,
            data={
                "from": actor_label(previous) if previous else "",
                "assignee": actor_label(assignee),
            },
        )
        record(
            "transferred",
            ticket,
            before,
            {"status": ticket.status, "assignee": assignee.pk, "reason": reason},
            actor=actor,
        )
        notify(
            [assignee],
            interpolate(gettext_lazy("%(number)s transferred to you"), number=ticket.number),
            reason,
            link=f"/console/my-tasks/{ticket.pk}/",
            community=ticket.community,
            channels=("inbox", "sms"),
            event="servicedesk.ticket.assigned",
        )
        tell_resident(
            ticket,
            "dispatched",
            gettext_lazy("%(number)s: now %(name)s will come to fix it"),
            gettext_lazy("%(house)s · arriving by %(due)s"),
            actor=actor,
            push=True,
            name=actor_label(assignee),
            due=fmt(ticket.arrive_due_at),
        )
        tell(
            ticket,
            interpolate(gettext_lazy("transferred to %(name)s"), name=actor_label(assignee)),
            reason,
            actor=actor,
            extra=[previous] if previous else (),
        )
    return ticket


@transaction.atomic
def accept(*, actor, ticket) -> Ticket:
    ticket = lock(ticket, "accept")
    require_assignee_or_dispatcher(ticket, actor=actor)
    before = ticket.status
    ticket.status = Status.ACCEPTED
    ticket.accepted_at = timezone.now()
    save(ticket, ["status", "accepted_at"])
    with together():  # the record of the change in one round trip
        event(ticket, "accept", actor=actor, before_status=before)
        record("accepted", ticket, {"status": before}, {"status": ticket.status}, actor=actor)
        tell(
            ticket,
            interpolate(gettext_lazy("accepted by %(name)s"), name=actor_label(ticket.assignee)),
            actor=actor,
        )
        tell_resident(
            ticket,
            "accepted",
            gettext_lazy("%(number)s: %(name)s accepted your request"),
            gettext_lazy("%(house)s · arriving by %(due)s"),
            actor=actor,
            name=actor_label(ticket.assignee),
            due=fmt(ticket.arrive_due_at),
        )
    return ticket


@transaction.atomic
def decline(*, actor, ticket, reason) -> Ticket:
    """拒单: the technician gives it back to the pool, with a reason."""
    if not (reason or "").strip():
        refuse("reason", _("Give the reason for declining."))
    ticket = lock(ticket, "decline")
    require_assignee_or_dispatcher(ticket, actor=actor)
    before = {"status": ticket.status, "assignee": ticket.assignee_id}
    previous = ticket.assignee
    ticket.status = Status.NEW
    ticket.assignee = None
    ticket.assigned_at = None
    save(ticket, ["status", "assignee", "assigned_at"])
    with together():  # the record of the change in one round trip
        event(
            ticket,
            "decline",
            actor=actor,
            before_status=before["status"],
            note=reason,
            data={"by": actor_label(previous) if previous else ""},
            public=False,
        )
        record(
            "declined",
            ticket,
            before,
            {"status": ticket.status, "assignee": None, "reason": reason},
            actor=actor,
        )
        tell(
            ticket,
            gettext_lazy("declined, back in the pool"),
            reason,
            actor=actor,
            sms=ticket.priority == Priority.P1,
        )
    return ticket
