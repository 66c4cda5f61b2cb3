"""Staff console pages (/console/facilities/...): dashboard, ledgers, plans, tasks, rounds,
patrols, hazards, incidents, drills. Thin: lists and details read, forms call services."""

from datetime import timedelta

import django_filters
from django.contrib import messages
from django.http import Http404, HttpResponse
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

from . import labels, queries, services
from .choices import AssetCategory, AssetStatus, HazardStatus, TaskStatus
from .forms import (
    AssetForm,
    CertificateForm,
    DrillForm,
    DrillRecordForm,
    HazardForm,
    IncidentForm,
    IncidentStepForm,
    PlanForm,
    RectifyForm,
    ShiftForm,
    VerifyForm,
)
from .models import (
    Asset,
    Certificate,
    Drill,
    Hazard,
    Incident,
    InspectionRoute,
    InspectionTask,
    MaintenancePlan,
    MaintenanceTask,
    PatrolAlert,
    PatrolRoute,
    PatrolShift,
)
from .services.common import attachments_of


def when(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def in_scope(view, queryset):
    community_id = view.request.community_id
    return queryset.in_community(community_id) if community_id else queryset


# Dashboard ----------------------------------------------------------------------------------


class DashboardView(StaffRequiredMixin, generic.TemplateView):
    """The manager's facilities and safety dashboard."""

    template_name = "facilities/dashboard.html"
    permission = "facilities.asset.view"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        tasks = in_scope(
            self, MaintenanceTask.objects.visible_to(user, "facilities.maintenance.view")
        )
        certs = in_scope(self, Certificate.objects.visible_to(user, "facilities.asset.view"))
        assets = in_scope(self, Asset.objects.visible_to(user, "facilities.asset.view"))
        shifts = in_scope(self, PatrolShift.objects.visible_to(user, "facilities.patrol.view"))
        alerts = in_scope(self, PatrolAlert.objects.visible_to(user, "facilities.patrol.view"))
        hazards = in_scope(self, Hazard.objects.visible_to(user, "facilities.hazard.view"))
        overdue = (
            queries.overdue_tasks(tasks, today).select_related("asset", "plan").order_by("due_on")
        )
        expiring = queries.expiring_certificates(certs, 60, today).select_related("asset")
        equipment = queries.expiring_equipment(assets, today=today)
        compliance = queries.patrol_compliance_by_day(shifts, 14, today)
        week = services.compliance_rows(
            queries.shifts_between(shifts, today - timedelta(days=6), today), "route"
        )
        expected = sum(r["expected"] or 0 for r in week)
        on_time = sum(r["on_time"] or 0 for r in week)
        recent_alerts = (
            alerts.filter(raised_at__gte=timezone.now() - timedelta(days=2))
            .select_related("checkpoint", "shift__route", "shift__guard")
            .order_by("-raised_at")[:15]
        )
        open_hazards = hazards.exclude(status=HazardStatus.CLOSED).order_by("found_at")
        ctx.update(
            title=_("Facilities and safety"),
            overdue=overdue[:12],
            overdue_count=overdue.count(),
            expiring=[(c, c.days_left(today)) for c in expiring[:12]],
            expiring_count=expiring.count(),
            equipment=equipment[:12],
            equipment_count=equipment.count(),
            compliance=compliance,
            compliance_days=[d.strftime("%m-%d") for d, _r, _m in compliance],
            compliance_rates=[r if r is not None else 0 for _d, r, _m in compliance],
            compliance_missed=[m or 0 for _d, _r, m in compliance],
            week_rate=round(on_time * 100 / expected, 1) if expected else None,
            alerts=recent_alerts,
            hazard_ages=queries.hazards_by_age(hazards),
            rectification_rates=queries.rectification_rates(hazards),
            forecast=[
                (year, len(items), items[:6])
                for year, items in queries.replacement_forecast(assets, 5, today)
            ],
            open_hazards=open_hazards[:10],
            open_hazard_count=open_hazards.count(),
            today=today,
        )
        return ctx


# Assets -------------------------------------------------------------------------------------


class AssetFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=AssetCategory.choices, label=_("category"))
    status = django_filters.ChoiceFilter(choices=AssetStatus.choices, label=_("status"))

    class Meta:
        model = Asset
        fields = ["category", "status"]


