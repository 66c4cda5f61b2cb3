"""Service-desk writes. Every change of a ticket goes through here: locked, re-checked,
audited, written to the ticket's timeline and told to the first responder (首问责任人).

First-responder rule (首问责任制): a staff member who opens a ticket (phone, walk-in, found on
site) is its first responder. A ticket raised by a resident on the portal or by the system (IoT
alarm, patrol, survey, periodic job) gets, in this order: the agent on duty in the community now
(``DutyShift``), the manager on duty now, then the community's customer-service agent, then its
manager (the longest-standing membership wins). The first responder never changes while the
ticket lives, whoever works it.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import attachments, audit, policy
from anju.core.db import insert, instance, prepared_cursor, together
from anju.core.errors import DomainError, Forbidden, InvalidTransition
from anju.core.models import Attachment, Community, House, Membership, Person, User
from anju.core.money import quantize, to_decimal
from anju.core.notifications import notify
from anju.core.numbering import next_number

from . import conf
from .choices import (
    NUMBER_PREFIX,
    OPEN_STATUSES,
    PRIORITY_ORDER,
    Category,
    Channel,
    DutyRole,
    Kind,
    Priority,
    ReturnVisitOutcome,
    Skill,
    Status,
    Urgency,
    WorkItemKind,
)
from .models import (
    DutyShift,
    Escalation,
    ReturnVisit,
    SlaPolicy,
    StaffSkill,
    Ticket,
    TicketEvent,
    TicketPause,
    WorkItem,
)

WORK_PERM = "servicedesk.ticket.work"
DISPATCH_PERM = "servicedesk.ticket.dispatch"
RESPOND_PERM = "servicedesk.complaint.respond"  # held by managers through "servicedesk.*"
VIEW_PERM = "servicedesk.ticket.view"


def _field_error(field, message):
    return DomainError(message, fields={field: [message]})


def _choice(value, choices, field):
    if value not in choices.values:
        raise _field_error(
            field, _("Choose one of: %(values)s.") % {"values": ", ".join(choices.values)}
        )
    return value


def _is_staff_in(user, community_id):
    return user is not None and policy.staff_has(user, "servicedesk.ticket.view", community_id)


def _actor_label(actor):
    if actor is None:
        return _("System")
    return actor.get_full_name() or actor.get_username()


# ---------------------------------------------------------------------------------------------
# SLA


def sla_for(community, priority) -> tuple[int, int, int]:
    """Minutes to accept, arrive and resolve: the community's policy row, else the settings
    template for the community's service level (DOMAIN.md §5)."""
    with prepared_cursor() as cursor:  # every intake asks: a statement planned once
        cursor.execute(_sla_sql(), {"community": community.pk, "priority": str(priority)})
        row = cursor.fetchone()
    return _sla_minutes(community, priority, row)


def _sla_minutes(community, priority, row):
    if row is not None and row[0] is not None:
        return tuple(row)
    return conf.sla_minutes(community.service_level, priority)


@cache
def _sla_sql():
    table = connection.ops.quote_name(SlaPolicy._meta.db_table)
    # Only the quoted table name is interpolated; values are parameters.
    return (
        "SELECT accept_minutes, arrive_minutes, resolve_minutes "  # noqa: S608
        f"FROM {table} WHERE community_id = %(community)s AND priority = %(priority)s "
        "ORDER BY id LIMIT 1"
    )


def _due_times(community, priority, start, appointment_at=None, sla=None):
    accept, arrive, resolve = sla or sla_for(community, priority)
    accept_due = start + timedelta(minutes=accept)
    arrive_due = start + timedelta(minutes=arrive)
    resolve_due = start + timedelta(minutes=resolve)
    if appointment_at is not None:
        # The resident's chosen time replaces the arrival target; the repair time runs from it.
        arrive_due = appointment_at
        resolve_due = max(resolve_due, appointment_at + timedelta(minutes=max(resolve - arrive, 0)))
    return accept_due, arrive_due, resolve_due


def triage_priority(category, urgency=Urgency.NORMAL, kind=Kind.REPAIR) -> str:
    """Priority from the category's default and the urgency/impact choice."""
    if (
        kind == Kind.REPAIR
        or kind == Kind.COMPLAINT
        and category in (Category.GAS, Category.SECURITY)
    ):
        base = conf.category_defaults(category)[0]
    else:
        base = conf.DEFAULT_NON_REPAIR_PRIORITY
    index = PRIORITY_ORDER.index(str(base))
    if urgency == Urgency.EMERGENCY:
        index = 0
    elif urgency == Urgency.HIGH:
        index = max(index - 1, 0)
    elif urgency == Urgency.LOW:
        index = min(index + 1, len(PRIORITY_ORDER) - 1)
    return PRIORITY_ORDER[index]


# ---------------------------------------------------------------------------------------------
# People: first responder, managers, dispatch candidates


def _members(community, roles, active_only=True):
    memberships = (
        Membership.objects.filter(
            organization_id=community.organization_id, role__in=roles, active=True
        )
        .filter(Q(communities__isnull=True) | Q(communities=community))
        .select_related("user")
        .order_by("created_at", "id")
        .distinct()
    )
    users = []
    for membership in memberships:
        if membership.user.is_active and membership.user not in users:
            users.append(membership.user)
    return users


def _shifts_now(community, roles, now=None):
    now = now or timezone.now()
    return DutyShift.objects.filter(
        community_id=community.pk,
        role__in=roles,
        starts_at__lte=now,
        ends_at__gt=now,
        user__is_active=True,
    ).select_related("user")


def on_duty(community, role, now=None):
    return [s.user for s in _shifts_now(community, [role], now).order_by("starts_at", "id")]


@cache
def _first_responder_sql(vendor):
    q = connection.ops.quote_name
    user_columns = ", ".join(f"u.{q(f.column)}" for f in User._meta.concrete_fields)
    links = q(Membership.communities.through._meta.db_table)
    # Only quoted table and column names from the models are interpolated; values are parameters.
    return (
        f"SELECT {user_columns} FROM ("  # noqa: S608
        "SELECT s.user_id, 0 AS source, CASE WHEN s.role = %(agent)s THEN 0 ELSE 1 END AS duty, "
        "s.starts_at AS since, s.id AS seq "
        f"FROM {q(DutyShift._meta.db_table)} s WHERE s.community_id = %(community)s "
        "AND s.role IN (%(agent)s, %(manager)s) AND s.starts_at <= %(now)s AND s.ends_at > %(now)s "
        "UNION ALL "
        "SELECT m.user_id, 1, CASE WHEN m.role = %(agent)s THEN 0 ELSE 1 END, m.created_at, m.id "
        f"FROM {q(Membership._meta.db_table)} m WHERE m.organization_id = %(organization)s "
        "AND m.role IN (%(agent)s, %(manager)s) AND m.active "
        f"AND (NOT EXISTS (SELECT 1 FROM {links} l WHERE l.membership_id = m.id) "
        f"  OR EXISTS (SELECT 1 FROM {links} l WHERE l.membership_id = m.id "
        "             AND l.community_id = %(community)s))"
        f") x JOIN {q(User._meta.db_table)} u ON u.id = x.user_id AND u.is_active "
        "ORDER BY x.source, x.duty, x.since, x.seq LIMIT 1"
    )


