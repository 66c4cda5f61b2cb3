"""Staff performance (员工绩效) and monthly evaluations (员工考核)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, policy
from anju.core.errors import DomainError, Forbidden
from anju.core.notifications import notify

from .choices import EvaluationStatus
from .models import DIMENSIONS, Evaluation
from .selectors import measures_of, month_bounds, works_in


@transaction.atomic
def record_evaluation(*, actor, community, staff, period, comment="", **scores):
    """Record (or, until it is acknowledged, revise) a person's evaluation for a month."""
    if not policy.staff_has(actor, "staff.evaluation.manage", community.pk):
        raise Forbidden(_("You may not evaluate staff in this community."))
    start, end = month_bounds(period)
    errors = {}
    if staff.pk == actor.pk:
        errors["staff"] = [_("Nobody evaluates themself.")]
    elif not works_in(staff, community):
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
    measures = measures_of(actor, staff, start, end)
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
        actor,
        "staff.evaluation.acknowledged",
        evaluation,
        after={"status": EvaluationStatus.ACKNOWLEDGED},
    )
    return evaluation
