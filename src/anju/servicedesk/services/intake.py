"""Opening tickets (受理): the one entry point for residents, staff and other modules, and
the phone intake's caller lookup.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit
from anju.core.db import insert, together
from anju.core.errors import refuse
from anju.core.models import Community, House, Person
from anju.core.notifications import interpolate, notify
from anju.core.numbering import next_number

from .. import conf
from ..choices import (
    NUMBER_PREFIX,
    OPEN_STATUSES,
    Category,
    Channel,
    Kind,
    Priority,
    Urgency,
)
from ..models import (
    Ticket,
)
from .common import (
    actor_label,
    attach,
    choice,
    event,
    fmt,
    is_staff_in,
    tell_resident,
    ticket_link,
)
from .dispatch import assign
from .people import dispatch_candidates, intake_terms
from .sla import due_times, triage_priority


def open_ticket(
    *,
    actor,
    community,
    kind,
    category,
    description,
    channel="system",
    house=None,
    priority=None,
    source=None,
    reporter=None,
    title="",
    attachments=(),
) -> Ticket:
    """Raise work: the one entry point for residents, staff and other modules (IoT alarms,
    patrols, inspections, surveys, hazards). ``actor`` None means the system.

    With ``source`` (any model instance) the ticket keeps a generic reference to it, and the call
    is idempotent: an open ticket for the same source and category is returned, not duplicated.
    """
    return create_ticket(
        actor=actor,
        community=community,
        kind=kind,
        category=category,
        description=description,
        channel=channel,
        house=house,
        priority=priority,
        source=source,
        reporter=reporter,
        title=title,
        attachments=attachments,
    )


def ticket_for_source(source):
    """The newest ticket raised for ``source`` (any model instance), or None."""
    if source is None or source.pk is None:
        return None
    return Ticket.objects.for_source(source).order_by("-opened_at", "-id").first()


def ticket_row(
    *,
    community,
    kind,
    category,
    description,
    priority,
    sla,
    opened_at,
    number,
    channel,
    house=None,
    reporter=None,
    created_by=None,
    first_responder=None,
    urgency=Urgency.NORMAL,
    priority_reason="",
    title="",
    location="",
    contact_phone="",
    appointment_at=None,
    source_type=None,
    source_id="",
    parent=None,
) -> Ticket:
    """The unsaved ticket an intake writes: its building, skill, contact number and due times
    (``due_times`` from ``sla``, the community's minutes for ``priority``) derived as the desk
    derives them. ``create_ticket`` checks its input and saves one; the demo builds its history
    with this too, so its tickets follow the same rules."""
    accept_due, arrive_due, resolve_due = due_times(
        community, priority, opened_at, appointment_at, sla=sla
    )
    return Ticket(
        organization_id=community.organization_id,
        community=community,
        house=house,
        building_id=house.building_id if house is not None else None,
        location=(location or "")[:200],
        number=number,
        kind=kind,
        category=category,
        skill=conf.category_defaults(category)[1],
        channel=channel,
        urgency=urgency,
        priority=priority,
        priority_reason=(priority_reason or "")[:200],
        title=(title or "")[:120],
        description=description,
        reporter=reporter,
        contact_phone=contact_phone or (reporter.phone if reporter else ""),
        created_by=created_by,
        first_responder=first_responder,
        source_type=source_type,
        source_id=source_id,
        opened_at=opened_at,
        appointment_at=appointment_at,
        accept_due_at=accept_due,
        arrive_due_at=arrive_due,
        resolve_due_at=resolve_due,
        parent=parent,
    )


@transaction.atomic
def create_ticket(
    *,
    actor,
    community,
    kind,
    category,
    description,
    channel="system",
    house=None,
    priority=None,
    source=None,
    reporter=None,
    title="",
    attachments=(),
    urgency=Urgency.NORMAL,
    priority_reason="",
    appointment_at=None,
    location="",
    contact_phone="",
    parent=None,
    now=None,
) -> Ticket:
    """``open_ticket`` with the intake's extra fields (urgency, appointment, location, phone)."""
    now = now or timezone.now()
    choice(kind, Kind, "kind")
    choice(category, Category, "category")
    choice(channel, Channel, "channel")
    choice(urgency, Urgency, "urgency")
    if not isinstance(community, Community):
        community = Community.objects.get(pk=community)
    description = (description or "").strip()
    if not description:
        refuse("description", _("Describe the problem."))
    if house is not None:
        if not isinstance(house, House):
            house = House.objects.get(pk=house)
        if house.community_id != community.pk:
            refuse("house", _("The house is not in this community."))
    if reporter is not None and reporter.organization_id != community.organization_id:
        refuse("reporter", _("The reporter belongs to another company."))
    if appointment_at is not None and appointment_at < now - timedelta(minutes=5):
        refuse("appointment_at", _("The appointment must be in the future."))

    source_type = None
    source_id = ""
    if source is not None:
        if source.pk is None:
            refuse("source", _("Save the source before raising a ticket for it."))
        source_type = ContentType.objects.get_for_model(source, for_concrete_model=False)
        source_id = str(source.pk)
        # Serialize concurrent raises for one source on its row, then look for an open ticket.
        type(source)._default_manager.select_for_update().filter(pk=source.pk).first()
        existing = (
            Ticket.objects.filter(source_type=source_type, source_id=source_id, category=category)
            .filter(status__in=OPEN_STATUSES)
            .order_by("-opened_at")
            .first()
        )
        if existing is not None:
            return existing

    staff_actor = is_staff_in(actor, community.pk)
    computed = triage_priority(category, urgency, kind)
    if priority in (None, ""):
        priority = computed
        priority_reason = ""
    else:
        choice(priority, Priority, "priority")
        if actor is not None and not staff_actor:
            priority = computed  # residents choose the urgency, staff set the priority
            priority_reason = ""
        elif priority != computed and not priority_reason:
            priority_reason = _("Set at intake by %(who)s") % {"who": actor_label(actor)}

    sla, on_duty_responder = intake_terms(community, priority, now)
    first_responder = actor if staff_actor else on_duty_responder
    if reporter is None and actor is not None and actor.person_id and not staff_actor:
        reporter = actor.person
    ticket = ticket_row(
        community=community,
        kind=kind,
        category=category,
        description=description,
        priority=priority,
        sla=sla,
        opened_at=now,
        number=next_number(NUMBER_PREFIX[kind], community.pk, now),
        channel=channel,
        house=house,
        reporter=reporter,
        created_by=actor if actor is not None and actor.pk else None,
        first_responder=first_responder,
        urgency=urgency,
        priority_reason=priority_reason,
        title=title,
        location=location,
        contact_phone=contact_phone,
        appointment_at=appointment_at,
        source_type=source_type,
        source_id=source_id,
        parent=parent,
    )
    accept_due, arrive_due, resolve_due = (
        ticket.accept_due_at,
        ticket.arrive_due_at,
        ticket.resolve_due_at,
    )
    insert(ticket)
    stored = attach(ticket, attachments, _("Report photo"), actor=actor)
    photos = [a.pk for a in stored]
    # A new ticket's files are exactly these: its answer needs no query to list them.
    ticket.__dict__.setdefault("_prefetched_objects_cache", {})["attachments"] = stored
    with together():  # the record of the intake in one round trip
        event(
            ticket,
            "open",
            actor=actor,
            note=description,
            data={
                "channel": channel,
                "priority": priority,
                "accept_due_at": accept_due.isoformat(),
                "arrive_due_at": arrive_due.isoformat(),
                "resolve_due_at": resolve_due.isoformat(),
                "first_responder": actor_label(first_responder) if first_responder else "",
                "attachments": photos,
            },
            at=now,
        )
        audit.record(
            actor,
            "servicedesk.ticket.opened",
            ticket,
            after=audit.snapshot(ticket),
            community=community,
        )
        if first_responder is not None and first_responder != actor:
            notify(
                [first_responder],
                interpolate(
                    gettext_lazy("%(number)s new %(kind)s: you are the first responder"),
                    number=ticket.number,
                    kind=Kind(ticket.kind).label,
                ),
                description[:200],
                link=ticket_link(ticket),
                community=community,
                channels=("inbox", "sms") if priority == Priority.P1 else ("inbox",),
                urgent=priority == Priority.P1,
                event="servicedesk.ticket.opened",
            )
        # Recorded for a resident by the service desk (a call, a visit): they hear it is taken.
        tell_resident(
            ticket,
            "received",
            gettext_lazy("%(number)s received"),
            gettext_lazy("%(house)s · we will tell you who comes and when (by %(due)s)."),
            actor=actor,
            due=fmt(ticket.arrive_due_at),
        )
    auto = getattr(settings, "ANJU_SERVICEDESK_AUTO_DISPATCH_PRIORITIES", ())
    if kind == Kind.REPAIR and priority in auto and dispatch_candidates(ticket, now):
        return assign(actor=actor, ticket=ticket, assignee=None)
    return ticket


def find_caller(organization_ids, phone, community_ids=None):
    """Phone intake: the people with this number (or its last digits), their houses and open tickets."""
    digits = "".join(c for c in (phone or "") if c.isdigit())
    if len(digits) < 4:
        return []
    people = Person.objects.filter(organization_id__in=organization_ids)
    people = (
        people.filter(phone=digits) if len(digits) >= 11 else people.filter(phone__endswith=digits)
    )
    result = []
    for person in people.order_by("name")[:10]:
        occupancies = person.occupancies.active().select_related("house__building")
        if community_ids is not None:
            occupancies = occupancies.filter(community_id__in=community_ids)
        houses = [o.house for o in occupancies]
        if community_ids is not None and not houses:
            continue
        tickets = (
            Ticket.objects.filter(Q(reporter=person) | Q(house__in=houses))
            .open()
            .order_by("-opened_at")[:10]
        )
        result.append({"person": person, "houses": houses, "open_tickets": list(tickets)})
    return result
