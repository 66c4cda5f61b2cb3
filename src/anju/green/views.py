"""Console pages of green living: the street office's monthly report (page and Excel), the
collection points, logs and sorting inspections with their forms, the waste pickups with their
actions, the households' green points (with spending and awarding by hand), the decoration
plans with their form, photos, cost and ratings, and the company-wide view of decorations."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views import generic

from anju.core import attachments as core_attachments
from anju.core import formats, policy
from anju.core.console import (
    Column,
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
    StaffRequiredMixin,
    add_domain_errors,
    get_scoped_object,
)
from anju.core.errors import DomainError
from anju.core.excel import xlsx_response
from anju.core.models import Community

from . import report, selectors, services
from .choices import OPEN_PICKUPS, WasteCategory
from .forms import (
    FinishForm,
    InspectionForm,
    LogForm,
    PlanForm,
    PlanPhotosForm,
    PointForm,
    PointsForm,
)
from .models import (
    CollectionLog,
    CollectionPoint,
    DecorationPlan,
    Inspection,
    Pickup,
    PointsAccount,
)


def _when(value):
    return formats.when(value) if value else ""


def _house(obj):
    return obj.house.label if obj.house_id else ""


def _community_for(request, perm):
    """The console's chosen community, else the first the user may see with ``perm``."""
    rows = Community.objects.visible_to(request.user, perm).order_by("pk")
    chosen = request.GET.get("community") or request.community_id
    found = rows.filter(pk=chosen).first() if str(chosen or "").isdigit() else None
    return found or rows.first()


# The monthly report -------------------------------------------------------------------------


class ReportView(StaffRequiredMixin, generic.TemplateView):
    """街道月报: the month's weights per category, the inspections, the rate per building."""

    permission = "green.report.view"
    template_name = "green/report.html"

    def get(self, request, *args, **kwargs):
        self.community = _community_for(request, self.permission)
        month = request.GET.get("month") or f"{timezone.localdate():%Y-%m}"
        try:
            self.first = selectors.parse_month(month)
        except DomainError as exc:
            messages.error(request, exc.message)
            self.first = timezone.localdate().replace(day=1)
        self.report = (
            selectors.monthly_report(self.community, self.first) if self.community else None
        )
        if request.GET.get("export") == "xlsx" and self.report is not None:
            if not policy.staff_has(request.user, "core.export.run"):
                raise PermissionDenied
            return xlsx_response(report.workbook(self.report), report.filename(self.report))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title=_("Monthly sorting report"),
            report=self.report,
            month=f"{self.first:%Y-%m}",
            community=self.community,
            communities=Community.objects.visible_to(self.request.user, self.permission),
            can_export=policy.staff_has(self.request.user, "core.export.run"),
        )
        return ctx


# Points, logs, inspections -------------------------------------------------------------------


class PointList(ScopedListView):
    model = CollectionPoint
    permission = "green.point.view"
    title = _("Collection points")
    create_url_name = "console:green-point-create"
    create_permission = "green.point.manage"
    search_fields = ["name", "place"]
    columns = [
        Column("name", _("name")),
        Column("community", _("community")),
        Column("building", _("building")),
        Column("place", _("place")),
        Column("schedule", _("drop-off times")),
        Column("responsible", _("person responsible")),
        Column("active", _("in use")),
    ]

    def base_queryset(self):
        return CollectionPoint.objects.select_related("community", "building", "responsible")


