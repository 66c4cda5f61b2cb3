"""What every service-desk write shares: the permissions it checks, the ticket's lock,
its timeline, the audit, telling the first responder, and storing attachments.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import attachments, audit, policy
from anju.core.db import insert
from anju.core.errors import Forbidden, InvalidTransition, refuse
from anju.core.models import Attachment, User
from anju.core.notifications import interpolate, notify

from ..models import (
    Ticket,
    TicketEvent,
)

WORK_PERM = "servicedesk.ticket.work"
DISPATCH_PERM = "servicedesk.ticket.dispatch"
RESPOND_PERM = "servicedesk.complaint.respond"  # held by managers through "servicedesk.*"
VIEW_PERM = "servicedesk.ticket.view"


def choice(value, choices, field):
    if value not in choices.values:
        refuse(field, _("Choose one of: %(values)s.") % {"values": ", ".join(choices.values)})
    return value


def is_staff_in(user, community_id):
    return user is not None and policy.staff_has(user, "servicedesk.ticket.view", community_id)


def actor_label(user):
    if user is None:
        return _("System")
    return user.get_full_name() or user.get_username()


def fmt(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def ticket_link(ticket, portal=False):
    return f"/app/tickets/{ticket.pk}/" if portal else f"/console/tickets/{ticket.pk}/"


def event(ticket, action, *, actor, before_status="", note="", data=None, public=True, at=None):
    return insert(
        TicketEvent(
            organization_id=ticket.organization_id,
            community_id=ticket.community_id,
            ticket=ticket,
            action=action,
            from_status=before_status or "",
            to_status=ticket.status,
            actor=actor if actor is not None and actor.pk else None,
            actor_label=actor_label(actor),
            note=note or "",
            data=data or {},
            public=public,
            at=at or timezone.now(),
        )
    )


def _reporter_user(ticket):
    if ticket.reporter_id is None:
        return None
    return User.objects.filter(person_id=ticket.reporter_id, is_active=True).first()


def tell(ticket, title, body="", *, actor, extra=(), sms=False, event=""):
    """The first responder hears of every change; ``extra`` users too. The reporter hears
    through ``tell_resident``, in words written for them."""
    staff = [u for u in [ticket.first_responder, *extra] if u is not None and u != actor]
    unique = list(dict.fromkeys(staff))
    channels = ("inbox", "sms") if sms else ("inbox",)
    if unique:
        notify(
            unique,
            interpolate("%(number)s %(step)s", number=ticket.number, step=title),
            body,
            link=ticket_link(ticket),
            community=ticket.community,
            channels=channels,
            event=event or "servicedesk.ticket.changed",
        )


def house_label(ticket):
    return str(ticket.house) if ticket.house_id else ticket.community.name


def tell_resident(ticket, step, title, body="", *, actor, push=False, **params):
    """The reporter hears of a step they care about (``servicedesk.ticket.<step>``), in their
    own language, linked to the ticket's page in their portal. ``title``/``body`` are lazy
    texts formatted with ``number``, ``house`` and ``params``; ``push``: WeChat/SMS too."""
    if ticket.reporter_id is None or (actor is not None and actor.person_id == ticket.reporter_id):
        return []
    user = _reporter_user(ticket)
    if user is None or user == actor:
        return []
    values = {"number": ticket.number, "house": house_label(ticket), **params}
    return notify(
        [user],
        interpolate(title, **values),
        interpolate(body, **values) if body else "",
        link=ticket_link(ticket, portal=True),
        community=ticket.community,
        channels=("inbox", "wechat", "sms") if push else ("inbox",),
        event=f"servicedesk.ticket.{step}",
    )


def attach(ticket, files, label, *, actor, field="attachments"):
    """Store the uploads (checked by ``core.attachments``; refused whole, naming ``field``) and
    share the given attachments of other records (a failed checklist's photo) with the ticket."""
    files = list(files or ())
    shared = [item for item in files if isinstance(item, Attachment)]
    if any(item.organization_id != ticket.organization_id for item in shared):
        refuse(field, _("An attachment of another company was given."))
    uploads = [item for item in files if not isinstance(item, Attachment)]
    stored = attachments.attach(ticket, uploads, actor=actor, field=field, caption=label)
    return [attachments.share(item, ticket, caption=label) for item in shared] + stored


def lock(ticket, action) -> Ticket:
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("community", "first_responder")
        .get(pk=ticket.pk)
    )
    allowed = locked.allowed_actions()
    if action not in allowed:
        raise InvalidTransition(action, locked.status, allowed, machine=Ticket.machine)
    return locked


def save(ticket, fields):
    ticket.save(update_fields=[*fields, "updated_at"])


def record(action, ticket, before, after, *, actor):
    audit.record(
        actor,
        f"servicedesk.ticket.{action}",
        ticket,
        before=before,
        after=after,
        community=ticket.community,
    )


def require_assignee_or_dispatcher(ticket, *, actor):
    if actor is None or actor.pk == ticket.assignee_id:
        return
    if policy.staff_has(actor, DISPATCH_PERM, ticket.community_id, ticket.organization_id):
        return
    raise Forbidden(_("Only the assigned technician or a dispatcher can do this."))


def ticket_work(ticket):
    """The ticket as ``core.apps.Work``: what the apps' assignment checks (licences) look at."""
    from anju.core.apps import Work

    return Work("servicedesk.ticket", ticket.category, ticket.organization_id, ticket.community_id)
