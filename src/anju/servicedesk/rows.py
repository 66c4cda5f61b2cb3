"""The API's ticket representation, built by hand for the hot lists ("my tickets", the staff
queue): DRF's generic field machinery costs ~2 ms a ticket, this costs ~50 µs. The output is the
same as ``TicketSerializer``'s fields; ``servicedesk/tests/test_rows.py`` compares the two.

A list page's labels of related rows (house and building, reporter, first responder, assignee)
come with the page itself (``listing.ticket_page`` keeps them on each ticket as ``_labels``);
single tickets read their relations."""

from decimal import Decimal
from functools import lru_cache

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation

from anju.core import attachments, policy
from anju.core.crypto import mask_middle

from .choices import Category, Kind, Status

CENT = Decimal("0.01")

# The keys of a ticket in the API, in order (TicketSerializer's fields; ``TicketRows.row`` and
# ``listing.ticket_page_json`` write them).
FIELDS = (
    "id",
    "number",
    "community",
    "house",
    "house_label",
    "building",
    "location",
    "kind",
    "kind_display",
    "category",
    "category_display",
    "channel",
    "urgency",
    "priority",
    "priority_reason",
    "title",
    "description",
    "status",
    "status_display",
    "reporter",
    "reporter_name",
    "contact_phone",
    "first_responder",
    "first_responder_name",
    "assignee",
    "assignee_name",
    "opened_at",
    "appointment_at",
    "accept_due_at",
    "arrive_due_at",
    "resolve_due_at",
    "assigned_at",
    "accepted_at",
    "arrived_at",
    "resolved_at",
    "confirmed_at",
    "closed_at",
    "paused_seconds",
    "reopen_count",
    "rating",
    "rating_comment",
    "resolution",
    "response",
    "responded_at",
    "chargeable",
    "charge_amount",
    "escalation_level",
    "sla_state",
    "next_due",
    "allowed_actions",
    "source",
    "parent",
    "attachments",
)


@lru_cache(maxsize=64)
def _labels(choices, language):
    return {value: str(label) for value, label in choices.choices}


def labels(choices):
    """{value: label} of a choices class in the active language."""
    return _labels(choices, translation.get_language())


def iso(value, tz=None):
    """A datetime as DRF renders it: in the current time zone, ISO 8601, UTC as "Z"."""
    if value is None:
        return None
    text = value.astimezone(tz or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def user_name(user):
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def labels_of(t):
    """(house label, reporter name, first responder name, assignee name) of one ticket."""
    if hasattr(t, "_labels"):
        return t._labels
    house = t.house if t.house_id else None
    reporter = t.reporter if t.reporter_id else None
    return (
        f"{house.building.name}-{house.number}" if house else "",
        reporter.name if reporter else "",
        user_name(t.first_responder if t.first_responder_id else None),
        user_name(t.assignee if t.assignee_id else None),
    )


def attachments_of(t):
    """The ticket's attachments as the API lists them: a list page brings them with the page
    (``listing.ticket_page`` keeps them as ``_attachments``); a single ticket reads them."""
    if hasattr(t, "_attachments"):
        return t._attachments
    return [attachments.describe(a) for a in attachments.of(t)]


class TicketRows:
    """Turns tickets into API dicts for one request (labels and masking decided once)."""

    def __init__(self, user):
        self.user = user
        self.person_id = getattr(user, "person_id", None)
        self.status = labels(Status)
        self.kind = labels(Kind)
        self.category = labels(Category)
        self._contact = {}
        self.tz = timezone.get_current_timezone()

    def sees_contact(self, ticket):
        if self.person_id and self.person_id == ticket.reporter_id:
            return True
        community_id = ticket.community_id
        if community_id not in self._contact:
            self._contact[community_id] = self.user is not None and policy.staff_has(
                self.user, "core.person.view_contact", community_id
            )
        return self._contact[community_id]

    def row(self, t):
        tz = self.tz
        house_label, reporter_name, first_responder_name, assignee_name = labels_of(t)
        due = t.current_due()
        phone = t.contact_phone
        if phone and not self.sees_contact(t):
            phone = mask_middle(phone)
        source = None
        if t.source_type_id:
            ct = ContentType.objects.get_for_id(t.source_type_id)
            source = {"type": f"{ct.app_label}.{ct.model}", "id": t.source_id}
        return {
            "id": t.pk,
            "number": t.number,
            "community": t.community_id,
            "house": t.house_id,
            "house_label": house_label,
            "building": t.building_id,
            "location": t.location,
            "kind": t.kind,
            "kind_display": self.kind.get(t.kind, t.kind),
            "category": t.category,
            "category_display": self.category.get(t.category, t.category),
            "channel": t.channel,
            "urgency": t.urgency,
            "priority": t.priority,
            "priority_reason": t.priority_reason,
            "title": t.title,
            "description": t.description,
            "status": t.status,
            "status_display": self.status.get(t.status, t.status),
            "reporter": t.reporter_id,
            "reporter_name": reporter_name,
            "contact_phone": phone,
            "first_responder": t.first_responder_id,
            "first_responder_name": first_responder_name,
            "assignee": t.assignee_id,
            "assignee_name": assignee_name,
            "opened_at": iso(t.opened_at, tz),
            "appointment_at": iso(t.appointment_at, tz),
            "accept_due_at": iso(t.accept_due_at, tz),
            "arrive_due_at": iso(t.arrive_due_at, tz),
            "resolve_due_at": iso(t.resolve_due_at, tz),
            "assigned_at": iso(t.assigned_at, tz),
            "accepted_at": iso(t.accepted_at, tz),
            "arrived_at": iso(t.arrived_at, tz),
            "resolved_at": iso(t.resolved_at, tz),
            "confirmed_at": iso(t.confirmed_at, tz),
            "closed_at": iso(t.closed_at, tz),
            "paused_seconds": t.paused_seconds,
            "reopen_count": t.reopen_count,
            "rating": t.rating,
            "rating_comment": t.rating_comment,
            "resolution": t.resolution,
            "response": t.response,
            "responded_at": iso(t.responded_at, tz),
            "chargeable": t.chargeable,
            "charge_amount": format(Decimal(t.charge_amount).quantize(CENT), "f"),
            "escalation_level": t.escalation_level,
            "sla_state": t.sla_state(due=due),
            "next_due": {"step": due[0], "at": iso(due[1], tz)} if due else None,
            "allowed_actions": t.allowed_actions(),
            "source": source,
            "parent": t.parent_id,
            "attachments": attachments_of(t),
        }
