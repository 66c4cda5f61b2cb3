"""Who works a ticket: the first responder (首问责任人), the people on duty, the managers and
the dispatch candidates.

First-responder rule (首问责任制): a staff member who opens a ticket (phone, walk-in, found on
site) is its first responder. A ticket raised by a resident on the portal or by the system (IoT
alarm, patrol, survey, periodic job) gets, in this order: the agent on duty in the community now
(``DutyShift``), the manager on duty now, then the community's customer-service agent, then its
manager (the longest-standing membership wins). The first responder never changes while the
ticket lives, whoever works it.
"""

from functools import cache

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from anju.core.apps import assignable
from anju.core.db import instance, prepared_cursor
from anju.core.models import Membership, User
from anju.core.selectors import community_staff

from ..choices import (
    OPEN_STATUSES,
    DutyRole,
)
from ..models import (
    DutyShift,
    StaffSkill,
    Ticket,
)
from .common import ticket_work
from .sla import policy_minutes, sla_sql

members = community_staff  # the community's team in these roles (core.selectors)


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
        f"LEFT JOIN ({sla_sql()}) s ON 1 = 1 "
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


def first_responder_by_rule(community, now=None):
    """The first-responder rule (module docstring) in the ORM's words, from the pieces dispatch
    and the roster use (``on_duty``, ``members``). ``default_first_responder`` answers the same
    in one statement for the intake; ``tests/test_first_responder.py`` holds the two equal on
    every roster situation."""
    now = now or timezone.now()
    for role in (DutyRole.AGENT, DutyRole.MANAGER):
        people = on_duty(community, role, now)
        if people:
            return people[0]
    for role in (DutyRole.AGENT, DutyRole.MANAGER):
        people = members(community, [str(role)])
        if people:
            return people[0]
    return None


def default_first_responder(community, now=None):
    """See the module docstring for the rule: an agent on duty, else a manager on duty, else the
    community's longest-serving agent, else its longest-serving manager; active logins only.
    One statement (every intake asks), the same rule as ``on_duty`` and ``members`` apply."""
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
    return policy_minutes(community, priority, row[:3]), responder


_USER_KEY = User._meta.concrete_fields.index(User._meta.pk)


def community_managers(community):
    return members(community, ["manager"])


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
    skills recorded), holding what the work needs (a licence: ``core.apps.assignable``), on duty
    now (when the community keeps a roster), least loaded first."""
    community = ticket.community
    people = members(community, ["technician"])
    if people:
        people = assignable(people, ticket_work(ticket))
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
