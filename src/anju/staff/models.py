"""Staff evaluations (员工考核): a manager's monthly scores of one person's work in a community,
with the measures of that month kept beside them, acknowledged by the person evaluated."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anju.core.models import Community, Organization
from anju.core.scoping import Scope, ScopedManager
from anju.core.states import StateMachine

from .choices import EvaluationStatus

USER = settings.AUTH_USER_MODEL
SCORE = [MinValueValidator(1), MaxValueValidator(5)]
DIMENSIONS = ("attitude", "quality", "timeliness", "discipline")

EVALUATION_STATES = StateMachine(
    {
        "revise": ((EvaluationStatus.RECORDED,), EvaluationStatus.RECORDED),
        "acknowledge": ((EvaluationStatus.RECORDED,), EvaluationStatus.ACKNOWLEDGED),
    }
)


class Evaluation(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    staff = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("staff member")
    )
    period = models.CharField(_("month"), max_length=7)  # YYYY-MM
    attitude = models.PositiveSmallIntegerField(_("service attitude"), validators=SCORE)
    quality = models.PositiveSmallIntegerField(_("quality of work"), validators=SCORE)
    timeliness = models.PositiveSmallIntegerField(_("timeliness"), validators=SCORE)
    discipline = models.PositiveSmallIntegerField(_("discipline"), validators=SCORE)
    score = models.PositiveSmallIntegerField(_("score (of 100)"))
    comment = models.TextField(_("comment"), blank=True)
    measures = models.JSONField(_("measures of the month"), default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=EvaluationStatus.choices,
        default=EvaluationStatus.RECORDED,
    )
    evaluator = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("evaluated by")
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")
    machine = EVALUATION_STATES

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-period", "staff_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "community", "period"], name="evaluation_once_a_month"
            ),
            models.CheckConstraint(
                condition=Q(attitude__range=(1, 5))
                & Q(quality__range=(1, 5))
                & Q(timeliness__range=(1, 5))
                & Q(discipline__range=(1, 5)),
                name="evaluation_scores_1_5",
            ),
        ]
        indexes = [models.Index(fields=["community", "period"], name="evaluation_comm_period")]

    def __str__(self):
        return f"{self.staff} {self.period}"
