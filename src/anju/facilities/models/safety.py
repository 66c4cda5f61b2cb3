from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core import attachments
from anju.core.models import Building, Community, Organization
from anju.core.scoping import Scope, ScopedManager
from anju.core.states import StateMachine

from ..choices import (
    DrillKind,
    DrillStatus,
    HazardCategory,
    HazardStatus,
    IncidentKind,
    IncidentStatus,
    IncidentStep,
    Severity,
)
from .assets import Asset

HAZARD_STATES = StateMachine(
    {
        "rectify": ((HazardStatus.OPEN,), HazardStatus.RECTIFIED),
        "verify": (
            (HazardStatus.RECTIFIED,),
            None,
        ),  # passes -> verified, fails -> open (see services)
        "close": ((HazardStatus.VERIFIED,), HazardStatus.CLOSED),
    }
)


class Hazard(models.Model):
    """安全隐患: a found hazard, rectified by a responsible person before a deadline, then verified."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    number = models.CharField(_("number"), max_length=30, unique=True)
    category = models.CharField(_("category"), max_length=14, choices=HazardCategory.choices)
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.LOW
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    place = models.CharField(_("place"), max_length=200)
    asset = models.ForeignKey(
        Asset,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hazards",
        verbose_name=_("asset"),
    )
    description = models.TextField(_("description"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("found by"),
    )
    found_at = models.DateTimeField(_("found at"), default=timezone.now)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible"),
    )
    deadline = models.DateField(_("rectification deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=HazardStatus.choices, default=HazardStatus.OPEN
    )
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    rectification = models.TextField(_("what was done"), blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    rework_count = models.PositiveSmallIntegerField(_("times sent back"), default=0)

    attachments = attachments.relation()

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")
    attachments_view_permission = "facilities.hazard.view"
    machine = HAZARD_STATES

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        ordering = ["-found_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status", "deadline"], name="hazard_comm_status"),
            models.Index(fields=["community", "found_at"], name="hazard_comm_found"),
            models.Index(fields=["responsible", "status"], name="hazard_responsible"),
        ]

    def __str__(self):
        return f"{self.number} {self.place}"

    @staticmethod
    def overdue_q(today=None):
        """The one definition of an overdue hazard (the card, the dashboard, the rectification
        rates, the comparison report and the escalation sweep): still awaiting rectification
        after its deadline. ``is_overdue`` is the same test on a loaded hazard."""
        return Q(status=HazardStatus.OPEN, deadline__lt=today or timezone.localdate())

    @property
    def is_overdue(self):
        return self.status == HazardStatus.OPEN and self.deadline < timezone.localdate()

    @property
    def age_days(self):
        return (timezone.now() - self.found_at).days


INCIDENT_STATES = StateMachine(
    {
        IncidentStep.STOP: ((IncidentStatus.OPEN,), IncidentStatus.STOPPED),
        IncidentStep.REPORT: ((IncidentStatus.STOPPED,), IncidentStatus.REPORTED),
        IncidentStep.ASSIST: (
            (IncidentStatus.REPORTED, IncidentStatus.ASSISTED),
            IncidentStatus.ASSISTED,
        ),
        "close": ((IncidentStatus.ASSISTED,), IncidentStatus.CLOSED),
    }
)


class Incident(models.Model):
    """违法违规事件 (民法典第942条): 制止 -> 报告有关行政主管部门 -> 协助处理, each step time-stamped."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    number = models.CharField(_("number"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=IncidentKind.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    place = models.CharField(_("place"), max_length=200)
    description = models.TextField(_("description"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")
    machine = INCIDENT_STATES

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["community", "status"], name="incident_comm_status")]

    def __str__(self):
        return f"{self.number} {self.get_kind_display()}"


class IncidentRecord(models.Model):
    """One step of an incident (stop, report, assist) with its time, who, authority and evidence."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="records", verbose_name=_("incident")
    )
    step = models.CharField(_("step"), max_length=8, choices=IncidentStep.choices)
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    authority = models.CharField(
        _("authority"),
        max_length=200,
        blank=True,
        help_text=_("e.g. 派出所, 消防救援站, 生态环境局, 城管"),
    )
    note = models.TextField(_("note"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    attachments = attachments.relation()

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")
    attachments_view_permission = "facilities.incident.manage"

    class Meta:
        verbose_name = _("incident step")
        verbose_name_plural = _("incident steps")
        ordering = ["incident_id", "at", "id"]

    def __str__(self):
        return f"{self.get_step_display()} {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


class Drill(models.Model):
    """消防演练/安全培训: planned, held with attendance and photos, with follow-ups."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DrillKind.choices)
    title = models.CharField(_("title"), max_length=200)
    planned_at = models.DateTimeField(_("planned for"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DrillStatus.choices, default=DrillStatus.PLANNED
    )
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    follow_ups = models.JSONField(
        _("follow-ups"),
        default=list,
        blank=True,
        help_text=_('A list of {"text", "due_on", "done"}.'),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    attachments = attachments.relation()

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")
    attachments_view_permission = "facilities.drill.view"

    class Meta:
        verbose_name = _("drill or training")
        verbose_name_plural = _("drills and training")
        ordering = ["-planned_at"]
        indexes = [models.Index(fields=["community", "planned_at"], name="drill_comm_planned")]

    def __str__(self):
        return self.title


class DrillAttendance(models.Model):
    """签到: who attended a drill or training."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    drill = models.ForeignKey(
        Drill, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("drill")
    )
    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    present = models.BooleanField(_("present"), default=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["drill_id", "name"]

    def __str__(self):
        return self.name
