from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core import attachments
from anju.core.models import Community, Organization
from anju.core.scoping import Scope, ScopedManager
from anju.core.states import StateMachine

from ..choices import AssetCategory, Frequency, MaintenanceKind, TaskResult, TaskStatus
from ..rules import overdue_cutoff
from .assets import Asset


class MaintenancePlan(models.Model):
    """保养计划: recurring work on a set of assets, with a checklist.

    ``checklist`` is a list of items ``{"key", "label", "type": "check"|"number", "unit", "min", "max"}``;
    a "check" item fails when answered false, a "number" item when outside [min, max].
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("asset category"), max_length=16, choices=AssetCategory.choices)
    kind = models.CharField(
        _("kind of work"),
        max_length=16,
        choices=MaintenanceKind.choices,
        default=MaintenanceKind.MAINTENANCE,
    )
    frequency = models.CharField(_("frequency"), max_length=14, choices=Frequency.choices)
    interval = models.PositiveSmallIntegerField(
        _("interval"),
        default=1,
        help_text=_("Days for 'every N days'; otherwise every N weeks/months/quarters/years."),
    )
    starts_on = models.DateField(_("first due date"))
    assets = models.ManyToManyField(Asset, related_name="plans", verbose_name=_("assets"))
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )
    active = models.BooleanField(_("active"), default=True)
    generated_until = models.DateField(_("tasks generated until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("maintenance plan")
        verbose_name_plural = _("maintenance plans")
        ordering = ["community_id", "name"]
        indexes = [models.Index(fields=["community", "active"], name="mplan_comm_active")]

    def __str__(self):
        return self.name


TASK_STATES = StateMachine(
    {
        "start": ((TaskStatus.SCHEDULED, TaskStatus.OVERDUE), TaskStatus.IN_PROGRESS),
        "complete": (
            (TaskStatus.SCHEDULED, TaskStatus.IN_PROGRESS, TaskStatus.OVERDUE),
            TaskStatus.DONE,
        ),
        "assign": ((TaskStatus.SCHEDULED, TaskStatus.IN_PROGRESS, TaskStatus.OVERDUE), None),
        "mark_overdue": ((TaskStatus.SCHEDULED, TaskStatus.IN_PROGRESS), TaskStatus.OVERDUE),
        "cancel": (
            (TaskStatus.SCHEDULED, TaskStatus.IN_PROGRESS, TaskStatus.OVERDUE),
            TaskStatus.CANCELLED,
        ),
    }
)

OPEN_TASK_STATES = (TaskStatus.SCHEDULED, TaskStatus.IN_PROGRESS, TaskStatus.OVERDUE)
# The states a task past its due date (and the grace days) leaves for "overdue".
FALLING_DUE_STATES = TASK_STATES.transitions["mark_overdue"][0]


class MaintenanceTask(models.Model):
    """保养任务: one occurrence of a plan for one asset, due on a date."""

    # Tasks are the bulkiest table (a year ahead for every asset). To keep bulk generation fast,
    # foreign keys that lead a composite index below carry no index of their own, and the tenant
    # keys (copied from the plan, which is constrained) are not re-checked row by row.
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("community"),
        db_index=False,
        db_constraint=False,
    )
    plan = models.ForeignKey(
        MaintenancePlan, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("plan")
    )
    asset = models.ForeignKey(
        Asset,
        on_delete=models.CASCADE,
        related_name="maintenance_tasks",
        verbose_name=_("asset"),
        db_index=False,
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.SCHEDULED
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
        db_index=False,
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("completed by"),
        db_index=False,
    )
    answers = models.JSONField(_("checklist answers"), default=dict, blank=True)
    readings = models.JSONField(_("readings"), default=dict, blank=True)
    result = models.CharField(_("result"), max_length=8, choices=TaskResult.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    overdue_at = models.DateTimeField(_("overdue since"), null=True, blank=True)
    ticket_id = models.BigIntegerField(_("ticket"), null=True, blank=True)

    attachments = attachments.relation()

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")
    attachments_view_permission = "facilities.maintenance.view"
    machine = TASK_STATES

    class Meta:
        verbose_name = _("maintenance task")
        verbose_name_plural = _("maintenance tasks")
        ordering = ["due_on", "id"]
        constraints = [
            # (asset, due_on, plan) also serves an asset's history: no separate index needed.
            models.UniqueConstraint(
                fields=["asset", "due_on", "plan"], name="mtask_unique_occurrence"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(completed_at__isnull=False),
                name="mtask_done_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status", "due_on"], name="mtask_comm_status_due"),
            models.Index(fields=["assignee", "status", "due_on"], name="mtask_assignee"),
        ]

    def __str__(self):
        return f"{self.plan.name} · {self.asset.code} · {self.due_on:%Y-%m-%d}"

    @staticmethod
    def overdue_q(today=None):
        """The one definition of an overdue task (the card, the list's filter, the API, the
        comparison report and the sweep that marks them): marked overdue already, or still to do
        past its due date and the grace days (``rules.overdue_cutoff``). ``is_overdue`` is the
        same test on a loaded task."""
        return Q(status=TaskStatus.OVERDUE) | Q(
            status__in=FALLING_DUE_STATES, due_on__lt=overdue_cutoff(today)
        )

    @property
    def is_overdue(self):
        return self.status == TaskStatus.OVERDUE or (
            self.status in FALLING_DUE_STATES and self.due_on < overdue_cutoff()
        )

    @property
    def tone(self):
        if self.status == TaskStatus.DONE:
            return "ok" if self.result != TaskResult.FAILED else "warn"
        if self.is_overdue:
            return "bad"
        if self.due_on <= timezone.localdate():
            return "warn"
        return ""
