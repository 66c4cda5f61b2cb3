"""SLA (时限): the minutes to accept, arrive and resolve, the due times they give, the
priority an intake gets, and the per-community policy rows.
"""

from datetime import timedelta
from functools import cache

from django.db import connection, transaction
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.db import prepared_cursor
from anju.core.errors import refuse

from .. import conf
from ..choices import (
    PRIORITY_ORDER,
    Category,
    Kind,
    Priority,
    Urgency,
)
from ..models import (
    SlaPolicy,
)
from .common import choice


def sla_for(community, priority) -> tuple[int, int, int]:
    """Minutes to accept, arrive and resolve: the community's policy row, else the settings
    template for the community's service level (DOMAIN.md §5)."""
    with prepared_cursor() as cursor:  # every intake asks: a statement planned once
        cursor.execute(sla_sql(), {"community": community.pk, "priority": str(priority)})
        row = cursor.fetchone()
    return policy_minutes(community, priority, row)


def policy_minutes(community, priority, row):
    if row is not None and row[0] is not None:
        return tuple(row)
    return conf.sla_minutes(community.service_level, priority)


@cache
def sla_sql():
    table = connection.ops.quote_name(SlaPolicy._meta.db_table)
    # Only the quoted table name is interpolated; values are parameters.
    return (
        "SELECT accept_minutes, arrive_minutes, resolve_minutes "  # noqa: S608
        f"FROM {table} WHERE community_id = %(community)s AND priority = %(priority)s "
        "ORDER BY id LIMIT 1"
    )


def due_times(community, priority, start, appointment_at=None, sla=None):
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


@transaction.atomic
def set_sla_policy(
    *, actor, community, priority, accept_minutes, arrive_minutes, resolve_minutes
) -> SlaPolicy:
    choice(priority, Priority, "priority")
    values = {
        "accept_minutes": accept_minutes,
        "arrive_minutes": arrive_minutes,
        "resolve_minutes": resolve_minutes,
    }
    for name, value in values.items():
        if not isinstance(value, int) or value <= 0:
            refuse(name, _("Enter a whole number of minutes above zero."))
    if not accept_minutes <= arrive_minutes <= resolve_minutes:
        refuse("arrive_minutes", _("Accept, arrive and resolve times must not decrease."))
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
