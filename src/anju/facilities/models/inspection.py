from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anju.core import attachments
from anju.core.models import Building, Community, Organization
from anju.core.scoping import Scope, ScopedManager

from ..choices import InspectionKind, InspectionStatus, Timing
from .assets import Asset, new_token


class InspectionRoute(models.Model):
    """巡检路线: an ordered set of points (assets or places) checked on a round."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind of inspection"),
        max_length=12,
        choices=InspectionKind.choices,
        default=InspectionKind.EQUIPMENT,
        help_text=_("Decides who may be given the route: technicians, cleaners or guards."),
    )
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("inspection route")
        verbose_name_plural = _("inspection routes")
        ordering = ["community_id", "name"]
        indexes = [models.Index(fields=["community", "active"], name="iroute_comm_active")]

    def __str__(self):
        return self.name


class InspectionPoint(models.Model):
    """巡检点: an asset or a place on a route, with its checklist and QR code.

    ``offset_minutes`` is when the point is expected after the shift starts; a scan within
    ``tolerance_minutes`` of it is on time.
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    route = models.ForeignKey(
        InspectionRoute, on_delete=models.CASCADE, related_name="points", verbose_name=_("route")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    name = models.CharField(_("name"), max_length=200)
    asset = models.ForeignKey(
        Asset,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asset"),
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    offset_minutes = models.PositiveIntegerField(_("expected after start (minutes)"), default=0)
    tolerance_minutes = models.PositiveIntegerField(_("tolerance (minutes)"), default=15)
    qr_token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("inspection point")
        verbose_name_plural = _("inspection points")
        ordering = ["route_id", "order", "id"]

    def __str__(self):
        return self.name


class InspectionPlan(models.Model):
    """巡检计划: a route walked on a shift (time of day, weekdays) by a person."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    route = models.ForeignKey(
        InspectionRoute, on_delete=models.CASCADE, related_name="plans", verbose_name=_("route")
    )
    shift_name = models.CharField(_("shift"), max_length=50)
    start_time = models.TimeField(_("starts at"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=120)
    weekdays = models.JSONField(
        _("weekdays"),
        default=list,
        blank=True,
        help_text=_("ISO weekdays 1-7; empty means every day."),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )
    active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["route_id", "start_time"]

    def __str__(self):
        return f"{self.route.name} · {self.shift_name}"


class InspectionTask(models.Model):
    """巡检任务: one round of a plan on one day."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    plan = models.ForeignKey(
        InspectionPlan, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("plan")
    )
    route = models.ForeignKey(
        InspectionRoute, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("route")
    )
    day = models.DateField(_("day"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=InspectionStatus.choices,
        default=InspectionStatus.NOT_STARTED,
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("inspection task")
        verbose_name_plural = _("inspection tasks")
        ordering = ["starts_at", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "day"], name="itask_plan_day")]
        indexes = [
            models.Index(fields=["community", "status", "starts_at"], name="itask_comm_status"),
            models.Index(fields=["assignee", "starts_at"], name="itask_assignee"),
        ]

    def __str__(self):
        return f"{self.route.name} · {self.day:%Y-%m-%d}"


class InspectionCheckin(models.Model):
    """巡检打卡: a scan at a point, with time, optional location, photo and checklist answers."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey(
        InspectionTask, on_delete=models.CASCADE, related_name="checkins", verbose_name=_("task")
    )
    point = models.ForeignKey(
        InspectionPoint, on_delete=models.CASCADE, related_name="checkins", verbose_name=_("point")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    scanned_at = models.DateTimeField(_("scanned at"), null=True, blank=True)
    timing = models.CharField(_("timing"), max_length=8, choices=Timing.choices)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    abnormal = models.BooleanField(_("abnormal"), default=False)
    note = models.TextField(_("note"), blank=True)
    ticket_id = models.BigIntegerField(_("ticket"), null=True, blank=True)

    attachments = attachments.relation()

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")
    attachments_view_permission = "facilities.inspection.view"

    class Meta:
        verbose_name = _("inspection check-in")
        verbose_name_plural = _("inspection check-ins")
        ordering = ["task_id", "point__order"]
        constraints = [
            models.UniqueConstraint(fields=["task", "point"], name="icheckin_once_per_point")
        ]
        indexes = [models.Index(fields=["community", "abnormal"], name="icheckin_comm_abnormal")]

    def __str__(self):
        return f"{self.point} · {self.get_timing_display()}"
