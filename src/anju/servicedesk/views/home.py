"""The service desk's section of the resident home (我的家): the resident's open repairs, each
with its clock and the next step in words, read with 我的报修's selector."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import formats

from .. import selectors
from ..choices import OPEN_STATUSES, Status
from .common import decorate

SHOWN = 5
# The resident's turn first (confirm a repair, answer a question), then the oldest.
URGENCY = {Status.RESOLVED: 0, Status.WAITING: 1}


def next_step(ticket, now=None) -> str:
    """What happens next, as the resident would say it: 等待派单, 师傅张三 今天 14:00 上门, ..."""
    name = ticket.assignee.get_full_name() if ticket.assignee else ""
    who = _("technician %(name)s") % {"name": name} if name else _("our technician")
    if ticket.status == Status.NEW:
        return _("Waiting to be dispatched")
    if ticket.status == Status.ASSIGNED:
        return _("Sent to %(who)s, waiting for them to accept") % {"who": who}
    if ticket.status == Status.ACCEPTED:
        if ticket.appointment_at:
            return _("%(who)s comes %(when)s") % {
                "who": who,
                "when": formats.soon(ticket.appointment_at, now),
            }
        return _("%(who)s has accepted and will contact you") % {"who": who}
    if ticket.status == Status.IN_PROGRESS:
        return _("%(who)s is working on it") % {"who": who}
    if ticket.status == Status.WAITING:
        return _("Waiting for your answer: open the ticket")
    if ticket.status == Status.RESOLVED:
        return _("Please confirm it is done and rate it")
    return ticket.get_status_display()


def home_sections(request) -> list[dict]:
    now = timezone.now()
    tickets = list(
        selectors.resident_tickets(request.user)
        .filter(status__in=(*OPEN_STATUSES, Status.RESOLVED))
        .select_related("assignee", "house__building")
        .order_by("opened_at", "id")[:50]
    )
    if not tickets:
        return []
    tickets.sort(key=lambda t: URGENCY.get(t.status, 2))
    rows = decorate(tickets, now)
    for row in rows:
        t = row["t"]
        step = next_step(t, now)
        row["step"] = step[:1].upper() + step[1:]
        row["waited"] = formats.duration(now - t.opened_at)
        row["url"] = reverse("portal:ticket-detail", args=[t.pk])
        row["confirm_url"] = row["url"] + "#confirm" if t.status == Status.RESOLVED else ""
    return [
        {
            "order": 20,
            "title": _("My repairs"),
            "template": "servicedesk/home_section.html",
            "context": {
                "rows": rows[:SHOWN],
                "more": max(len(rows) - SHOWN, 0),
                "list_url": reverse("portal:ticket-list"),
                "new_url": reverse("portal:ticket-create"),
            },
        }
    ]
