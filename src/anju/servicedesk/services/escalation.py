"""Escalation (升级): the periodic ladder for missed SLA steps and the manual escalation."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, policy
from anju.core.errors import Forbidden, refuse
from anju.core.notifications import notify

from .. import conf
from ..choices import (
    RUNNING_STATUSES,
    Kind,
)
from ..models import (
    Escalation,
    Ticket,
)
from .common import DISPATCH_PERM, actor_label, event, fmt, lock, save, ticket_link
from .people import community_managers, company_admins

ESCALATION_LEVELS = (1, 2, 3)  # assignee (or first responder), community manager, company
MANUAL_STEP = "manual"


def _missed_steps(ticket, now):
    steps = []
    if ticket.kind == Kind.REPAIR:
        if ticket.accepted_at is None and ticket.accept_due_at <= now:
            steps.append(("accept", ticket.accept_due_at))
        if ticket.arrived_at is None and ticket.arrive_due_at <= now:
            steps.append(("arrive", ticket.arrive_due_at))
    if ticket.resolved_at is None and ticket.resolve_due_at <= now:
        steps.append(("resolve", ticket.resolve_due_at))
    return steps


def escalate_overdue(now=None, batch=500) -> int:
    """Tell each level once per missed SLA step: assignee (or first responder), community
    manager, company. Idempotent (a unique row per ticket, step, due time and level)."""
    now = now or timezone.now()
    delays = conf.escalation_minutes()
    sent = 0
    candidates = (
        Ticket.objects.filter(status__in=RUNNING_STATUSES)
        .filter(
            Q(accept_due_at__lte=now, accepted_at__isnull=True)
            | Q(arrive_due_at__lte=now, arrived_at__isnull=True)
            | Q(resolve_due_at__lte=now)
        )
        .values_list("pk", flat=True)
        .order_by("resolve_due_at")[:batch]
    )
    for pk in list(candidates):
        sent += _escalate_one(pk, now, delays)
    return sent


@transaction.atomic
def _escalate_one(pk, now, delays):
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("community", "assignee", "first_responder")
        .get(pk=pk)
    )
    if ticket.status not in RUNNING_STATUSES:
        return 0
    sent = 0
    done = set(Escalation.objects.filter(ticket=ticket).values_list("step", "level", "due_at_key"))
    for step, due in _missed_steps(ticket, now):
        key = due.isoformat()
        for level, delay in enumerate(delays, start=1):
            if now < due + timedelta(minutes=delay) or (step, level, key) in done:
                continue
            step_label = {
                "accept": _("accept"),
                "arrive": _("arrival"),
                "resolve": _("resolution"),
            }[step]
            title = _("%(number)s overdue: %(step)s was due %(due)s") % {
                "number": ticket.number,
                "step": step_label,
                "due": fmt(due),
            }
            _escalate_to_level(ticket, None, step, level, key, now, title, ticket.description[:200])
            sent += 1
    return sent


def escalation_recipients(ticket, level):
    """Who is told at ``level`` of the ladder."""
    if level == 1:
        users = [ticket.assignee or ticket.first_responder]
    elif level == 2:
        users = community_managers(ticket.community)
    else:
        users = company_admins(ticket.community)
    return [u for u in users if u is not None]


def _escalate_to_level(ticket, actor, step, level, key, now, title, body, reason=""):
    """One rung of the ladder, shared by the periodic job and the manual escalation: the
    Escalation row, the notifications, the ticket's level, the timeline and the audit."""
    users = escalation_recipients(ticket, level)
    Escalation.objects.create(
        organization_id=ticket.organization_id,
        community_id=ticket.community_id,
        ticket=ticket,
        step=step,
        level=level,
        due_at_key=key,
        notified=[u.pk for u in users],
        at=now,
    )
    told = [u for u in users if u != actor]
    notify(
        told,
        title,
        body,
        link=ticket_link(ticket),
        community=ticket.community,
        channels=("inbox", "sms"),
    )
    others = [ticket.first_responder]
    if actor is not None:
        others.append(ticket.assignee)  # a manual escalation is news for the worker too
    others = [u for u in dict.fromkeys(others) if u is not None and u not in users and u != actor]
    if others:
        notify(
            others,
            title,
            _("Escalated to level %(level)s") % {"level": level},
            link=ticket_link(ticket),
            community=ticket.community,
        )
    if level > ticket.escalation_level:
        ticket.escalation_level = level
        save(ticket, ["escalation_level"])
    data = {"step": step, "level": level, "notified": [actor_label(u) for u in users]}
    if actor is not None:
        data["manual"] = True
    event(
        ticket,
        "escalate",
        actor=actor,
        before_status=ticket.status,
        note=reason,
        public=False,
        data=data,
        at=now,
    )
    after = {"step": step, "level": level}
    if reason:
        after["reason"] = reason
    audit.record(
        actor, "servicedesk.ticket.escalated", ticket, after=after, community=ticket.community
    )
    return users


@transaction.atomic
def escalate(*, actor, ticket, reason) -> Ticket:
    """升级 by hand: an agent or manager takes the ticket one rung up the ladder the periodic job
    uses (assignee, community manager, company), with a reason. Rungs where nobody but the actor
    would hear of it are skipped; at the top the company is told again."""
    reason = (reason or "").strip()
    if not reason:
        refuse("reason", _("Give the reason for escalating."))
    ticket = lock(ticket, "escalate")
    if actor is None or not policy.staff_has(
        actor, DISPATCH_PERM, ticket.community_id, ticket.organization_id
    ):
        raise Forbidden(_("Only the service desk or the community manager can escalate."))
    top = ESCALATION_LEVELS[-1]
    level = next(
        (
            n
            for n in ESCALATION_LEVELS
            if n > ticket.escalation_level
            and [u for u in escalation_recipients(ticket, n) if u != actor]
        ),
        top,
    )
    now = timezone.now()
    title = _("%(number)s escalated by %(who)s: %(reason)s") % {
        "number": ticket.number,
        "who": actor_label(actor),
        "reason": reason[:100],
    }
    # The ticket is locked, so the count gives each manual escalation its own key.
    count = Escalation.objects.filter(ticket=ticket, step=MANUAL_STEP).count()
    _escalate_to_level(
        ticket,
        actor,
        MANUAL_STEP,
        level,
        f"manual-{count + 1}",
        now,
        title,
        ticket.description[:200],
        reason=reason,
    )
    return ticket
