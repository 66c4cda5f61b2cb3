"""Staff performance (员工绩效) and monthly evaluations (员工考核)."""

import calendar
import re
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, policy
from anju.core.comparison import staff_metrics
from anju.core.errors import DomainError, Forbidden
from anju.core.models import Membership
from anju.core.notifications import notify
from anju.core.scoping import staff_in_scope

from .models import DIMENSIONS, Evaluation

# The people whose work is measured and evaluated (not company admins, finance or committee).
FIELD_ROLES = ("manager", "agent", "technician", "guard", "cleaner", "cashier")


def month_bounds(period):
    """(first day, last day) of a "YYYY-MM" month; DomainError naming ``period`` if malformed."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", str(period or ""))
    if not match or not 1 <= int(match[2]) <= 12:
        message = _("Enter the month as YYYY-MM.")
        raise DomainError(message, fields={"period": [message]})
    year, month = int(match[1]), int(match[2])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def people(user, community_id=None):
    """The staff ``user`` may measure, by name; limited to one community when given."""
    staff = staff_in_scope(user, "staff.performance.view", FIELD_ROLES)
    if community_id:
        covering = Membership.objects.filter(active=True, role__in=FIELD_ROLES).filter(
            Q(communities=community_id) | Q(communities__isnull=True)
        )
        staff = staff.filter(pk__in=covering.values("user_id"))
    return list(staff.exclude(pk=user.pk).order_by("first_name", "username")[:200])


def performance(user, start, end, community_id=None, now=None):
    """(people, metrics): every app's measures of each person over [start, end]."""
    staff = people(user, community_id)
    return staff, staff_metrics(user, [p.pk for p in staff], start, end, now)


def communities_of(staff, communities):
    """Those of ``communities`` (a queryset) where ``staff`` works, in one query."""
    memberships = Membership.objects.filter(user=staff, active=True, role__in=FIELD_ROLES)
    return communities.filter(
        Q(organization__in=memberships.filter(communities__isnull=True).values("organization_id"))
        | Q(pk__in=memberships.values("communities"))
    )


def _works_in(staff, community):
    return (
        Membership.objects.filter(
            user=staff,
            active=True,
            role__in=FIELD_ROLES,
            organization_id=community.organization_id,
        )
        .filter(Q(communities=community) | Q(communities__isnull=True))
        .exists()
    )


@transaction.atomic
def record_evaluation(*, actor, community, staff, period, comment="", **scores):
    """Record (or, until it is acknowledged, revise) a person's evaluation for a month."""
    if not policy.staff_has(actor, "staff.evaluation.manage", community.pk):
        raise Forbidden(_("You may not evaluate staff in this community."))
    start, end = month_bounds(period)
    errors = {}
    if staff.pk == actor.pk:
        errors["staff"] = [_("Nobody evaluates themself.")]
    elif not _works_in(staff, community):
        errors["staff"] = [_("Choose a person who works in this community.")]
    if start > timezone.localdate():
        errors["period"] = [_("A month that has not begun cannot be evaluated.")]
    values = {}
    for name in DIMENSIONS:
        try:
            values[name] = int(scores.get(name))
        except (TypeError, ValueError):
            values[name] = 0
        if not 1 <= values[name] <= 5:
            errors[name] = [_("Give a score from 1 to 5.")]
    unknown = set(scores) - set(DIMENSIONS)
    if unknown:
        raise TypeError(f"unknown scores: {sorted(unknown)}")
    if errors:
        raise DomainError(next(iter(errors.values()))[0], fields=errors)
    measures = [
        {"section": str(m.section), "label": str(m.label), "value": m.display(staff.pk)}
        for m in staff_metrics(actor, [staff.pk], start, end)
    ]
    existing = (
        Evaluation.objects.select_for_update()
        .filter(staff=staff, community=community, period=f"{start:%Y-%m}")
        .first()
    )
    fields = {
        **values,
        "score": sum(values.values()) * 5,
        "comment": str(comment or "").strip(),
        "measures": measures,
        "evaluator": actor,
    }
    if existing is None:
        evaluation = Evaluation.objects.create(
            organization_id=community.organization_id,
            community=community,
            staff=staff,
            period=f"{start:%Y-%m}",
            **fields,
        )
        audit.record(
            actor, "staff.evaluation.recorded", evaluation, after=audit.snapshot(evaluation)
        )
    else:
        existing.machine.check("revise", existing.status)
        before = audit.snapshot(existing, list(fields))
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
        evaluation = existing
        audit.record(
            actor,
            "staff.evaluation.revised",
            evaluation,
            before=before,
            after=audit.snapshot(evaluation, list(fields)),
        )
    notify(
        [staff],
        _("Your evaluation for %(period)s") % {"period": evaluation.period},
        _("Score %(score)s of 100. Please read it and acknowledge.") % {"score": evaluation.score},
        link="/console/staff/my-evaluations/",
        community=community,
    )
    return evaluation


@transaction.atomic
def acknowledge(*, actor, evaluation):
    """The person evaluated has read it (已阅); it cannot be revised afterwards."""
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if evaluation.staff_id != actor.pk:
        raise Forbidden(_("Only the person evaluated acknowledges an evaluation."))
    evaluation.status = evaluation.machine.check("acknowledge", evaluation.status)
    evaluation.acknowledged_at = timezone.now()
    evaluation.save(update_fields=["status", "acknowledged_at", "updated_at"])
    audit.record(
        actor, "staff.evaluation.acknowledged", evaluation, after={"status": "acknowledged"}
    )
    return evaluation
