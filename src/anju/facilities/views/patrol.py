"""Console pages of inspection rounds and security patrols: routes, rounds, shifts, compliance
and the QR label sheets of route checkpoints."""

from datetime import timedelta

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import generic

from anju.core import policy
from anju.core.console import (
    Column,
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
    StaffRequiredMixin,
)
from anju.core.errors import DomainError

from .. import labels, selectors, services
from ..forms import ShiftForm
from ..models import InspectionRoute, InspectionTask, PatrolAlert, PatrolRoute, PatrolShift
from .common import in_scope, scoped_or_404


class InspectionRouteList(ScopedListView):
    model = InspectionRoute
    permission = "facilities.inspection.view"
    title = _("Inspection routes")
    detail_url_name = "console:facilities-inspection-route-detail"
    columns = [
        Column("name", _("name")),
        Column("community", _("community")),
        Column("active", _("active")),
    ]

    def base_queryset(self):
        return InspectionRoute.objects.select_related("community")


class InspectionRouteDetail(ScopedDetailView):
    model = InspectionRoute
    permission = "facilities.inspection.view"
    template_name = "facilities/inspection_route_detail.html"
    fields = [Column("community", _("community")), Column("description", _("description"))]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["points"] = self.object.points.select_related("asset")
        ctx["plans"] = self.object.plans.select_related("assignee")
        ctx["tasks"] = self.object.tasks.select_related("assignee", "plan").order_by("-starts_at")[
            :20
        ]
        return ctx


class InspectionTaskList(ScopedListView):
    model = InspectionTask
    permission = "facilities.inspection.view"
    title = _("Inspection rounds")
    columns = [
        Column("starts_at", _("starts at")),
        Column("route", _("route")),
        Column("plan__shift_name", _("shift")),
        Column("assignee", _("assignee")),
        Column("status", _("status")),
        Column("finished_at", _("finished at")),
    ]

    def base_queryset(self):
        return InspectionTask.objects.select_related("route", "plan", "assignee").order_by(
            "-starts_at"
        )


class PatrolRouteList(ScopedListView):
    model = PatrolRoute
    permission = "facilities.patrol.view"
    title = _("Patrol routes")
    detail_url_name = "console:facilities-patrol-route-detail"
    columns = [
        Column("name", _("name")),
        Column("community", _("community")),
        Column("idle_limit", _("longest gap without a scan (minutes)"), align="right"),
        Column("active", _("active")),
    ]

    def base_queryset(self):
        return PatrolRoute.objects.select_related("community")


class PatrolRouteDetail(ScopedDetailView):
    model = PatrolRoute
    permission = "facilities.patrol.view"
    template_name = "facilities/patrol_route_detail.html"
    fields = [
        Column("community", _("community")),
        Column("idle_limit", _("longest gap without a scan (minutes)")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["checkpoints"] = self.object.checkpoints.all()
        return ctx


def _compliance(shift):
    from django.utils.html import format_html

    rate = shift.compliance
    if rate is None:
        return "—"
    tone = "ok" if rate >= 95 else "warn" if rate >= 80 else "bad"
    return format_html('<span class="tag {}">{}%</span>', tone, rate)


class ShiftList(ScopedListView):
    model = PatrolShift
    permission = "facilities.patrol.view"
    title = _("Patrol shifts")
    detail_url_name = "console:facilities-shift-detail"
    create_url_name = "console:facilities-shift-create"
    create_permission = "facilities.patrol.manage"
    columns = [
        Column("starts_at", _("starts at")),
        Column("name", _("shift")),
        Column("route", _("route")),
        Column("guard", _("guard"), value=lambda o: o.guard.get_full_name() or o.guard.username),
        Column("status", _("status")),
        Column("scan_count", _("scans"), align="right"),
        Column("missed_count", _("checkpoints missed"), align="right"),
        Column("compliance", _("compliance"), value=_compliance, align="right"),
    ]

    def base_queryset(self):
        return PatrolShift.objects.select_related("route", "guard")


def _alert_shift(alert):
    shift = alert.shift
    return f"{shift.route.name} {shift.name}".strip()


class PatrolAlertList(ScopedListView):
    """The missed checkpoints of the last 24 hours that no late scan cleared: exactly the rows
    the workbench card counts (selectors.patrol_alerts)."""

    model = PatrolAlert
    permission = "facilities.patrol.view"
    title = _("Missed patrol checkpoints (24 h)")
    detail_url_name = None
    columns = [
        Column("raised_at", _("raised at")),
        Column("checkpoint", _("checkpoint")),
        Column("shift", _("shift"), value=_alert_shift),
        Column(
            "guard",
            _("guard"),
            value=lambda a: a.shift.guard.get_full_name() or a.shift.guard.username,
        ),
    ]

    def base_queryset(self):
        return selectors.patrol_alerts(
            PatrolAlert.objects.select_related("checkpoint", "shift__route", "shift__guard")
        ).order_by("-raised_at", "id")


class ShiftDetail(ScopedDetailView):
    model = PatrolShift
    permission = "facilities.patrol.view"
    template_name = "facilities/shift_detail.html"
    fields = [
        Column("route", _("route")),
        Column("guard", _("guard")),
        Column("starts_at", _("starts at")),
        Column("ends_at", _("ends at")),
        Column("status", _("status")),
        Column("compliance", _("compliance"), value=_compliance),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["progress"] = selectors.shift_progress(self.object)
        ctx["alerts"] = self.object.alerts.select_related("checkpoint")
        ctx["scans"] = self.object.scans.select_related("checkpoint").order_by("scanned_at")
        return ctx


class ShiftCreate(ServiceFormView):
    form_class = ShiftForm
    permission = "facilities.patrol.manage"
    title = _("New patrol shift")

    def perform(self, data):
        if not policy.staff_has(self.request.user, self.permission, data["route"].community_id):
            raise DomainError(_("You may not plan patrols in this community."))
        return services.create_shift(actor=self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:facilities-shift-detail", args=[obj.pk])


class ComplianceView(StaffRequiredMixin, generic.TemplateView):
    template_name = "facilities/compliance.html"
    permission = "facilities.patrol.view"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        days = (
            int(self.request.GET.get("days", "30"))
            if self.request.GET.get("days", "30").isdigit()
            else 30
        )
        shifts = in_scope(self, PatrolShift.objects.visible_to(self.request.user, self.permission))
        shifts = selectors.shifts_between(shifts, today - timedelta(days=days - 1), today)
        ctx.update(
            title=_("Patrol compliance"),
            days=days,
            by_guard=services.compliance_rows(shifts, "guard"),
            by_route=services.compliance_rows(shifts, "route"),
            by_shift=services.compliance_rows(shifts, "shift"),
        )
        return ctx


def route_labels_pdf(request, kind, pk):
    if not request.user.is_authenticated:
        return redirect(f"/console/login/?next={request.path}")
    if kind == "patrol":
        route = scoped_or_404(request, PatrolRoute, pk, "facilities.patrol.view")
        items = [labels.checkpoint_label(cp) for cp in route.checkpoints.select_related("route")]
    else:
        route = scoped_or_404(request, InspectionRoute, pk, "facilities.inspection.view")
        items = [labels.point_label(p) for p in route.points.select_related("route")]
    response = HttpResponse(
        labels.label_sheet(labels=items, heading=route.name), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="route-{route.pk}-labels.pdf"'
    return response