class PointCreate(ServiceFormView):
    form_class = PointForm
    permission = "green.point.manage"
    title = _("New collection point")

    def perform(self, data):
        return services.save_point(actor=self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:green-point-list")


class LogList(ScopedListView):
    model = CollectionLog
    permission = "green.log.view"
    title = _("Collection logs")
    create_url_name = "console:green-log-create"
    create_permission = "green.log.create"
    search_fields = ["point__name", "hauler"]
    columns = [
        Column("at", _("collected at"), value=lambda r: _when(r.at)),
        Column("point", pgettext_lazy("waste", "point")),
        Column("building", _("building")),
        Column(
            "category",
            _("category"),
            value=lambda r: getattr(r, "category_name", None) or r.get_category_display(),
        ),
        Column("weight_kg", _("weight (kg)"), align="right"),
        Column("collector", _("collector")),
        Column("hauler", _("hauler")),
    ]

    def base_queryset(self):
        return CollectionLog.objects.select_related("point", "building", "collector", "community")

    def paginate_queryset(self, queryset, page_size):
        """Each row's category by its name in the community's jurisdiction (湿垃圾 in Shanghai)."""
        found = super().paginate_queryset(queryset, page_size)
        rules = {}
        for row in found[2]:
            if row.community_id not in rules:
                rules[row.community_id] = selectors.rules_for(row.community)
            if rules[row.community_id] is not None:
                row.category_name = rules[row.community_id].label(row.category)
        return found


class LogCreate(ServiceFormView):
    form_class = LogForm
    permission = "green.log.create"
    title = _("Record a collection")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        community = _community_for(self.request, self.permission)
        rules = selectors.rules_for(community) if community else None
        kwargs["categories"] = rules.labels() if rules else WasteCategory.choices
        return kwargs

    def perform(self, data):
        return services.record_log(actor=self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:green-log-list")


class InspectionList(ScopedListView):
    model = Inspection
    permission = "green.inspection.view"
    title = _("Sorting inspections")
    create_url_name = "console:green-inspection-create"
    create_permission = "green.inspection.create"
    detail_url_name = "console:green-inspection-detail"
    search_fields = ["point__name", "note"]
    columns = [
        Column("at", _("inspected at"), value=lambda r: _when(r.at)),
        Column("point", pgettext_lazy("waste", "point")),
        Column("building", _("building")),
        Column("house", _("household"), value=_house),
        Column("grade", _("grade")),
        Column("note", _("note")),
        Column("inspector", _("inspected by")),
    ]

    def base_queryset(self):
        return Inspection.objects.select_related("point", "building", "house", "inspector")


class InspectionCreate(ServiceFormView):
    form_class = InspectionForm
    permission = "green.inspection.create"
    title = _("Record a sorting inspection")

    def perform(self, data):
        return services.record_inspection(actor=self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:green-inspection-detail", args=[obj.pk])


class InspectionDetail(ScopedDetailView):
    model = Inspection
    permission = "green.inspection.view"
    template_name = "green/inspection_detail.html"
    fields = [
        Column("point", pgettext_lazy("waste", "point")),
        Column("building", _("building")),
        Column("house", _("household"), value=_house),
        Column("grade", _("grade")),
        Column("note", _("note")),
        Column("inspector", _("inspected by")),
        Column("at", _("inspected at"), value=lambda r: _when(r.at)),
    ]

    def get_queryset(self):
        return super().get_queryset().select_related("point", "building", "house", "inspector")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["photos"] = core_attachments.of(self.object)
        return ctx


# Pickups ------------------------------------------------------------------------------------


class PickupList(ScopedListView):
    model = Pickup
    permission = "green.pickup.view"
    title = _("Waste pickups")
    detail_url_name = "console:green-pickup-detail"
    columns = [
        Column("wanted_on", _("wanted on")),
        Column("house", _("house"), value=_house),
        Column("kind", _("kind")),
        Column("items", _("what is to be taken")),
        Column("status", _("status")),
        Column("confirmed_for", _("pickup time"), value=lambda r: _when(r.confirmed_for)),
    ]

    def base_queryset(self):
        rows = Pickup.objects.select_related("house__building")
        if self.request.GET.get("open") == "1":
            rows = rows.filter(status__in=OPEN_PICKUPS)
        return rows


class PickupDetail(ScopedDetailView):
    model = Pickup
    permission = "green.pickup.view"
    template_name = "green/pickup_detail.html"
    fields = [
        Column("house", _("house"), value=_house),
        Column("kind", _("kind")),
        Column("items", _("what is to be taken")),
        Column("wanted_on", _("wanted on")),
        Column("status", _("status")),
        Column("confirmed_for", _("pickup time"), value=lambda r: _when(r.confirmed_for)),
        Column("staff_note", _("note from the service centre")),
        Column("collected_at", _("collected at"), value=lambda r: _when(r.collected_at)),
        Column("created_at", _("booked at"), value=lambda r: _when(r.created_at)),
    ]

    def get_queryset(self):
        return super().get_queryset().select_related("house__building")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        pickup = self.object
        ctx["title"] = f"{pickup.get_kind_display()} · {pickup.house.label}"
        ctx["allowed"] = (
            set(pickup.machine.allowed_actions(pickup.status))
            if self.can("green.pickup.manage", pickup)
            else set()
        )
        return ctx


class PickupAction(StaffRequiredMixin, generic.View):
    permission = "green.pickup.view"

    def post(self, request, pk, verb):
        pickup = get_scoped_object(Pickup, request.user, pk, self.permission)
        try:
            if verb == "confirm":
                from django.utils.dateparse import parse_datetime

                services.confirm_pickup(
                    actor=request.user,
                    pickup=pickup,
                    at=parse_datetime(request.POST.get("at", "") or ""),
                    note=request.POST.get("note", ""),
                )
            elif verb == "collect":
                services.collect_pickup(actor=request.user, pickup=pickup)
            elif verb == "cancel":
                services.cancel_pickup(
                    actor=request.user, pickup=pickup, note=request.POST.get("note", "")
                )
            else:
                raise PermissionDenied
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Done."))
        return redirect("console:green-pickup-detail", pk=pk)


# Green points -------------------------------------------------------------------------------


class AccountList(ScopedListView):
    model = PointsAccount
    permission = "green.points.view"
    title = _("Green points")
    detail_url_name = "console:green-points-detail"
    search_fields = ["house__number", "house__building__name"]
    columns = [
        Column("house", _("household"), value=_house),
        Column("community", _("community")),
        Column("balance", _("balance"), align="right"),
        Column("updated_at", _("updated at"), value=lambda r: _when(r.updated_at)),
    ]

    def base_queryset(self):
        return PointsAccount.objects.select_related("house__building", "community").order_by(
            "-balance", "house_id"
        )


class AccountDetail(StaffRequiredMixin, generic.TemplateView):
    """A household's ledger with a form to spend (or award) points by hand."""

    permission = "green.points.view"
    template_name = "green/points_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and getattr(request.user, "is_staff_member", False):
            self.account = get_scoped_object(
                PointsAccount, request.user, kwargs["pk"], self.permission
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        account = self.account
        ctx.update(
            title=_("Green points of %(house)s") % {"house": account.house.label},
            account=account,
            entries=account.entries.order_by("-at", "-pk")[:200],
            form=form or PointsForm(),
            can_manage=policy.staff_has(
                self.request.user, "green.points.manage", account.community_id
            ),
        )
        return ctx

    def post(self, request, pk):
        if not policy.staff_has(request.user, "green.points.manage", self.account.community_id):
            raise PermissionDenied
        form = PointsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            fn = services.spend if data["direction"] == "spend" else services.award
            try:
                fn(
                    actor=request.user,
                    house=self.account.house,
                    points=data["points"],
                    reason=data["reason"],
                )
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("console:green-points-detail", pk=pk)
        return self.render_to_response(self.get_context_data(form=form))


# Decoration plans ---------------------------------------------------------------------------


def _rating(plan):
    if getattr(plan, "rating", None) is None:
        return ""
    return f"{plan.rating:.1f} ★ ({plan.ratings_count})"


def _money(value):
    return formats.money(value) if value is not None else ""


PLAN_COLUMNS = [
    Column("occasion_date", _("occasion date")),
    Column("occasion", _("occasion"), raw=True),
    Column("community", _("community")),
    Column("theme", _("theme")),
    Column("status", _("status")),
    Column("budget", _("budget (¥)"), value=lambda p: _money(p.budget), align="right"),
    Column(
        "actual_cost", _("actual cost (¥)"), value=lambda p: _money(p.actual_cost), align="right"
    ),
    Column("rating", _("rating"), value=_rating),
]


class PlanList(ScopedListView):
    model = DecorationPlan
    permission = "green.decoration.view"
    title = _("Decoration plans")
    detail_url_name = "console:green-plan-detail"
    search_fields = ["occasion", "theme"]
    columns = PLAN_COLUMNS

    def base_queryset(self):
        from django.db.models import Avg, Count

        return (
            DecorationPlan.objects.select_related("community")
            .annotate(rating=Avg("ratings__stars"), ratings_count=Count("ratings"))
            .order_by("-occasion_date", "community_id", "pk")
        )


class PlanDetail(StaffRequiredMixin, generic.TemplateView):
    permission = "green.decoration.view"
    template_name = "green/plan_detail.html"
    FORMS = {"plan": PlanForm, "finish": FinishForm, "photos": PlanPhotosForm}

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and getattr(request.user, "is_staff_member", False):
            self.plan = get_scoped_object(
                DecorationPlan, request.user, kwargs["pk"], self.permission
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, forms=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        plan = self.plan
        forms = forms or {}
        photos = core_attachments.of(plan)
        allowed = set(plan.machine.allowed_actions(plan.status))
        ratings = list(selectors.plan_ratings(plan)[:200])
        ctx.update(
            title=f"{plan.community.name} · {plan.occasion}",
            plan=plan,
            allowed=allowed if self.can_manage() else set(),
            plan_form=forms.get("plan")
            or PlanForm(
                initial={
                    "theme": plan.theme,
                    "items": "\n".join(
                        f"{r['item']} @ {r['place']}" if r.get("place") else r["item"]
                        for r in plan.items
                    ),
                    "budget": plan.budget,
                    "done_by": plan.done_by,
                }
            ),
            finish_form=forms.get("finish") or FinishForm(),
            photos_form=forms.get("photos") or PlanPhotosForm(),
            before=[p for p in photos if p.caption == "before"],
            after=[p for p in photos if p.caption == "after"],
            ratings=ratings,
            average=(sum(r.stars for r in ratings) / len(ratings)) if ratings else None,
        )
        return ctx

    def can_manage(self):
        return policy.staff_has(
            self.request.user, "green.decoration.manage", self.plan.community_id
        )

    def post(self, request, pk):
        if not self.can_manage():
            raise PermissionDenied
        step = request.POST.get("step")
        if step == "cancel":
            try:
                services.cancel_plan(actor=request.user, plan=self.plan)
            except DomainError as exc:
                messages.error(request, exc.message)
            return redirect("console:green-plan-detail", pk=pk)
        if step not in self.FORMS:
            raise PermissionDenied
        form = self.FORMS[step](request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if step == "plan":
                    services.save_plan(actor=request.user, plan=self.plan, **data)
                elif step == "finish":
                    services.finish_plan(actor=request.user, plan=self.plan, **data)
                else:
                    services.add_photos(actor=request.user, plan=self.plan, **data)
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("console:green-plan-detail", pk=pk)
        return self.render_to_response(self.get_context_data(forms={step: form}))


class CompanyDecorations(StaffRequiredMixin, generic.TemplateView):
    """全公司节日布置: every community's themes, budgets, costs and ratings side by side."""

    permission = "green.decoration.view"
    template_name = "green/decorations_company.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows, totals = selectors.company_decorations(self.request.user)
        ctx.update(title=_("Festival decorations company-wide"), plans=rows[:300], totals=totals)
        return ctx