class AssetList(ScopedListView):
    model = Asset
    permission = "facilities.asset.view"
    title = _("Asset ledger")
    filterset_class = AssetFilter
    detail_url_name = "console:facilities-asset-detail"
    create_url_name = "console:facilities-asset-create"
    create_permission = "facilities.asset.manage"
    search_fields = ["code", "name", "place", "maker"]
    template_name = "facilities/asset_list.html"
    columns = [
        Column("code", _("asset code")),
        Column("name", _("name")),
        Column("category", _("category")),
        Column("location", _("place")),
        Column("maker", _("maker")),
        Column("installed_on", _("installed on")),
        Column("status", _("status")),
        Column("replacement_due", _("replacement due")),
    ]

    def base_queryset(self):
        return Asset.objects.select_related("building")


class AssetDetail(ScopedDetailView):
    model = Asset
    permission = "facilities.asset.view"
    template_name = "facilities/asset_detail.html"
    fields = [
        Column("category", _("category")),
        Column("location", _("place")),
        Column("maker", _("maker")),
        Column("model_number", _("model")),
        Column("serial_number", _("serial number")),
        Column("installed_on", _("installed on")),
        Column("warranty_until", _("warranty until")),
        Column("contractor", _("maintenance contractor")),
        Column("status", _("status")),
        Column("expected_life_years", _("expected life (years)")),
        Column("replacement_due", _("replacement due")),
        Column("expires_on", _("expires on")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        asset = self.object
        from anju.servicedesk import selectors as ticket_selectors

        ctx.update(
            certificates=[(c, c.days_left()) for c in asset.certificates.all()],
            tasks=asset.maintenance_tasks.select_related("plan").order_by("-due_on")[:20],
            tickets=ticket_selectors.tickets_for_source(self.request.user, asset),
            qr=labels.qr_svg(self.request.build_absolute_uri(labels.asset_url(asset)), scale=3),
            scan_url=labels.asset_url(asset),
            can_manage=self.can("facilities.asset.manage", asset),
            certificate_form=CertificateForm(),
        )
        return ctx


class AssetCreate(ServiceFormView):
    form_class = AssetForm
    permission = "facilities.asset.manage"
    title = _("New asset")

    def perform(self, data):
        if not policy.staff_has(self.request.user, self.permission, data["community"].pk):
            raise DomainError(_("You may not add assets to this community."))
        data = {k: v for k, v in data.items() if v not in (None, "")}
        return services.create_asset(self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:facilities-asset-detail", args=[obj.pk])


def _scoped(request, model, pk, perm):
    obj = model.objects.visible_to(request.user, perm).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def _post_only(view):
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"/console/login/?next={request.path}")
        if request.method != "POST":
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _form_errors(request, exc):
    messages.error(request, exc.message)


@_post_only
def certificate_add(request, pk):
    asset = _scoped(request, Asset, pk, "facilities.asset.view")
    if not policy.staff_has(request.user, "facilities.asset.manage", asset.community_id):
        raise Http404
    form = CertificateForm(request.POST)
    if form.is_valid():
        try:
            services.add_certificate(
                request.user,
                asset=asset,
                **{
                    k: v for k, v in form.cleaned_data.items() if v not in (None, "") or k == "kind"
                },
            )
            messages.success(request, _("Saved."))
        except DomainError as exc:
            _form_errors(request, exc)
    else:
        messages.error(request, _("Check the certificate fields."))
    return redirect("console:facilities-asset-detail", pk=asset.pk)


def asset_label(request, pk):
    if not request.user.is_authenticated:
        return redirect(f"/console/login/?next={request.path}")
    asset = _scoped(request, Asset, pk, "facilities.asset.view")
    return HttpResponse(
        labels.qr_svg(request.build_absolute_uri(labels.asset_url(asset))),
        content_type="image/svg+xml",
    )


def asset_labels_pdf(request):
    """A sheet of labels for the assets in the list's current filter (or ?ids=1,2,3)."""
    if not request.user.is_authenticated:
        return redirect(f"/console/login/?next={request.path}")
    view = AssetList()
    view.request = request
    view.kwargs = {}
    queryset = view.get_queryset()
    ids = [int(i) for i in request.GET.get("ids", "").split(",") if i.isdigit()]
    if ids:
        queryset = queryset.filter(pk__in=ids)
    pdf = labels.label_sheet(
        queryset.select_related("building", "community")[:500],
        base_url=request.build_absolute_uri("/").rstrip("/"),
        heading=str(_("Asset labels")),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="asset-labels.pdf"'
    return response


def route_labels_pdf(request, kind, pk):
    if not request.user.is_authenticated:
        return redirect(f"/console/login/?next={request.path}")
    if kind == "patrol":
        route = _scoped(request, PatrolRoute, pk, "facilities.patrol.view")
        items = [labels.checkpoint_label(cp) for cp in route.checkpoints.select_related("route")]
    else:
        route = _scoped(request, InspectionRoute, pk, "facilities.inspection.view")
        items = [labels.point_label(p) for p in route.points.select_related("route")]
    response = HttpResponse(
        labels.label_sheet(labels=items, heading=route.name), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="route-{route.pk}-labels.pdf"'
    return response


class ExpiringEquipmentList(ScopedListView):
    model = Asset
    permission = "facilities.asset.view"
    title = _("Fire equipment expiring")
    detail_url_name = "console:facilities-asset-detail"
    empty_text = _("No fire equipment expires in the coming weeks.")
    columns = [
        Column("code", _("asset code")),
        Column("name", _("name")),
        Column("category", _("category")),
        Column("location", _("place")),
        Column("expires_on", _("expires on")),
        Column(
            "days",
            _("days left"),
            value=lambda o: (o.expires_on - timezone.localdate()).days,
            align="right",
        ),
    ]

    def base_queryset(self):
        return queries.expiring_equipment(Asset.objects.select_related("building"))


# Maintenance --------------------------------------------------------------------------------


class PlanList(ScopedListView):
    model = MaintenancePlan
    permission = "facilities.maintenance.view"
    title = _("Maintenance plans")
    detail_url_name = "console:facilities-plan-detail"
    create_url_name = "console:facilities-plan-create"
    create_permission = "facilities.maintenance.manage"
    search_fields = ["name"]
    columns = [
        Column("name", _("name")),
        Column("category", _("asset category")),
        Column("kind", _("kind of work")),
        Column("frequency", _("frequency")),
        Column("interval", _("interval"), align="right"),
        Column("assets", _("assets"), value=lambda o: o.asset_count, align="right"),
        Column("generated_until", _("tasks generated until")),
        Column("active", _("active")),
    ]

    def base_queryset(self):
        from django.db.models import Count

        return MaintenancePlan.objects.annotate(asset_count=Count("assets")).order_by(
            "community_id", "name"
        )


class PlanDetail(ScopedDetailView):
    model = MaintenancePlan
    permission = "facilities.maintenance.view"
    template_name = "facilities/plan_detail.html"
    fields = [
        Column("community", _("community")),
        Column("category", _("asset category")),
        Column("kind", _("kind of work")),
        Column("frequency", _("frequency")),
        Column("interval", _("interval")),
        Column("starts_on", _("first due date")),
        Column("assignee", _("assignee")),
        Column("generated_until", _("tasks generated until")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["tasks"] = self.object.tasks.select_related("asset").order_by("due_on")[:60]
        ctx["assets"] = self.object.assets.all()
        return ctx


class PlanCreate(ServiceFormView):
    form_class = PlanForm
    permission = "facilities.maintenance.manage"
    title = _("New maintenance plan")

    def perform(self, data):
        if not policy.staff_has(self.request.user, self.permission, data["community"].pk):
            raise DomainError(_("You may not plan work in this community."))
        plan = services.create_plan(self.request.user, **data)
        services.generate_tasks(
            actor=self.request.user, plans=MaintenancePlan.objects.filter(pk=plan.pk)
        )
        return plan

    def success_url_for(self, obj):
        return reverse("console:facilities-plan-detail", args=[obj.pk])


class TaskFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices, label=_("status"))
    due_on__gte = django_filters.DateFilter(
        field_name="due_on", lookup_expr="gte", label=_("due from")
    )
    due_on__lte = django_filters.DateFilter(
        field_name="due_on", lookup_expr="lte", label=_("due until")
    )

    class Meta:
        model = MaintenanceTask
        fields = ["status"]


def _task_due(task):
    from django.utils.html import format_html

    return format_html(
        '<span class="tag {}">{}</span>', task.tone, task.due_on.strftime("%Y-%m-%d")
    )


class TaskList(ScopedListView):
    model = MaintenanceTask
    permission = "facilities.maintenance.view"
    title = _("Maintenance tasks")
    filterset_class = TaskFilter
    search_fields = ["asset__code", "asset__name", "plan__name"]
    columns = [
        Column("due_on", _("due on"), value=_task_due),
        Column("plan", _("plan")),
        Column("asset", _("asset")),
        Column("status", _("status")),
        Column("assignee", _("assignee")),
        Column("result", _("result")),
        Column("completed_at", _("completed at")),
    ]

    def base_queryset(self):
        return MaintenanceTask.objects.select_related("plan", "asset", "assignee").order_by(
            "due_on", "id"
        )


# Inspection and patrol ----------------------------------------------------------------------


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
        ctx["progress"] = queries.shift_progress(self.object)
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
        return services.create_shift(self.request.user, **data)

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
        shifts = queries.shifts_between(shifts, today - timedelta(days=days - 1), today)
        ctx.update(
            title=_("Patrol compliance"),
            days=days,
            by_guard=services.compliance_rows(shifts, "guard"),
            by_route=services.compliance_rows(shifts, "route"),
            by_shift=services.compliance_rows(shifts, "shift"),
        )
        return ctx


# Hazards ------------------------------------------------------------------------------------


class HazardFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=HazardStatus.choices, label=_("status"))

    class Meta:
        model = Hazard
        fields = ["status", "category", "severity"]


def _deadline(h):
    from django.utils.html import format_html

    tone = "bad" if h.is_overdue else ("ok" if h.status != HazardStatus.OPEN else "")
    return format_html('<span class="tag {}">{}</span>', tone, h.deadline.strftime("%Y-%m-%d"))


class HazardList(ScopedListView):
    model = Hazard
    permission = "facilities.hazard.view"
    title = _("Hazards")
    filterset_class = HazardFilter
    detail_url_name = "console:facilities-hazard-detail"
    create_url_name = "console:facilities-hazard-create"
    create_permission = "facilities.hazard.report"
    search_fields = ["number", "place", "description"]
    columns = [
        Column("number", _("number")),
        Column("category", _("category")),
        Column("severity", _("severity")),
        Column("place", _("place")),
        Column("found_at", _("found at")),
        Column("responsible", _("responsible")),
        Column("deadline", _("rectification deadline"), value=_deadline),
        Column("status", _("status")),
    ]

    def base_queryset(self):
        return Hazard.objects.select_related("responsible")


class HazardDetail(ScopedDetailView):
    model = Hazard
    permission = "facilities.hazard.view"
    template_name = "facilities/hazard_detail.html"
    fields = [
        Column("category", _("category")),
        Column("severity", _("severity")),
        Column("place", _("place")),
        Column("description", _("description")),
        Column("reported_by", _("found by")),
        Column("found_at", _("found at")),
        Column("responsible", _("responsible")),
        Column("deadline", _("rectification deadline")),
        Column("status", _("status")),
        Column("rectification", _("what was done")),
        Column("rectified_at", _("rectified at")),
        Column("verified_at", _("verified at")),
        Column("escalated_at", _("escalated at")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        h = self.object
        allowed = Hazard.states.allowed_actions(h.status)
        ctx.update(
            photos=attachments_of(h),
            rectify_form=RectifyForm()
            if "rectify" in allowed and self.can("facilities.hazard.rectify", h)
            else None,
            verify_form=VerifyForm()
            if "verify" in allowed and self.can("facilities.hazard.verify", h)
            else None,
            can_close="close" in allowed and self.can("facilities.hazard.verify", h),
        )
        return ctx


class HazardCreate(ServiceFormView):
    form_class = HazardForm
    permission = "facilities.hazard.report"
    title = _("Report a hazard")

    def perform(self, data):
        if not policy.staff_has(self.request.user, self.permission, data["community"].pk):
            raise DomainError(_("You may not report hazards in this community."))
        photo = data.pop("photos", None)
        return services.report_hazard(self.request.user, photos=[photo] if photo else [], **data)

    def success_url_for(self, obj):
        return reverse("console:facilities-hazard-detail", args=[obj.pk])


@_post_only
def hazard_action(request, pk, verb):
    hazard = _scoped(request, Hazard, pk, "facilities.hazard.view")
    perm = {
        "rectify": "facilities.hazard.rectify",
        "verify": "facilities.hazard.verify",
        "close": "facilities.hazard.verify",
    }.get(verb)
    if perm is None or not policy.staff_has(request.user, perm, hazard.community_id):
        raise Http404
    try:
        if verb == "rectify":
            form = RectifyForm(request.POST, request.FILES)
            if form.is_valid():
                photo = form.cleaned_data.get("photos")
                services.rectify_hazard(
                    request.user,
                    hazard,
                    rectification=form.cleaned_data["rectification"],
                    photos=[photo] if photo else [],
                )
        elif verb == "verify":
            form = VerifyForm(request.POST)
            if form.is_valid():
                services.verify_hazard(request.user, hazard, **form.cleaned_data)
        else:
            services.close_hazard(request.user, hazard)
        messages.success(request, _("Saved."))
    except DomainError as exc:
        _form_errors(request, exc)
    return redirect(
        request.POST.get("next") or reverse("console:facilities-hazard-detail", args=[hazard.pk])
    )


# Incidents and drills -----------------------------------------------------------------------


class IncidentList(ScopedListView):
    model = Incident
    permission = "facilities.incident.manage"
    title = _("Incidents (第942条)")
    detail_url_name = "console:facilities-incident-detail"
    create_url_name = "console:facilities-incident-create"
    create_permission = "facilities.incident.manage"
    columns = [
        Column("number", _("number")),
        Column("kind", _("kind")),
        Column("occurred_at", _("occurred at")),
        Column("place", _("place")),
        Column("status", _("status")),
    ]


class IncidentDetail(ScopedDetailView):
    model = Incident
    permission = "facilities.incident.manage"
    template_name = "facilities/incident_detail.html"
    fields = [
        Column("kind", _("kind")),
        Column("occurred_at", _("occurred at")),
        Column("place", _("place")),
        Column("description", _("description")),
        Column("reported_by", _("recorded by")),
        Column("status", _("status")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        allowed = Incident.states.allowed_actions(self.object.status)
        form = IncidentStepForm(initial={"step": next((a for a in allowed if a != "close"), None)})
        ctx.update(
            records=self.object.records.select_related("by").prefetch_related("attachments"),
            step_form=form if allowed else None,
            can_close="close" in allowed,
        )
        return ctx


class IncidentCreate(ServiceFormView):
    form_class = IncidentForm
    permission = "facilities.incident.manage"
    title = _("Record an incident")

    def perform(self, data):
        if not policy.staff_has(self.request.user, self.permission, data["community"].pk):
            raise DomainError(_("You may not record incidents in this community."))
        return services.open_incident(self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:facilities-incident-detail", args=[obj.pk])


@_post_only
def incident_action(request, pk):
    incident = _scoped(request, Incident, pk, "facilities.incident.manage")
    try:
        if request.POST.get("action") == "close":
            services.close_incident(request.user, incident)
        else:
            form = IncidentStepForm(request.POST, request.FILES)
            if not form.is_valid():
                messages.error(
                    request, _("Fill in the step, the note and (for a report) the authority.")
                )
                return redirect("console:facilities-incident-detail", pk=incident.pk)
            data = form.cleaned_data
            services.record_incident_step(
                request.user,
                incident,
                step=data["step"],
                note=data["note"],
                at=data.get("at"),
                authority=data.get("authority") or "",
                evidence=data.get("evidence"),
            )
        messages.success(request, _("Saved."))
    except DomainError as exc:
        _form_errors(request, exc)
    return redirect("console:facilities-incident-detail", pk=incident.pk)


class DrillList(ScopedListView):
    model = Drill
    permission = "facilities.drill.view"
    title = _("Drills and training")
    detail_url_name = "console:facilities-drill-detail"
    create_url_name = "console:facilities-drill-create"
    create_permission = "facilities.drill.manage"
    columns = [
        Column("title", _("title")),
        Column("kind", _("kind")),
        Column("planned_at", _("planned for")),
        Column("place", _("place")),
        Column("status", _("status")),
        Column("attendance", _("attendance"), value=lambda o: o.attendance.count(), align="right"),
    ]


class DrillDetail(ScopedDetailView):
    model = Drill
    permission = "facilities.drill.view"
    template_name = "facilities/drill_detail.html"
    fields = [
        Column("kind", _("kind")),
        Column("planned_at", _("planned for")),
        Column("place", _("place")),
        Column("status", _("status")),
        Column("held_at", _("held at")),
        Column("summary", _("summary")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["attendance"] = self.object.attendance.all()
        ctx["photos"] = attachments_of(self.object)
        ctx["record_form"] = DrillRecordForm() if self.object.status == "planned" else None
        return ctx


class DrillCreate(ServiceFormView):
    form_class = DrillForm
    permission = "facilities.drill.manage"
    title = _("Plan a drill or training")

    def perform(self, data):
        if not policy.staff_has(self.request.user, self.permission, data["community"].pk):
            raise DomainError(_("You may not plan drills in this community."))
        return services.plan_drill(self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:facilities-drill-detail", args=[obj.pk])


@_post_only
def drill_action(request, pk):
    drill = _scoped(request, Drill, pk, "facilities.drill.view")
    if not policy.staff_has(request.user, "facilities.drill.manage", drill.community_id):
        raise Http404
    try:
        action = request.POST.get("action")
        if action == "follow_up":
            services.complete_follow_up(
                request.user, drill, index=int(request.POST.get("index", "-1"))
            )
        else:
            form = DrillRecordForm(request.POST, request.FILES)
            if not form.is_valid():
                messages.error(request, _("List who attended."))
                return redirect("console:facilities-drill-detail", pk=drill.pk)
            data = form.cleaned_data
            services.record_drill(
                request.user,
                drill,
                held_at=data.get("held_at"),
                summary=data["summary"],
                attendees=[n for n in data["attendees"].splitlines() if n.strip()],
                follow_ups=[f for f in data["follow_ups"].splitlines() if f.strip()],
                photo=data.get("photo"),
            )
        messages.success(request, _("Saved."))
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    return redirect("console:facilities-drill-detail", pk=drill.pk)
