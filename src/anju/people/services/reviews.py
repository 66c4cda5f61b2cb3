"""主任季度考核: the company scores a community manager each quarter beside the community's
measures (on-time rate, satisfaction, collection rate, hazards, patrols, turnover: every
app's ``community_metrics``); the manager acknowledges it, as with the monthly evaluation."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, policy
from anju.core.errors import DomainError, Forbidden
from anju.core.notifications import notify
from anju.staff.choices import EvaluationStatus
from anju.staff.selectors import works_in

from ..models import REVIEW_DIMENSIONS, ManagerReview
from ..selectors import quarter_bounds, quarter_measures


@transaction.atomic
def record_review(*, actor, community, manager, quarter, comment="", **scores) -> ManagerReview:
    """Record (or, until acknowledged, revise) a community manager's quarterly review."""
    if not policy.staff_has(actor, "people.review.manage", community.pk, community.organization_id):
        raise Forbidden(_("Only the company's administrators review community managers."))
    start, end = quarter_bounds(quarter)
    errors = {}
    if manager.pk == actor.pk:
        errors["manager"] = [_("Nobody reviews themself.")]
    elif not any(
        m.role == "manager" and m.covers_community(community.pk)
        for m in manager.active_memberships()
    ) or not works_in(manager, community):
        errors["manager"] = [_("Choose a manager of this community.")]
    if start > timezone.localdate():
        errors["quarter"] = [_("A quarter that has not begun cannot be reviewed.")]
    values = {}
    for name in REVIEW_DIMENSIONS:
        try:
            values[name] = int(scores.get(name))
        except (TypeError, ValueError):
            values[name] = 0
        if not 1 <= values[name] <= 5:
            errors[name] = [_("Give a score from 1 to 5.")]
    unknown = set(scores) - set(REVIEW_DIMENSIONS)
    if unknown:
        raise TypeError(f"unknown scores: {sorted(unknown)}")
    if errors:
        raise DomainError(next(iter(errors.values()))[0], fields=errors)
    label = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    fields = {
        **values,
        "score": sum(values.values()) * 5,
        "comment": str(comment or "").strip(),
        "measures": quarter_measures(actor, community, start, end),
        "evaluator": actor,
    }
    review = (
        ManagerReview.objects.select_for_update()
        .filter(manager=manager, community=community, quarter=label)
        .first()
    )
    if review is None:
        review = ManagerReview.objects.create(
            organization_id=community.organization_id,
            community=community,
            manager=manager,
            quarter=label,
            **fields,
        )
        audit.record(actor, "people.review.recorded", review, after={"score": review.score})
    else:
        review.machine.check("revise", review.status)
        before = audit.snapshot(review, [*REVIEW_DIMENSIONS, "score", "comment"])
        for name, value in fields.items():
            setattr(review, name, value)
        review.save()
        audit.record(
            actor,
            "people.review.revised",
            review,
            before=before,
            after=audit.snapshot(review, [*REVIEW_DIMENSIONS, "score", "comment"]),
        )
    notify(
        [manager],
        _("Your quarterly review for %(quarter)s") % {"quarter": label},
        _("Score %(score)s of 100. Please read it and acknowledge.") % {"score": review.score},
        link="/console/people/my-reviews/",
        community=community,
    )
    return review


@transaction.atomic
def acknowledge_review(*, actor, review) -> ManagerReview:
    """The manager has read it (已阅); it cannot be revised afterwards."""
    review = ManagerReview.objects.select_for_update().get(pk=review.pk)
    if review.manager_id != actor.pk:
        raise Forbidden(_("Only the manager reviewed acknowledges the review."))
    review.status = review.machine.check("acknowledge", review.status)
    review.acknowledged_at = timezone.now()
    review.save(update_fields=["status", "acknowledged_at"])
    audit.record(
        actor,
        "people.review.acknowledged",
        review,
        after={"status": EvaluationStatus.ACKNOWLEDGED},
    )
    return review