@cache
def _intake_sql(vendor):
    """The SLA row and the first responder together: each intake needs both."""
    user_columns = ", ".join(
        f"r.{connection.ops.quote_name(f.column)}" for f in User._meta.concrete_fields
    )
    return (
        "SELECT s.accept_minutes, s.arrive_minutes, s.resolve_minutes, "  # noqa: S608
        f"{user_columns} FROM (SELECT 1 AS one) o "
        f"LEFT JOIN ({_sla_sql()}) s ON 1 = 1 "
        f"LEFT JOIN ({_first_responder_sql(vendor)}) r ON 1 = 1"
    )


def _responder_params(community, now):
    return {
        "agent": str(DutyRole.AGENT),
        "manager": str(DutyRole.MANAGER),
        "community": community.pk,
        "organization": community.organization_id,
        "now": connection.ops.adapt_datetimefield_value(now),
    }


def default_first_responder(community, now=None):
    """See the module docstring for the rule: an agent on duty, else a manager on duty, else the
    community's longest-serving agent, else its longest-serving manager; active logins only.
    One statement (every intake asks), the same rule as ``on_duty`` and ``_members`` apply."""
    now = now or timezone.now()
    with prepared_cursor() as cursor:
        cursor.execute(_first_responder_sql(connection.vendor), _responder_params(community, now))
        row = cursor.fetchone()
    if row is None:
        return None
    return instance(User, row)


def intake_terms(community, priority, now):
    """(minutes to accept, arrive and resolve; the default first responder or None) for a
    ticket of ``priority`` opened ``now``: ``sla_for`` and ``default_first_responder`` in one
    statement."""
    with prepared_cursor() as cursor:
        cursor.execute(
            _intake_sql(connection.vendor),
            {**_responder_params(community, now), "priority": str(priority)},
        )
        row = cursor.fetchone()
    user = row[3:]  # the first responder's columns, all NULL when there is none
    responder = None if user[_USER_KEY] is None else instance(User, user)
    return _sla_minutes(community, priority, row[:3]), responder


_USER_KEY = User._meta.concrete_fields.index(User._meta.pk)


def community_managers(community):
    return _members(community, ["manager"])


def company_admins(community):
    return list(
        User.objects.filter(
            memberships__organization_id=community.organization_id,
            memberships__role="org_admin",
            memberships__active=True,
            is_active=True,
        ).distinct()
    )


