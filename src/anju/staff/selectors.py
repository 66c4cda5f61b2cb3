"""The read side of staff: who may be measured, their measures over a period, and the
evaluations a person may read, shared by the pages, the API, the card and the evaluation
service (which keeps the month's measures beside the scores)."""

import calendar
import re
from datetime import date

from django.db.models import Q
from django.utils.translation import gettext as _

from anju.core.comparison import staff_metrics
from anju.core.errors import DomainError
from anju.core.models import Membership
from anju.core.scoping import scope_q, staff_in_scope

from .choices import FIELD_ROLES, EvaluationStatus
from .models import Evaluation


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


def measures_of(user, staff, start, end):
    """One person's measures over [start, end] as ``user`` sees them: what the evaluation page
    shows beside the form and what the evaluation keeps."""
    return [
        {"section": str(m.section), "label": str(m.label), "value": m.display(staff.pk)}
        for m in staff_metrics(user, [staff.pk], start, end)
    ]


def communities_of(staff, communities):
    """Those of ``communities`` (a queryset) where ``staff`` works, in one query."""
    memberships = Membership.objects.filter(user=staff, active=True, role__in=FIELD_ROLES)
    return communities.filter(
        Q(organization__in=memberships.filter(communities__isnull=True).values("organization_id"))
        | Q(pk__in=memberships.values("communities"))
    )


def works_in(staff, community):
    """Whether ``staff`` holds a field role covering ``community``."""
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


def evaluations_readable_by(user):
    """The evaluations ``user`` may read: those they may view as staff, and their own."""
    queryset = Evaluation.objects.select_related("staff", "community")
    visible = scope_q(Evaluation, user, "staff.evaluation.view")
    return queryset if visible is None else queryset.filter(visible | Q(staff=user))


def own_evaluations(user):
    """A person's own evaluations, newest month first."""
    return Evaluation.objects.filter(staff=user).select_related("community", "evaluator")


def awaiting_acknowledgement(user):
    """A person's evaluations they have not acknowledged yet (the workbench card)."""
    return Evaluation.objects.filter(staff=user, status=EvaluationStatus.RECORDED)
