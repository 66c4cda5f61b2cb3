"""One table of ticket actions for the console and portal pages: who may, and the service call."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from anju.core import policy
from anju.core.errors import DomainError, Forbidden
from anju.core.models import User

from . import selectors, services

# The service desk's permission names.
VIEW = "servicedesk.ticket.view"
CREATE = "servicedesk.ticket.create"
DISPATCH = "servicedesk.ticket.dispatch"
WORK = "servicedesk.ticket.work"
CLOSE = "servicedesk.ticket.close"
RETURN_VISIT = "servicedesk.ticket.return_visit"
RESPOND = "servicedesk.complaint.respond"
ROSTER_VIEW = DISPATCH  # dispatchers see who is on duty and who can do what
ROSTER_MANAGE = "servicedesk.roster.manage"  # community managers (and the company) plan it

# What each ticket action needs: the one table the console and portal pages (``may``) and
# the API (``api.tickets.TicketViewSet.action_permissions``) read.
PERMISSIONS = {
    "assign": DISPATCH,
    "transfer": DISPATCH,
    "triage": DISPATCH,
    "accept": WORK,
    "decline": WORK,
    "arrive": WORK,
    "wait": WORK,
    "resume": WORK,
    "work": WORK,
    "resolve": WORK,
    "note": VIEW,
    "confirm": VIEW,
    "reopen": VIEW,
    "rate": VIEW,
    "appoint": VIEW,
    "cancel": VIEW,
    "return-visit": RETURN_VISIT,
    "close": CLOSE,
    "respond": RESPOND,
    "escalate": DISPATCH,
}

LABELS = {
    "assign": pgettext_lazy("ticket action", "Dispatch"),
    "transfer": pgettext_lazy("ticket action", "Transfer"),
    "triage": pgettext_lazy("ticket action", "Change priority"),
    "accept": pgettext_lazy("ticket action", "Accept"),
    "decline": pgettext_lazy("ticket action", "Decline"),
    "arrive": pgettext_lazy("ticket action", "Arrived"),
    "wait": pgettext_lazy("ticket action", "Wait for resident"),
    "resume": pgettext_lazy("ticket action", "Resume"),
    "work": pgettext_lazy("ticket action", "Add material / labour"),
    "resolve": pgettext_lazy("ticket action", "Resolve"),
    "note": pgettext_lazy("ticket action", "Add note"),
    "confirm": pgettext_lazy("ticket action", "Confirm fixed"),
    "reopen": pgettext_lazy("ticket action", "Not fixed, reopen"),
    "rate": pgettext_lazy("ticket action", "Rate"),
    "appoint": pgettext_lazy("ticket action", "Set appointment"),
    "cancel": pgettext_lazy("ticket action", "Cancel"),
    "return-visit": pgettext_lazy("ticket action", "Record return visit"),
    "close": pgettext_lazy("ticket action", "Close"),
    "respond": pgettext_lazy("ticket action", "Written response"),
    "escalate": pgettext_lazy("ticket action", "Escalate"),
}

RESIDENT_ACTIONS = {"confirm", "reopen", "rate", "appoint", "cancel", "note"}
STAFF_ONLY = set(PERMISSIONS) - RESIDENT_ACTIONS


def may(user, ticket, action, *, as_staff=True) -> bool:
    perm = PERMISSIONS.get(action)
    if perm is None:
        return False
    if as_staff:
        if not policy.staff_has(user, perm, ticket.community_id, ticket.organization_id):
            return False
        if action in ("accept", "decline", "arrive") and user.pk != ticket.assignee_id:
            return policy.staff_has(user, DISPATCH, ticket.community_id)
        if action in ("confirm", "rate"):
            return policy.staff_has(user, CLOSE, ticket.community_id)
        return True
    return action in RESIDENT_ACTIONS and policy.user_has(user, perm, ticket.community_id)


def actions_for(user, ticket, *, as_staff=True):
    allowed = [a for a in ticket.allowed_actions() if may(user, ticket, a, as_staff=as_staff)]
    if "return-visit" in allowed and selectors.return_visit_recorded(ticket):
        allowed.remove("return-visit")  # recorded once: the service refuses a second
    return allowed


def _datetime(value, field):
    if not value:
        raise DomainError(
            _("Choose a date and time."), fields={field: [_("Choose a date and time.")]}
        )
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise DomainError(
            _("Choose a date and time."), fields={field: [_("Choose a date and time.")]}
        ) from exc
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _staff_user(ticket, value, field="assignee"):
    if not value:
        return None
    try:
        return User.objects.get(pk=int(value), is_active=True)
    except (ValueError, User.DoesNotExist) as exc:
        raise DomainError(_("Choose a person."), fields={field: [_("Choose a person.")]}) from exc


def perform(user, ticket, action, post, files, *, as_staff=True):
    """Run ``action`` on ``ticket`` with form data; raises DomainError/Forbidden."""
    if not may(user, ticket, action, as_staff=as_staff):
        raise Forbidden(_("You may not do this."))
    t = ticket
    text = (post.get("note") or post.get("reason") or "").strip()
    photos = files.getlist("photos") if files else ()
    match action:
        case "assign":
            return services.assign(
                actor=user, ticket=t, assignee=_staff_user(t, post.get("assignee")), note=text
            )
        case "transfer":
            assignee = _staff_user(t, post.get("assignee"))
            if assignee is None:
                raise DomainError(
                    _("Choose a person."), fields={"assignee": [_("Choose a person.")]}
                )
            return services.transfer(actor=user, ticket=t, assignee=assignee, reason=text)
        case "triage":
            return services.triage(
                actor=user, ticket=t, priority=post.get("priority", ""), reason=text
            )
        case "accept":
            return services.accept(actor=user, ticket=t)
        case "decline":
            return services.decline(actor=user, ticket=t, reason=text)
        case "arrive":
            return services.arrive(actor=user, ticket=t, photos=photos, note=text)
        case "wait":
            return services.wait_for_resident(actor=user, ticket=t, reason=text)
        case "resume":
            return services.resume(actor=user, ticket=t, note=text)
        case "work":
            return services.add_work_item(
                actor=user,
                ticket=t,
                kind=post.get("kind", "material"),
                description=post.get("description", ""),
                quantity=post.get("quantity") or "1",
                unit=post.get("unit", ""),
                unit_price=post.get("unit_price") or "0",
                chargeable=post.get("chargeable") in ("on", "1", "true"),
            )
        case "resolve":
            return services.resolve(actor=user, ticket=t, note=text, photos=photos)
        case "note":
            public = not as_staff or post.get("public") in ("on", "1", "true")
            return services.add_note(actor=user, ticket=t, note=text, public=public)
        case "confirm":
            return services.confirm(
                actor=user,
                ticket=t,
                note=text,
                score=post.get("score") or None,
                comment=post.get("comment", ""),
            )
        case "reopen":
            return services.reopen(actor=user, ticket=t, reason=text)
        case "rate":
            return services.rate(
                actor=user, ticket=t, score=post.get("score"), comment=post.get("comment", "")
            )
        case "appoint":
            return services.set_appointment(
                actor=user,
                ticket=t,
                appointment_at=_datetime(post.get("appointment_at"), "appointment_at"),
            )
        case "cancel":
            return services.cancel(actor=user, ticket=t, reason=text)
        case "return-visit":
            return services.record_return_visit(
                actor=user, ticket=t, outcome=post.get("outcome", ""), note=text
            )
        case "close":
            return services.close(actor=user, ticket=t, note=text)
        case "respond":
            return services.respond_to_complaint(
                actor=user, ticket=t, response=post.get("response", "")
            )
        case "escalate":
            return services.escalate(actor=user, ticket=t, reason=text)
    raise Forbidden(_("You may not do this."))