def open_load(user_ids):
    rows = (
        Ticket.objects.filter(assignee_id__in=user_ids, status__in=OPEN_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    return {row["assignee_id"]: row["n"] for row in rows}


def dispatch_candidates(ticket, now=None):
    """Technicians who can take ``ticket``: in its community, with its skill (when any staff has
    skills recorded), on duty now (when the community keeps a roster), least loaded first."""
    community = ticket.community
    people = _members(community, ["technician"])
    if not people:
        return []
    if ticket.skill:
        with_skills = set(
            StaffSkill.objects.filter(
                organization_id=community.organization_id, user__in=people
            ).values_list("user_id", flat=True)
        )
        skilled = set(
            StaffSkill.objects.filter(
                organization_id=community.organization_id, user__in=people, skill=ticket.skill
            ).values_list("user_id", flat=True)
        )
        if with_skills:
            people = [
                u for u in people if u.pk in skilled or u.pk not in with_skills and not skilled
            ]
    roster = DutyShift.objects.filter(community_id=community.pk, role=DutyRole.TECHNICIAN)
    if roster.exists():
        duty = {u.pk for u in on_duty(community, DutyRole.TECHNICIAN, now)}
        if duty & {u.pk for u in people}:
            people = [u for u in people if u.pk in duty]
    load = open_load([u.pk for u in people])
    return sorted(people, key=lambda u: (load.get(u.pk, 0), u.pk))


# ---------------------------------------------------------------------------------------------
# Timeline, notifications, attachments


def _event(ticket, actor, action, *, before_status="", note="", data=None, public=True, at=None):
    return insert(
        TicketEvent(
            organization_id=ticket.organization_id,
            community_id=ticket.community_id,
            ticket=ticket,
            action=action,
            from_status=before_status or "",
            to_status=ticket.status,
            actor=actor if actor is not None and actor.pk else None,
            actor_label=_actor_label(actor),
            note=note or "",
            data=data or {},
            public=public,
            at=at or timezone.now(),
        )
    )


def ticket_link(ticket, portal=False):
    return f"/app/tickets/{ticket.pk}/" if portal else f"/console/tickets/{ticket.pk}/"


def _reporter_user(ticket):
    if ticket.reporter_id is None:
        return None
    return User.objects.filter(person_id=ticket.reporter_id, is_active=True).first()


def _tell(ticket, actor, title, body="", *, extra=(), resident=False, sms=False):
    """The first responder hears of every change; ``extra`` users too; the reporter when asked."""
    staff = [u for u in [ticket.first_responder, *extra] if u is not None and u != actor]
    unique = list(dict.fromkeys(staff))
    channels = ("inbox", "sms") if sms else ("inbox",)
    community = ticket.community
    if unique:
        notify(
            unique,
            f"{ticket.number} {title}",
            body,
            link=ticket_link(ticket),
            community=community,
            channels=channels,
        )
    if resident:
        user = _reporter_user(ticket)
        if user is not None and user != actor:
            notify(
                [user],
                f"{ticket.number} {title}",
                body,
                link=ticket_link(ticket, portal=True),
                community=community,
            )


def _attach(ticket, actor, files, label, field="attachments"):
    """Store the uploads (checked by ``core.attachments``; refused whole, naming ``field``) and
    share the given attachments of other records (a failed checklist's photo) with the ticket."""
    files = list(files or ())
    shared = [item for item in files if isinstance(item, Attachment)]
    if any(item.organization_id != ticket.organization_id for item in shared):
        raise _field_error(field, _("An attachment of another company was given."))
    uploads = [item for item in files if not isinstance(item, Attachment)]
    stored = attachments.attach(ticket, uploads, actor=actor, field=field, caption=label)
    return [attachments.share(item, ticket, caption=label) for item in shared] + stored


def _lock(ticket, action) -> Ticket:
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("community", "first_responder")
        .get(pk=ticket.pk)
    )
    allowed = locked.allowed_actions()
    if action not in allowed:
        raise InvalidTransition(action, locked.status, allowed)
    return locked


def _save(ticket, fields):
    ticket.save(update_fields=[*fields, "updated_at"])


def _record(actor, action, ticket, before, after):
    audit.record(
        actor,
        f"servicedesk.ticket.{action}",
        ticket,
        before=before,
        after=after,
        community=ticket.community,
    )


# ---------------------------------------------------------------------------------------------
# Opening


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
    _choice(kind, Kind, "kind")
    _choice(category, Category, "category")
    _choice(channel, Channel, "channel")
    _choice(urgency, Urgency, "urgency")
    if not isinstance(community, Community):
        community = Community.objects.get(pk=community)
    description = (description or "").strip()
    if not description:
        raise _field_error("description", _("Describe the problem."))
    if house is not None:
        if not isinstance(house, House):
            house = House.objects.get(pk=house)
        if house.community_id != community.pk:
            raise _field_error("house", _("The house is not in this community."))
    if reporter is not None and reporter.organization_id != community.organization_id:
        raise _field_error("reporter", _("The reporter belongs to another company."))
    if appointment_at is not None and appointment_at < now - timedelta(minutes=5):
        raise _field_error("appointment_at", _("The appointment must be in the future."))

    source_type = None
    source_id = ""
    if source is not None:
        if source.pk is None:
            raise _field_error("source", _("Save the source before raising a ticket for it."))
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

    staff_actor = _is_staff_in(actor, community.pk)
    computed = triage_priority(category, urgency, kind)
    if priority in (None, ""):
        priority = computed
        priority_reason = ""
    else:
        _choice(priority, Priority, "priority")
        if actor is not None and not staff_actor:
            priority = computed  # residents choose the urgency, staff set the priority
            priority_reason = ""
        elif priority != computed and not priority_reason:
            priority_reason = _("Set at intake by %(who)s") % {"who": _actor_label(actor)}

    sla, on_duty_responder = intake_terms(community, priority, now)
    first_responder = actor if staff_actor else on_duty_responder
    accept_due, arrive_due, resolve_due = _due_times(
        community, priority, now, appointment_at, sla=sla
    )
    if reporter is None and actor is not None and actor.person_id and not staff_actor:
        reporter = actor.person
    skill = conf.category_defaults(category)[1]
    ticket = Ticket(
        organization_id=community.organization_id,
        community=community,
        house=house,
        building_id=house.building_id if house is not None else None,
        location=location[:200],
        number=next_number(NUMBER_PREFIX[kind], community.pk, now),
        kind=kind,
        category=category,
        skill=skill,
        channel=channel,
        urgency=urgency,
        priority=priority,
        priority_reason=priority_reason[:200],
        title=(title or "")[:120],
        description=description,
        reporter=reporter,
        contact_phone=contact_phone or (reporter.phone if reporter else ""),
        created_by=actor if actor is not None and actor.pk else None,
        first_responder=first_responder,
        source_type=source_type,
        source_id=source_id,
        opened_at=now,
        appointment_at=appointment_at,
        accept_due_at=accept_due,
        arrive_due_at=arrive_due,
        resolve_due_at=resolve_due,
        parent=parent,
    )
    insert(ticket)
    stored = _attach(ticket, actor, attachments, _("Report photo"))
    photos = [a.pk for a in stored]
    # A new ticket's files are exactly these: its answer needs no query to list them.
    ticket.__dict__.setdefault("_prefetched_objects_cache", {})["attachments"] = stored
    with together():  # the record of the intake in one round trip
        _event(
            ticket,
            actor,
            "open",
            note=description,
            data={
                "channel": channel,
                "priority": priority,
                "accept_due_at": accept_due.isoformat(),
                "arrive_due_at": arrive_due.isoformat(),
                "resolve_due_at": resolve_due.isoformat(),
                "first_responder": _actor_label(first_responder) if first_responder else "",
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
                _("%(number)s new %(kind)s: you are the first responder")
                % {"number": ticket.number, "kind": ticket.get_kind_display()},
                description[:200],
                link=ticket_link(ticket),
                community=community,
                channels=("inbox", "sms") if priority == Priority.P1 else ("inbox",),
            )
    auto = getattr(settings, "ANJU_SERVICEDESK_AUTO_DISPATCH_PRIORITIES", ())
    if kind == Kind.REPAIR and priority in auto and dispatch_candidates(ticket, now):
        return assign(actor=actor, ticket=ticket, assignee=None)
    return ticket


# ---------------------------------------------------------------------------------------------
# Dispatch


def _check_worker(assignee, ticket, field="assignee"):
    if (
        not policy.staff_has(assignee, WORK_PERM, ticket.community_id, ticket.organization_id)
        or not assignee.is_active
    ):
        raise _field_error(field, _("This person cannot work tickets in this community."))


@transaction.atomic
def assign(*, actor, ticket, assignee=None, note="") -> Ticket:
    """Manual assign, or automatic (``assignee`` None) by skill, roster and current load."""
    ticket = _lock(ticket, "assign")
    automatic = assignee is None
    if automatic:
        candidates = dispatch_candidates(ticket)
        if not candidates:
            raise _field_error(
                "assignee", _("No technician is available for this ticket; assign one by hand.")
            )
        assignee = candidates[0]
    _check_worker(assignee, ticket)
    before = {"status": ticket.status, "assignee": ticket.assignee_id}
    ticket.status = Status.ASSIGNED
    ticket.assignee = assignee
    ticket.assigned_at = timezone.now()
    _save(ticket, ["status", "assignee", "assigned_at"])
    with together():  # the record of the change in one round trip
        _event(
            ticket,
            actor,
            "assign",
            before_status=before["status"],
            note=note,
            data={"assignee": _actor_label(assignee), "automatic": automatic},
        )
        _record(
            actor,
            "assigned",
            ticket,
            before,
            {"status": ticket.status, "assignee": assignee.pk, "automatic": automatic},
        )
        notify(
            [assignee] if assignee != actor else [],
            _("%(number)s assigned to you") % {"number": ticket.number},
            _("%(category)s, arrive by %(due)s")
            % {"category": ticket.get_category_display(), "due": _fmt(ticket.arrive_due_at)},
            link=f"/console/my-tasks/{ticket.pk}/",
            community=ticket.community,
            channels=("inbox", "sms"),
        )
        _tell(ticket, actor, _("dispatched to %(name)s") % {"name": _actor_label(assignee)}, note)
    return ticket


def _fmt(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@transaction.atomic
def transfer(*, actor, ticket, assignee, reason) -> Ticket:
    """转派: hand a ticket in work to another technician, with a reason."""
    if not (reason or "").strip():
        raise _field_error("reason", _("Give the reason for the transfer."))
    ticket = _lock(ticket, "transfer")
    _check_worker(assignee, ticket)
    if assignee.pk == ticket.assignee_id:
        raise _field_error("assignee", _("The ticket is already with this person."))
    previous = ticket.assignee
    before = {"status": ticket.status, "assignee": ticket.assignee_id}
    ticket.status = Status.ASSIGNED
    ticket.assignee = assignee
    ticket.assigned_at = timezone.now()
    ticket.accepted_at = None if ticket.arrived_at is None else ticket.accepted_at
    _save(ticket, ["status", "assignee", "assigned_at", "accepted_at"])
    with together():  # the record of the change in one round trip
        _event(
            ticket,
            actor,
            "transfer",
            before_status=before["status"],
            note=reason,
            data={
                "from": _actor_label(previous) if previous else "",
                "assignee": _actor_label(assignee),
            },
        )
        _record(
            actor,
            "transferred",
            ticket,
            before,
            {"status": ticket.status, "assignee": assignee.pk, "reason": reason},
        )
        notify(
            [assignee],
            _("%(number)s transferred to you") % {"number": ticket.number},
            reason,
            link=f"/console/my-tasks/{ticket.pk}/",
            community=ticket.community,
            channels=("inbox", "sms"),
        )
        _tell(
            ticket,
            actor,
            _("transferred to %(name)s") % {"name": _actor_label(assignee)},
            reason,
            extra=[previous] if previous else (),
        )
    return ticket


def _require_assignee_or_dispatcher(actor, ticket):
    if actor is None or actor.pk == ticket.assignee_id:
        return
    if policy.staff_has(actor, DISPATCH_PERM, ticket.community_id, ticket.organization_id):
        return
    raise Forbidden(_("Only the assigned technician or a dispatcher can do this."))


@transaction.atomic
def accept(*, actor, ticket) -> Ticket:
    ticket = _lock(ticket, "accept")
    _require_assignee_or_dispatcher(actor, ticket)
    before = ticket.status
    ticket.status = Status.ACCEPTED
    ticket.accepted_at = timezone.now()
    _save(ticket, ["status", "accepted_at"])
    with together():  # the record of the change in one round trip
        _event(ticket, actor, "accept", before_status=before)
        _record(actor, "accepted", ticket, {"status": before}, {"status": ticket.status})
        _tell(
            ticket,
            actor,
            _("accepted by %(name)s") % {"name": _actor_label(ticket.assignee)},
            resident=True,
        )
    return ticket


@transaction.atomic
def decline(*, actor, ticket, reason) -> Ticket:
    """拒单: the technician gives it back to the pool, with a reason."""
    if not (reason or "").strip():
        raise _field_error("reason", _("Give the reason for declining."))
    ticket = _lock(ticket, "decline")
    _require_assignee_or_dispatcher(actor, ticket)
    before = {"status": ticket.status, "assignee": ticket.assignee_id}
    previous = ticket.assignee
    ticket.status = Status.NEW
    ticket.assignee = None
    ticket.assigned_at = None
    _save(ticket, ["status", "assignee", "assigned_at"])
    with together():  # the record of the change in one round trip
        _event(
            ticket,
            actor,
            "decline",
            before_status=before["status"],
            note=reason,
            data={"by": _actor_label(previous) if previous else ""},
            public=False,
        )
        _record(
            actor,
            "declined",
            ticket,
            before,
            {"status": ticket.status, "assignee": None, "reason": reason},
        )
        _tell(
            ticket,
            actor,
            _("declined, back in the pool"),
            reason,
            sms=ticket.priority == Priority.P1,
        )
    return ticket


@transaction.atomic
def arrive(*, actor, ticket, photos=(), note="") -> Ticket:
    ticket = _lock(ticket, "arrive")
    _require_assignee_or_dispatcher(actor, ticket)
    before = ticket.status
    ticket.status = Status.IN_PROGRESS
    ticket.arrived_at = timezone.now()
    _save(ticket, ["status", "arrived_at"])
    saved = [a.pk for a in _attach(ticket, actor, photos, _("Arrival"), field="photos")]
    with together():  # the record of the change in one round trip
        _event(
            ticket, actor, "arrive", before_status=before, note=note, data={"attachments": saved}
        )
        _record(actor, "arrived", ticket, {"status": before}, {"status": ticket.status})
        _tell(ticket, actor, _("technician on site"), resident=True)
    return ticket


@transaction.atomic
def wait_for_resident(*, actor, ticket, reason) -> Ticket:
    """挂起: the clock stops while we wait for the resident (no one home, parts they buy)."""
    if not (reason or "").strip():
        raise _field_error("reason", _("Say what we are waiting for."))
    ticket = _lock(ticket, "wait")
    now = timezone.now()
    before = ticket.status
    ticket.paused_from = ticket.status
    ticket.status = Status.WAITING
    ticket.paused_at = now
    _save(ticket, ["status", "paused_from", "paused_at"])
    TicketPause.objects.create(
        organization_id=ticket.organization_id,
        community_id=ticket.community_id,
        ticket=ticket,
        reason=reason[:200],
        started_at=now,
        started_by=actor if actor is not None and actor.pk else None,
    )
    with together():  # the record of the change in one round trip
        _event(ticket, actor, "wait", before_status=before, note=reason)
        _record(
            actor, "paused", ticket, {"status": before}, {"status": ticket.status, "reason": reason}
        )
        _tell(ticket, actor, _("waiting for the resident, clock paused"), reason, resident=True)
    return ticket


@transaction.atomic
def resume(*, actor, ticket, note="") -> Ticket:
    """The clock runs again; the due times not yet met move by the length of the pause."""
    ticket = _lock(ticket, "resume")
    now = timezone.now()
    paused = now - ticket.paused_at
    before = ticket.status
    ticket.status = ticket.paused_from or Status.ACCEPTED
    if ticket.arrived_at is None:
        ticket.arrive_due_at += paused
    ticket.resolve_due_at += paused
    ticket.paused_seconds += int(paused.total_seconds())
    ticket.paused_at = None
    ticket.paused_from = ""
    _save(
        ticket,
        ["status", "arrive_due_at", "resolve_due_at", "paused_seconds", "paused_at", "paused_from"],
    )
    TicketPause.objects.filter(ticket=ticket, ended_at__isnull=True).update(ended_at=now)
    with together():  # the record of the change in one round trip
        _event(
            ticket,
            actor,
            "resume",
            before_status=before,
            note=note,
            data={
                "paused_minutes": int(paused.total_seconds() // 60),
                "resolve_due_at": ticket.resolve_due_at.isoformat(),
            },
        )
        _record(
            actor,
            "resumed",
            ticket,
            {"status": before},
            {"status": ticket.status, "paused_seconds": int(paused.total_seconds())},
        )
        _tell(ticket, actor, _("clock running again"), note)
    return ticket


@transaction.atomic
def set_appointment(*, actor, ticket, appointment_at) -> Ticket:
    """预约上门: the resident's chosen time becomes the arrival due time."""
    ticket = _lock(ticket, "appoint")
    if appointment_at is None or appointment_at < timezone.now() - timedelta(minutes=5):
        raise _field_error("appointment_at", _("The appointment must be in the future."))
    before = {
        "appointment_at": _fmt(ticket.appointment_at),
        "arrive_due_at": _fmt(ticket.arrive_due_at),
    }
    _accept, arrive, resolve = sla_for(ticket.community, ticket.priority)
    ticket.appointment_at = appointment_at
    ticket.arrive_due_at = appointment_at
    ticket.resolve_due_at = max(
        ticket.resolve_due_at, appointment_at + timedelta(minutes=max(resolve - arrive, 0))
    )
    _save(ticket, ["appointment_at", "arrive_due_at", "resolve_due_at"])
    with together():  # the record of the change in one round trip
        _event(
            ticket,
            actor,
            "appoint",
            before_status=ticket.status,
            data={"appointment_at": appointment_at.isoformat()},
        )
        _record(actor, "appointment_set", ticket, before, {"appointment_at": _fmt(appointment_at)})
        _tell(
            ticket,
            actor,
            _("appointment %(when)s") % {"when": _fmt(appointment_at)},
            extra=[ticket.assignee],
        )
    return ticket


@transaction.atomic
def triage(*, actor, ticket, priority, reason) -> Ticket:
    """An agent overrides the priority, with a reason; due times are computed again from the opening."""
    _choice(priority, Priority, "priority")
    if not (reason or "").strip():
        raise _field_error("reason", _("Give the reason for changing the priority."))
    ticket = _lock(ticket, "triage")
    before = {"priority": ticket.priority, "resolve_due_at": _fmt(ticket.resolve_due_at)}
    accept_due, arrive_due, resolve_due = _due_times(
        ticket.community, priority, ticket.opened_at, ticket.appointment_at
    )
    pause = timedelta(seconds=ticket.paused_seconds)
    ticket.priority = priority
    ticket.priority_reason = reason[:200]
    ticket.accept_due_at = accept_due
    ticket.arrive_due_at = arrive_due + (pause if ticket.appointment_at is None else timedelta(0))
    ticket.resolve_due_at = resolve_due + pause
    _save(
        ticket, ["priority", "priority_reason", "accept_due_at", "arrive_due_at", "resolve_due_at"]
    )
    with together():  # the record of the change in one round trip
        _event(
            ticket,
            actor,
            "triage",
            before_status=ticket.status,
            note=reason,
            data={"priority": priority},
        )
        _record(actor, "triaged", ticket, before, {"priority": priority, "reason": reason})
        _tell(
            ticket,
            actor,
            _("priority now %(priority)s") % {"priority": priority},
            reason,
            extra=[ticket.assignee],
        )
    return ticket


# ---------------------------------------------------------------------------------------------
# Work


@transaction.atomic
def add_note(*, actor, ticket, note, public=False) -> TicketEvent:
    if not (note or "").strip():
        raise _field_error("note", _("Write the note."))
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status in (Status.CLOSED, Status.CANCELLED) and not public:
        raise InvalidTransition("note", ticket.status, ticket.allowed_actions())
    event = _event(ticket, actor, "note", before_status=ticket.status, note=note, public=public)
    with together():  # the record of the change in one round trip
        _record(actor, "noted", ticket, None, {"note": note[:200], "public": public})
        _tell(ticket, actor, _("note added"), note[:200])
    return event


@transaction.atomic
def add_work_item(
    *, actor, ticket, kind, description, quantity=1, unit="", unit_price=0, chargeable=False
) -> WorkItem:
    """用料/工时, with the in-house price when the resident pays (billing reads these later)."""
    _choice(kind, WorkItemKind, "kind")
    ticket = _lock(ticket, "work")
    if not (description or "").strip():
        raise _field_error("description", _("Describe the material or the work."))
    try:
        quantity = to_decimal(quantity)
        unit_price = quantize(unit_price)
    except (ValueError, TypeError) as exc:
        raise _field_error("quantity", _("Enter numbers for quantity and price.")) from exc
    if quantity <= 0:
        raise _field_error("quantity", _("The quantity must be more than zero."))
    if unit_price < 0:
        raise _field_error("unit_price", _("The price must not be negative."))
    item = WorkItem.objects.create(
        organization_id=ticket.organization_id,
        community_id=ticket.community_id,
        ticket=ticket,
        kind=kind,
        description=description.strip()[:200],
        quantity=quantity,
        unit=unit[:20],
        unit_price=unit_price,
        amount=quantize(quantity * unit_price),
        chargeable=bool(chargeable),
        created_by=actor if actor is not None and actor.pk else None,
    )
    total = sum((w.amount for w in ticket.work_items.filter(chargeable=True)), Decimal("0.00"))
    ticket.chargeable = total > 0
    ticket.charge_amount = quantize(total)
    _save(ticket, ["chargeable", "charge_amount"])
    with together():  # the record of the change in one round trip
        _event(
            ticket,
            actor,
            "work",
            before_status=ticket.status,
            note=item.description,
            data={
                "kind": kind,
                "quantity": str(quantity),
                "unit": unit,
                "amount": str(item.amount),
                "chargeable": item.chargeable,
            },
            public=item.chargeable,
        )
        _record(
            actor,
            "work_recorded",
            ticket,
            None,
            {
                "item": item.pk,
                "amount": str(item.amount),
                "chargeable": item.chargeable,
                "charge_amount": str(ticket.charge_amount),
            },
        )
    return item


def _return_visit_agent(ticket):
    if ticket.first_responder_id and policy.staff_has(
        ticket.first_responder, "servicedesk.ticket.return_visit", ticket.community_id
    ):
        return ticket.first_responder
    return default_first_responder(ticket.community)


def _open_return_visit(ticket, now):
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
def resolve(*, actor, ticket, note="", photos=()) -> Ticket:
    """完工: work done (or the request answered); a return visit is due."""
    ticket = _lock(ticket, "resolve")
    if ticket.kind == Kind.REPAIR:
        _require_assignee_or_dispatcher(actor, ticket)
    if ticket.kind == Kind.REPAIR and not (note or "").strip():
        raise _field_error("note", _("Say what was done."))
    now = timezone.now()
    before = ticket.status
    ticket.status = Status.RESOLVED
    ticket.resolved_at = now
    ticket.resolution = (note or "").strip()
    if ticket.accepted_at is None:
        ticket.accepted_at = now
    _save(ticket, ["status", "resolved_at", "resolution", "accepted_at"])
    saved = [a.pk for a in _attach(ticket, actor, photos, _("Done"), field="photos")]
    visit = _open_return_visit(ticket, now)
    with together():  # the record of the change in one round trip
        _event(
            ticket, actor, "resolve", before_status=before, note=note, data={"attachments": saved}
        )
        _record(
            actor,
            "resolved",
            ticket,
            {"status": before},
            {"status": ticket.status, "note": note[:200]},
        )
        _tell(
            ticket,
            actor,
            _("resolved: please confirm"),
            note[:200],
            resident=True,
            extra=[visit.agent] if visit is not None and visit.agent else (),
        )
    return ticket


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


@transaction.atomic
def confirm(*, actor, ticket, note="") -> Ticket:
    ticket = _lock(ticket, "confirm")
    _require_resident_or_staff(actor, ticket)
    before = ticket.status
    ticket.status = Status.CONFIRMED
    ticket.confirmed_at = timezone.now()
    _save(ticket, ["status", "confirmed_at"])
    with together():  # the record of the change in one round trip
        _event(ticket, actor, "confirm", before_status=before, note=note)
        _record(actor, "confirmed", ticket, {"status": before}, {"status": ticket.status})
        _tell(ticket, actor, _("confirmed by the resident"), note, extra=[ticket.assignee])
    return ticket


@transaction.atomic
def reopen(*, actor, ticket, reason) -> Ticket:
    """返修: not fixed. The ticket goes back to its technician (or the pool) with new due times."""
    if not (reason or "").strip():
        raise _field_error("reason", _("Say what is still wrong."))
    ticket = _lock(ticket, "reopen")
    _require_resident_or_staff(actor, ticket)
    return _reopen_locked(actor, ticket, reason)


def _reopen_locked(actor, ticket, reason):
    now = timezone.now()
    before = {"status": ticket.status, "reopen_count": ticket.reopen_count}
    ticket.reopen_count += 1
    can_work = ticket.assignee is not None and policy.staff_has(
        ticket.assignee, WORK_PERM, ticket.community_id, ticket.organization_id
    )
    ticket.status = Status.ASSIGNED if can_work else Status.NEW
    if not can_work:
        ticket.assignee = None
    accept_due, arrive_due, resolve_due = _due_times(ticket.community, ticket.priority, now)
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
    _save(
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
        _event(
            ticket,
            actor,
            "reopen",
            before_status=before["status"],
            note=reason,
            data={"reopen_count": ticket.reopen_count, "resolve_due_at": resolve_due.isoformat()},
        )
        _record(
            actor,
            "reopened",
            ticket,
            before,
            {"status": ticket.status, "reopen_count": ticket.reopen_count, "reason": reason},
        )
        _tell(
            ticket, actor, _("reopened"), reason, extra=[ticket.assignee], resident=True, sms=True
        )
    return ticket


@transaction.atomic
def rate(*, actor, ticket, score, comment="") -> Ticket:
    """评价 1-5 with a comment, once per resolution."""
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise _field_error("score", _("Give a score from 1 to 5."))
    ticket = _lock(ticket, "rate")
    _require_resident_or_staff(actor, ticket)
    ticket.rating = score
    ticket.rating_comment = (comment or "").strip()[:500]
    ticket.rated_at = timezone.now()
    _save(ticket, ["rating", "rating_comment", "rated_at"])
    with together():  # the record of the change in one round trip
        _event(
            ticket,
            actor,
            "rate",
            before_status=ticket.status,
            note=ticket.rating_comment,
            data={"score": score},
        )
        _record(actor, "rated", ticket, None, {"score": score, "comment": ticket.rating_comment})
    extra = [ticket.assignee]
    if score <= 2:
        extra += community_managers(ticket.community)
    _tell(
        ticket, actor, _("rated %(score)s/5") % {"score": score}, ticket.rating_comment, extra=extra
    )
    return ticket


@transaction.atomic
def close(*, actor, ticket, note="") -> Ticket:
    ticket = _lock(ticket, "close")
    if ticket.kind == Kind.COMPLAINT and not ticket.response:
        raise _field_error(
            "response", _("A complaint needs the manager's written response before it is closed.")
        )
    now = timezone.now()
    before = ticket.status
    ticket.status = Status.CLOSED
    ticket.closed_at = now
    _save(ticket, ["status", "closed_at"])
    with together():  # the record of the change in one round trip
        _event(ticket, actor, "close", before_status=before, note=note)
        _record(actor, "closed", ticket, {"status": before}, {"status": ticket.status})
        _tell(ticket, actor, _("closed"), note)
    return ticket


@transaction.atomic
def cancel(*, actor, ticket, reason) -> Ticket:
    if not (reason or "").strip():
        raise _field_error("reason", _("Give the reason for cancelling."))
    ticket = _lock(ticket, "cancel")
    _require_resident_or_staff(actor, ticket, perm=DISPATCH_PERM)
    before = ticket.status
    ticket.status = Status.CANCELLED
    ticket.closed_at = timezone.now()
    _save(ticket, ["status", "closed_at"])
    with together():  # the record of the change in one round trip
        _event(ticket, actor, "cancel", before_status=before, note=reason)
        _record(
            actor,
            "cancelled",
            ticket,
            {"status": before},
            {"status": ticket.status, "reason": reason},
        )
        _tell(ticket, actor, _("cancelled"), reason, extra=[ticket.assignee])
    return ticket


@transaction.atomic
def respond_to_complaint(*, actor, ticket, response) -> Ticket:
    """投诉书面答复 by the community manager."""
    if not (response or "").strip():
        raise _field_error("response", _("Write the response."))
    ticket = _lock(ticket, "respond")
    if actor is None or not policy.staff_has(
        actor, RESPOND_PERM, ticket.community_id, ticket.organization_id
    ):
        raise Forbidden(_("Only the community manager can answer a complaint."))
    before = {"response": ticket.response}
    ticket.response = response.strip()
    ticket.responded_by = actor
    ticket.responded_at = timezone.now()
    _save(ticket, ["response", "responded_by", "responded_at"])
    with together():  # the record of the change in one round trip
        _event(ticket, actor, "respond", before_status=ticket.status, note=ticket.response)
        _record(actor, "responded", ticket, before, {"response": ticket.response[:500]})
        _tell(ticket, actor, _("written response given"), ticket.response[:200], resident=True)
    return ticket


@transaction.atomic
def record_return_visit(*, actor, ticket, outcome, note="") -> ReturnVisit:
    """回访: satisfied closes the ticket; unhappy reopens it or opens a complaint."""
    _choice(outcome, ReturnVisitOutcome, "outcome")
    ticket = _lock(ticket, "return-visit")
    now = timezone.now()
    visit = (
        ReturnVisit.objects.select_for_update()
        .filter(ticket=ticket, status=ReturnVisit.Status.PENDING)
        .first()
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
        raise _field_error("note", _("Write what the resident said."))
    visit.status = ReturnVisit.Status.DONE
    visit.outcome = outcome
    visit.note = (note or "").strip()
    visit.done_by = actor if actor is not None and actor.pk else None
    visit.done_at = now
    visit.save()
    with together():  # the record of the change in one round trip
        _event(
            ticket,
            actor,
            "return-visit",
            before_status=ticket.status,
            note=visit.note,
            data={"outcome": outcome},
        )
        _record(
            actor, "return_visited", ticket, None, {"outcome": outcome, "note": visit.note[:200]}
        )
    if outcome == ReturnVisitOutcome.UNHAPPY_REOPEN:
        _reopen_locked(actor, ticket, visit.note)
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
    _tell(
        ticket,
        actor,
        _("return visit: %(outcome)s") % {"outcome": visit.get_outcome_display()},
        visit.note[:200],
    )
    return visit


def _close_quietly(actor, ticket, now):
    before = ticket.status
    ticket.status = Status.CLOSED
    ticket.closed_at = now
    _save(ticket, ["status", "closed_at"])
    with together():  # the record of the change in one round trip
        _event(ticket, actor, "close", before_status=before)
        _record(actor, "closed", ticket, {"status": before}, {"status": ticket.status})


# ---------------------------------------------------------------------------------------------
# Escalation (periodic)


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
        Ticket.objects.filter(status__in=[s for s in OPEN_STATUSES if s != Status.WAITING])
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
    if ticket.status not in OPEN_STATUSES or ticket.status == Status.WAITING:
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
                "due": _fmt(due),
            }
            _escalate_to_level(ticket, None, step, level, key, now, title, ticket.description[:200])
            sent += 1
    return sent


ESCALATION_LEVELS = (1, 2, 3)  # assignee (or first responder), community manager, company
MANUAL_STEP = "manual"


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
        _save(ticket, ["escalation_level"])
    data = {"step": step, "level": level, "notified": [_actor_label(u) for u in users]}
    if actor is not None:
        data["manual"] = True
    _event(
        ticket,
        actor,
        "escalate",
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
        raise _field_error("reason", _("Give the reason for escalating."))
    ticket = _lock(ticket, "escalate")
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
        "who": _actor_label(actor),
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


def open_due_return_visits(now=None) -> int:
    """Safety net: a resolved ticket without any return visit gets one (imports, old data)."""
    now = now or timezone.now()
    missing = Ticket.objects.filter(status__in=(Status.RESOLVED, Status.CONFIRMED)).exclude(
        return_visits__isnull=False
    )[:500]
    n = 0
    for ticket in missing:
        with transaction.atomic():
            if _open_return_visit(ticket, now) is not None:
                n += 1
    return n


# ---------------------------------------------------------------------------------------------
# Settings as data: SLA policy, skills, roster


@transaction.atomic
def set_sla_policy(
    *, actor, community, priority, accept_minutes, arrive_minutes, resolve_minutes
) -> SlaPolicy:
    _choice(priority, Priority, "priority")
    values = {
        "accept_minutes": accept_minutes,
        "arrive_minutes": arrive_minutes,
        "resolve_minutes": resolve_minutes,
    }
    for name, value in values.items():
        if not isinstance(value, int) or value <= 0:
            raise _field_error(name, _("Enter a whole number of minutes above zero."))
    if not accept_minutes <= arrive_minutes <= resolve_minutes:
        raise _field_error(
            "arrive_minutes", _("Accept, arrive and resolve times must not decrease.")
        )
    row, created = SlaPolicy.objects.select_for_update().get_or_create(
        community=community,
        priority=priority,
        defaults={"organization_id": community.organization_id, **values},
    )
    before = None if created else {k: getattr(row, k) for k in values}
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    audit.record(
        actor,
        "servicedesk.sla.set",
        row,
        before=before,
        after={"priority": priority, **values},
        community=community,
    )
    return row


def _works_in_organization(user, organization_id):
    return user is not None and any(
        m.organization_id == organization_id for m in user.active_memberships()
    )


@transaction.atomic
def set_skills(*, actor, organization, user, skills) -> list[str]:
    """技能: replace a staff member's skills with ``skills``."""
    organization_id = organization.pk
    skills = sorted(set(skills))
    for skill in skills:
        _choice(skill, Skill, "skills")
    if not _works_in_organization(user, organization_id):
        raise _field_error("user", _("This person does not work for this company."))
    before = sorted(
        StaffSkill.objects.filter(organization_id=organization_id, user=user).values_list(
            "skill", flat=True
        )
    )
    StaffSkill.objects.filter(organization_id=organization_id, user=user).exclude(
        skill__in=skills
    ).delete()
    for skill in skills:
        StaffSkill.objects.get_or_create(organization_id=organization_id, user=user, skill=skill)
    audit.record(
        actor,
        "servicedesk.skills.set",
        user,
        organization=organization,
        before={"skills": before},
        after={"skills": skills},
    )
    return skills


@transaction.atomic
def add_staff_skill(*, actor, organization, user, skill) -> StaffSkill:
    """One skill more for a staff member (the API's POST /staff-skills/)."""
    organization_id = organization.pk
    _choice(skill, Skill, "skill")
    if not _works_in_organization(user, organization_id):
        raise _field_error("user", _("This person does not work for this company."))
    row, created = StaffSkill.objects.get_or_create(
        organization_id=organization_id, user=user, skill=skill
    )
    if not created:
        raise _field_error("skill", _("This person already has this skill."))
    audit.record(
        actor,
        "servicedesk.skill.added",
        row,
        after={"user": user.pk, "skill": skill},
    )
    return row


@transaction.atomic
def change_staff_skill(*, actor, staff_skill, skill) -> StaffSkill:
    _choice(skill, Skill, "skill")
    row = StaffSkill.objects.select_for_update().get(pk=staff_skill.pk)
    if skill == row.skill:
        return row
    if (
        StaffSkill.objects.filter(organization_id=row.organization_id, user_id=row.user_id)
        .filter(skill=skill)
        .exists()
    ):
        raise _field_error("skill", _("This person already has this skill."))
    before = row.skill
    row.skill = skill
    row.save(update_fields=["skill"])
    audit.record(
        actor,
        "servicedesk.skill.changed",
        row,
        before={"skill": before},
        after={"skill": skill},
    )
    return row


@transaction.atomic
def remove_staff_skill(*, actor, staff_skill) -> None:
    audit.record(
        actor,
        "servicedesk.skill.removed",
        staff_skill,
        before={"user": staff_skill.user_id, "skill": staff_skill.skill},
    )
    staff_skill.delete()


# The permission a person needs for each duty on the roster.
DUTY_PERMS = {
    DutyRole.AGENT: DISPATCH_PERM,
    DutyRole.TECHNICIAN: WORK_PERM,
    DutyRole.MANAGER: RESPOND_PERM,
}
MAX_SHIFT = timedelta(hours=24)


def _check_shift(community, user, role, starts_at, ends_at, exclude=None):
    _choice(role, DutyRole, "role")
    if starts_at is None:
        raise _field_error("starts_at", _("Give the start of the shift."))
    if ends_at is None:
        raise _field_error("ends_at", _("Give the end of the shift."))
    if ends_at <= starts_at:
        raise _field_error("ends_at", _("The shift must end after it starts."))
    if ends_at - starts_at > MAX_SHIFT:
        raise _field_error("ends_at", _("A shift lasts at most 24 hours."))
    if (
        user is None
        or not user.is_active
        or not policy.staff_has(user, VIEW_PERM, community.pk, community.organization_id)
    ):
        raise _field_error("user", _("This person does not work in this community."))
    if not policy.staff_has(user, DUTY_PERMS[role], community.pk, community.organization_id):
        raise _field_error(
            "role",
            _("%(name)s cannot be on duty as %(duty)s.")
            % {"name": _actor_label(user), "duty": DutyRole(role).label},
        )
    overlapping = DutyShift.objects.filter(
        community_id=community.pk, user=user, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if exclude is not None:
        overlapping = overlapping.exclude(pk=exclude.pk)
    clash = overlapping.order_by("starts_at").first()
    if clash is not None:
        raise _field_error(
            "starts_at",
            _("%(name)s is already on duty here from %(start)s to %(end)s.")
            % {
                "name": _actor_label(user),
                "start": _fmt(clash.starts_at),
                "end": _fmt(clash.ends_at),
            },
        )


@transaction.atomic
def add_duty_shift(*, actor, community, user, role, starts_at, ends_at) -> DutyShift:
    """值班: put a staff member on the roster of a community (automatic dispatch and the first
    responder of portal reports follow it)."""
    _check_shift(community, user, role, starts_at, ends_at)
    shift = DutyShift.objects.create(
        organization_id=community.organization_id,
        community=community,
        user=user,
        role=role,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    audit.record(
        actor, "servicedesk.duty.added", shift, after=audit.snapshot(shift), community=community
    )
    return shift


@transaction.atomic
def change_duty_shift(*, actor, shift, **changes) -> DutyShift:
    """Move a shift, change its duty or hand it to someone else (same community)."""
    shift = DutyShift.objects.select_for_update().select_related("community").get(pk=shift.pk)
    allowed = {"user", "role", "starts_at", "ends_at"}
    unknown = set(changes) - allowed
    if unknown:
        name = sorted(unknown)[0]
        raise _field_error(name, _("This cannot be changed; add a new shift instead."))
    values = {name: changes.get(name, getattr(shift, name)) for name in allowed}
    _check_shift(shift.community, exclude=shift, **values)
    before = audit.snapshot(shift)
    for name, value in values.items():
        setattr(shift, name, value)
    shift.save()
    audit.record(
        actor,
        "servicedesk.duty.changed",
        shift,
        before=before,
        after=audit.snapshot(shift),
        community=shift.community,
    )
    return shift


@transaction.atomic
def remove_duty_shift(*, actor, shift) -> None:
    audit.record(
        actor,
        "servicedesk.duty.removed",
        shift,
        before=audit.snapshot(shift),
        community=shift.community,
    )
    shift.delete()


@transaction.atomic
def copy_duty_week(*, actor, community, from_day, to_day) -> int:
    """排班复制: the shifts of the week starting ``from_day`` again in the week starting
    ``to_day``; shifts that would clash or whose person can no longer do the duty are skipped."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(from_day, time.min), tz)
    offset_days = (to_day - from_day).days
    if offset_days == 0:
        raise _field_error("to_day", _("Choose another week to copy to."))
    shifts = DutyShift.objects.filter(
        community_id=community.pk, starts_at__gte=start, starts_at__lt=start + timedelta(days=7)
    ).select_related("user")
    copied = 0
    for shift in shifts.order_by("starts_at", "id"):
        # Keep the wall-clock times across daylight-saving changes.
        starts = timezone.localtime(shift.starts_at, tz) + timedelta(days=offset_days)
        ends = timezone.localtime(shift.ends_at, tz) + timedelta(days=offset_days)
        starts = timezone.make_aware(starts.replace(tzinfo=None), tz)
        ends = timezone.make_aware(ends.replace(tzinfo=None), tz)
        try:
            with transaction.atomic():
                _check_shift(community, shift.user, shift.role, starts, ends)
                DutyShift.objects.create(
                    organization_id=community.organization_id,
                    community=community,
                    user=shift.user,
                    role=shift.role,
                    starts_at=starts,
                    ends_at=ends,
                )
        except DomainError:
            continue
        copied += 1
    audit.record(
        actor,
        "servicedesk.duty.copied",
        community,
        after={"from": from_day.isoformat(), "to": to_day.isoformat(), "shifts": copied},
        community=community,
    )
    return copied


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


__all__ = [
    "open_ticket",
    "ticket_for_source",
    "create_ticket",
    "assign",
    "transfer",
    "accept",
    "decline",
    "arrive",
    "wait_for_resident",
    "resume",
    "set_appointment",
    "triage",
    "add_note",
    "add_work_item",
    "resolve",
    "confirm",
    "reopen",
    "rate",
    "close",
    "cancel",
    "respond_to_complaint",
    "record_return_visit",
    "escalate_overdue",
    "escalate",
    "open_due_return_visits",
    "set_sla_policy",
    "set_skills",
    "add_staff_skill",
    "change_staff_skill",
    "remove_staff_skill",
    "add_duty_shift",
    "change_duty_shift",
    "remove_duty_shift",
    "copy_duty_week",
    "find_caller",
    "Ticket",
]
