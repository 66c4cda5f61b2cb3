"""What the service-desk pages share: due and SLA labels, masked phones, and the ticket
action forms (a refused action keeps what was typed).
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import attachments, formats, policy
from anju.core.crypto import mask_middle

from .. import actions
from ..choices import (
    Status,
)


def due_text(ticket, now=None):
    """ "resolve by 2026-12-02 14:30 (2 h 5 min left)": the next step, its time and what is
    left (or how long it is overdue); a paused clock shows no time left."""
    due = ticket.current_due(now)
    if due is None:
        return ""
    step = {"accept": _("accept by"), "arrive": _("arrive by"), "resolve": _("resolve by")}[due[0]]
    text = f"{step} {formats.when(due[1])}"
    if ticket.status == Status.WAITING:
        return text
    left = due[1] - (now or timezone.now())
    if left.total_seconds() >= 0:
        return text + " (" + _("%(span)s left") % {"span": formats.duration(left)} + ")"
    return text + " (" + _("%(span)s overdue") % {"span": formats.duration(-left)} + ")"


def sla_tag(ticket, now=None):
    state = ticket.sla_state(now)
    label = {"ok": _("on time"), "warn": _("due soon"), "bad": _("overdue")}[state]
    if ticket.status == Status.WAITING:
        label = _("paused")
    return state, label


def decorate(tickets, now=None):
    now = now or timezone.now()
    rows = []
    for t in tickets:
        state, label = sla_tag(t, now)
        rows.append({"t": t, "sla": state, "sla_label": label, "due": due_text(t, now)})
    return rows


def many_communities(request):
    """Whether the lists should name each ticket's community: the user sees more than one and
    has not chosen one (ticket numbers repeat across communities)."""
    if request.community_id:
        return False
    return len(request.user.staff_community_ids()) > 1


def show_phone(user, community_id, phone):
    if policy.staff_has(user, "core.person.view_contact", community_id):
        return phone
    return mask_middle(phone) if phone else ""


def ticket_attachments(ticket):
    return attachments.of(ticket)


KEPT = "servicedesk.refused_action"


def refused(request, ticket, action, exc, target):
    """A refused action goes back to its form with what was typed and the reason beside it
    (files cannot be kept: the browser asks for them again)."""
    first = next(iter(exc.fields.values()), [exc.message])[0] if exc.fields else exc.message
    messages.error(request, first)
    request.session[KEPT] = {
        "ticket": ticket.pk,
        "action": action,
        "error": str(first),
        "data": {
            key: value
            for key, value in request.POST.items()
            if key not in ("csrfmiddlewaretoken", "next")
        },
    }
    return redirect(f"{target}#{action}")


def action_forms(request, ticket, allowed):
    """(action, label, kept) for each allowed action; kept holds what a refused submission of
    that action typed, shown once."""
    kept = request.session.pop(KEPT, None) or {}
    if kept.get("ticket") != ticket.pk:
        kept = {}
    return [
        (
            a,
            actions.LABELS[a],
            {**kept.get("data", {}), "error": kept.get("error")} if kept.get("action") == a else {},
        )
        for a in allowed
    ]
