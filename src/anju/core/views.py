"""Core pages: health, login, language, community switcher, dashboard, master data, import."""

import logging

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Sum
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views import generic
from django.views.decorators.http import require_POST

from . import attachments, audit, comparison, imports, navigation, policy, progress, services
from .console import Column, ScopedDetailView, ScopedListView, ServiceFormView, StaffRequiredMixin
from .dashboard import cards_for
from .dates import period
from .db.replica import ReplicaReadsMixin
from .errors import DomainError
from .excel import workbook_bytes, xlsx_response
from .forms import BuildingForm, CommunityForm, HouseForm, ImportForm, OccupancyForm, PersonForm
from .middleware import SESSION_KEY
from .models import AuditEntry, Building, Community, House, Job, Occupancy, Person

logger = logging.getLogger(__name__)


def healthz(request):
    """The load balancer's probe: ok, or unavailable without any detail (the log has it).
    Exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT), so a plain-HTTP probe works."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # report, never raise: this is what monitors poll
        logger.exception("healthz: the database is unavailable")
        response = JsonResponse({"status": "unavailable"}, status=503)
        response["Cache-Control"] = "no-store"
        return response
    response = JsonResponse({"status": "ok"})
    response["Cache-Control"] = "no-store"
    return response


def root(request):
    if request.user.is_authenticated and not request.user.is_staff_member:
        return redirect("/app/")
    return redirect("/console/")


@require_POST
def switch_community(request):
    if not request.user.is_authenticated:
        raise Http404
    value = request.POST.get("community", "")
    if value.isdigit() and int(value) in request.user.staff_community_ids():
        request.session[SESSION_KEY] = int(value)
    else:
        request.session.pop(SESSION_KEY, None)
    target = request.POST.get("next", "/console/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/console/"
    return HttpResponseRedirect(target)


class DashboardView(ReplicaReadsMixin, StaffRequiredMixin, generic.TemplateView):
    """The managers' and company admins' home. Everyone else's ``/console/`` is their role's
    home (``core.navigation``): a technician lands on their tasks, a guard on the patrol."""

    template_name = "console/dashboard.html"

    def get(self, request, *args, **kwargs):
        home = navigation.home_url_name(request.user)
        if home != navigation.DASHBOARD:
            return redirect(navigation.home_url(request.user))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        communities = Community.objects.visible_to(user, "core.community.view")
        if self.request.community_id:
            communities = communities.filter(pk=self.request.community_id)
        houses = House.objects.visible_to(user, "core.house.view").filter(community__in=communities)
        stats = houses.aggregate(count=Count("id"), area=Sum("area"))
        ctx.update(
            title=_("Dashboard"),
            cards=cards_for(self.request),
            stats=stats,
            community_rows=communities.annotate(
                house_count=Count("houses", distinct=True)
            ).order_by("name")[:20],
            unsold=houses.filter(sold=False).count(),
            recent=audit.present(
                AuditEntry.objects.visible_to(user, "core.audit.view").select_related(
                    "actor", "content_type"
                )[:30]
            )[:10]
            if policy.staff_has(user, "core.audit.view")
            else [],
        )
        return ctx


class ComparisonView(ReplicaReadsMixin, StaffRequiredMixin, generic.TemplateView):
    """小区对比: the communities side by side on every app's measures, best and worst marked,
    for a period (default the last 30 days); each row drills down to that community's
    workbench. Exported to Excel as shown."""

    template_name = "console/compare.html"
    permission = "core.compare.view"

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        if request.GET.get("export") == "xlsx":
            if not policy.staff_has(request.user, "core.export.run"):
                raise PermissionDenied
            headers = [_("measure"), *[c.name for c in ctx["communities"]]]
            rows = [
                [f"{m.section} · {m.label}", *[m.display(c.pk) for c in ctx["communities"]]]
                for m in ctx["metrics"]
            ]
            return xlsx_response(
                workbook_bytes(_("Communities compared"), headers, rows),
                f"compare-{ctx['start']:%Y%m%d}-{ctx['end']:%Y%m%d}.xlsx",
            )
        return self.render_to_response(ctx)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        start, end = period(self.request.GET)
        communities, metrics = comparison.compare(user, start, end)
        ctx.update(
            title=_("Communities compared"),
            start=start,
            end=end,
            communities=communities,
            metrics=metrics,
            # One row per measure, one column per community (a company has a few to a dozen).
            rows=[(m, [(m.display(c.pk), m.tone(c.pk)) for c in communities]) for m in metrics],
            chart=[
                {
                    "label": f"{m.section} · {m.label}",
                    "unit": m.unit,
                    "values": [
                        None
                        if m.values.get(c.pk) is None
                        else float(m.values[c.pk] * 100 if m.unit == "%" else m.values[c.pk])
                        for c in communities
                    ],
                }
                for m in metrics
            ],
            names=[c.name for c in communities],
            can_export=policy.staff_has(user, "core.export.run"),
        )
        return ctx


# Communities ---------------------------------------------------------------------------------


class CommunityList(ScopedListView):
    model = Community
    permission = "core.community.view"
    title = _("Communities")
    create_url_name = "console:community-create"
    create_permission = "core.community.change"
    detail_url_name = "console:community-detail"
    search_fields = ["name", "address"]
    columns = [
        Column("name", _("name"), link=True),
        Column("code", _("short code"), raw=True),
        Column("address", _("address")),
        Column("jurisdiction", _("jurisdiction code")),
        Column("service_level", _("service level")),
        Column("houses", _("houses"), value=lambda o: o.house_count, align="right"),
    ]

    def base_queryset(self):
        return Community.objects.annotate(house_count=Count("houses"))

    def get_queryset(self):
        # The switcher narrows other lists, never the list of communities itself.
        return self.base_queryset().visible_to(self.request.user, self.permission).order_by("name")


class CommunityDetail(ScopedDetailView):
    model = Community
    permission = "core.community.view"
    edit_url_name = "console:community-edit"
    edit_permission = "core.community.change"
    fields = [
        Column("organization", _("company")),
        Column("code", _("short code"), raw=True),
        Column("address", _("address")),
        Column("jurisdiction", _("jurisdiction code")),
        Column("service_level", _("service level")),
        Column("service_phone", _("24h service phone")),
        Column("developer", _("developer")),
    ]
    related = [
        (
            _("Buildings"),
            lambda o: [
                (b.name, reverse("console:building-detail", args=[b.pk]))
                for b in o.buildings.all()[:200]
            ],
        ),
    ]


class CommunityCreate(ServiceFormView):
    form_class = CommunityForm
    permission = "core.community.change"
    title = _("New community")

    def perform(self, data):
        if not policy.staff_has(
            self.request.user, "core.community.change", organization_id=data["organization"].pk
        ):
            raise DomainError(_("You may not add communities to this company."))
        return services.create_community(**data, actor=self.request.user)

    def success_url_for(self, obj):
        return reverse("console:community-detail", args=[obj.pk])


class EditView(ServiceFormView):
    """Edit an existing object through services.update_object."""

    model = None
    edit_fields: list[str] = []

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = (
                self.model.objects.visible_to(request.user, self.permission)
                .filter(pk=kwargs["pk"])
                .first()
            )
            if self.object is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {name: getattr(self.object, name) for name in self.form_class.base_fields}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        for name in list(form.fields):
            if name not in self.edit_fields:
                form.fields.pop(name)
        return form

    def perform(self, data):
        return services.update_object(self.object, data, actor=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("Edit %(object)s") % {"object": self.object}
        return ctx


class CommunityEdit(EditView):
    model = Community
    form_class = CommunityForm
    permission = "core.community.change"
    edit_fields = [
        "name",
        "code",
        "address",
        "jurisdiction",
        "service_level",
        "service_phone",
        "developer",
    ]

    def success_url_for(self, obj):
        return reverse("console:community-detail", args=[obj.pk])


# Buildings -----------------------------------------------------------------------------------


class BuildingList(ScopedListView):
    model = Building
    permission = "core.building.view"
    title = _("Buildings")
    create_url_name = "console:building-create"
    create_permission = "core.building.change"
    detail_url_name = "console:building-detail"
    search_fields = ["name"]
    columns = [
        Column("name", _("name"), link=True),
        Column("community", _("community")),
        Column("floors", _("floors above ground"), align="right"),
        Column("houses", _("houses"), value=lambda o: o.house_count, align="right"),
    ]

    def base_queryset(self):
        return (
            Building.objects.select_related("community")
            .annotate(house_count=Count("houses"))
            .order_by("community_id", "name")
        )


class BuildingDetail(ScopedDetailView):
    model = Building
    permission = "core.building.view"
    fields = [Column("community", _("community")), Column("floors", _("floors above ground"))]
    related = [
        (
            _("Houses"),
            lambda o: [
                (h.number, reverse("console:house-detail", args=[h.pk]))
                for h in o.houses.all()[:500]
            ],
        ),
    ]


class BuildingCreate(ServiceFormView):
    form_class = BuildingForm
    permission = "core.building.change"
    title = _("New building")

    def perform(self, data):
        return services.create_building(**data, actor=self.request.user)

    def success_url_for(self, obj):
        return reverse("console:building-detail", args=[obj.pk])


# Houses --------------------------------------------------------------------------------------


class HouseFilter(django_filters.FilterSet):
    building = django_filters.ModelChoiceFilter(
        queryset=Building.objects.none(), label=_("building")
    )

    class Meta:
        model = House
        fields = ["building", "usage", "sold", "delivered", "area_source"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        buildings = Building.objects.visible_to(request.user, "core.building.view").select_related(
            "community"
        )
        if request.community_id:
            buildings = buildings.filter(community_id=request.community_id)
        self.filters["building"].queryset = buildings


class HouseList(ScopedListView):
    model = House
    permission = "core.house.view"
    title = _("Houses")
    filterset_class = HouseFilter
    create_url_name = "console:house-create"
    create_permission = "core.house.change"
    detail_url_name = "console:house-detail"
    search_fields = ["number", "building__name"]
    columns = [
        Column("label", _("house"), link=True),
        Column("community", _("community")),
        Column("floor", _("floor"), align="right"),
        Column("usage", pgettext_lazy("house", "usage")),
        Column("area", _("building area (m²)"), align="right"),
        Column("area_source", _("area source")),
        Column("sold", _("sold")),
        Column("delivered", _("delivered")),
    ]

    def base_queryset(self):
        return House.objects.select_related("building", "community")


class HouseDetail(ScopedDetailView):
    model = House
    permission = "core.house.view"
    template_name = "console/house_detail.html"
    edit_url_name = "console:house-edit"
    edit_permission = "core.house.change"
    fields = [
        Column("community", _("community")),
        Column("building", _("building")),
        Column("entrance", _("entrance")),
        Column("floor", _("floor")),
        Column("usage", pgettext_lazy("house", "usage")),
        Column("area", _("building area (m²)")),
        Column("area_source", _("area source")),
        Column("sold", _("sold")),
        Column("delivered", _("delivered")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["occupancies"] = self.object.occupancies.select_related("person").order_by(
            "until", "relation"
        )
        ctx["can_add_occupant"] = self.can("core.occupancy.change", self.object)
        ctx["show_contact"] = self.can("core.person.view_contact", self.object)
        return ctx


class HouseCreate(ServiceFormView):
    form_class = HouseForm
    permission = "core.house.change"
    title = _("New house")

    def perform(self, data):
        return services.create_house(**data, actor=self.request.user)

    def success_url_for(self, obj):
        return reverse("console:house-detail", args=[obj.pk])


class HouseEdit(EditView):
    model = House
    form_class = HouseForm
    permission = "core.house.change"
    edit_fields = [
        "number",
        "floor",
        "usage",
        "area",
        "area_source",
        "sold",
        "delivered",
        "delivered_on",
    ]

    def success_url_for(self, obj):
        return reverse("console:house-detail", args=[obj.pk])


# People --------------------------------------------------------------------------------------


class PersonList(ScopedListView):
    model = Person
    permission = "core.person.view"
    title = _("Owners and residents")
    create_url_name = "console:person-create"
    create_permission = "core.person.change"
    detail_url_name = "console:person-detail"
    search_fields = ["name", "phone"]
    columns = [
        Column("name", _("name"), link=True),
        Column("phone", _("phone")),
        Column("id_number", _("ID number")),
    ]

    def get_queryset(self):
        queryset = self.base_queryset().visible_to(self.request.user, self.permission)
        if self.request.community_id and self.request.GET.get("all") != "1":
            queryset = queryset.filter(
                pk__in=Occupancy.objects.filter(community_id=self.request.community_id).values(
                    "person_id"
                )
            )
        q = self.request.GET.get("q", "").strip()
        if q:
            from django.db.models import Q

            queryset = queryset.filter(Q(name__icontains=q) | Q(phone__icontains=q))
        return queryset

    def get_context_data(self, **kwargs):
        from .crypto import mask_middle

        ctx = super().get_context_data(**kwargs)
        show_phone = policy.staff_has(self.request.user, "core.person.view_contact")
        show_id = policy.staff_has(self.request.user, "core.person.view_id")
        ctx["rows"] = [
            (
                obj,
                [
                    (obj.name, "left", True),
                    (obj.phone if show_phone else mask_middle(obj.phone), "left", True),
                    (obj.id_number if show_id else mask_middle(obj.id_number), "left", True),
                ],
            )
            for obj, _values in ctx["rows"]
        ]
        return ctx


class PersonDetail(ScopedDetailView):
    model = Person
    permission = "core.person.view"
    template_name = "console/person_detail.html"
    edit_url_name = "console:person-edit"
    edit_permission = "core.person.change"

    def get_context_data(self, **kwargs):
        from .crypto import mask_middle

        ctx = super().get_context_data(**kwargs)
        person = self.object
        show_phone = policy.staff_has(
            self.request.user, "core.person.view_contact", organization_id=person.organization_id
        )
        show_id = policy.staff_has(
            self.request.user, "core.person.view_id", organization_id=person.organization_id
        )
        ctx["facts"] = [
            (_("phone"), person.phone if show_phone else mask_middle(person.phone)),
            (_("ID number"), person.id_number if show_id else mask_middle(person.id_number)),
        ]
        ctx["occupancies"] = person.occupancies.select_related(
            "house__building", "house__community"
        )
        return ctx

    def can(self, perm, obj=None):
        return policy.staff_has(
            self.request.user, perm, organization_id=self.object.organization_id
        )


class PersonCreate(ServiceFormView):
    form_class = PersonForm
    permission = "core.person.change"
    title = _("New person")

    def perform(self, data):
        return services.create_person(**data, actor=self.request.user)

    def success_url_for(self, obj):
        return reverse("console:person-detail", args=[obj.pk])


class PersonEdit(EditView):
    model = Person
    form_class = PersonForm
    permission = "core.person.change"
    edit_fields = ["name", "phone", "id_number"]

    def success_url_for(self, obj):
        return reverse("console:person-detail", args=[obj.pk])


class OccupancyCreate(ServiceFormView):
    form_class = OccupancyForm
    permission = "core.occupancy.change"
    title = _("Add an occupant")

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("house", "").isdigit():
            initial["house"] = int(self.request.GET["house"])
        return initial

    def perform(self, data):
        return services.create_occupancy(**data, actor=self.request.user)

    def success_url_for(self, obj):
        return reverse("console:house-detail", args=[obj.house_id])


@login_required(login_url="/console/login/")
@require_POST
def occupancy_end(request, pk):

    occ = Occupancy.objects.visible_to(request.user, "core.occupancy.view").filter(pk=pk).first()
    if occ is None or not policy.staff_has(request.user, "core.occupancy.change", occ.community_id):
        raise Http404
    services.end_occupancy(occ, until=timezone.localdate(), actor=request.user)
    messages.success(request, _("The occupancy has ended."))
    return redirect("console:house-detail", pk=occ.house_id)


# Audit and import ----------------------------------------------------------------------------


class AuditList(ScopedListView):
    model = AuditEntry
    permission = "core.audit.view"
    title = _("Audit log")
    search_fields = ["action", "object_repr", "actor_label", "actor__first_name"]
    columns = [
        Column("created_at", _("Time")),
        Column("who", _("Who"), value=lambda e: audit.who(e), raw=True),
        Column("label", _("Action"), value=lambda e: audit.action_label(e.action)),
        Column("object_repr", _("Object"), raw=True),
        Column("action", _("Code"), raw=True),
    ]

    def base_queryset(self):
        return AuditEntry.objects.select_related("actor", "content_type")


class ImportView(StaffRequiredMixin, generic.FormView):
    template_name = "console/import.html"
    form_class = ImportForm
    permission = "core.import.run"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        community = form.cleaned_data["community"]
        upload = form.cleaned_data["file"]
        action = self.request.POST.get("action", "check")
        try:
            attachments.check_workbook(upload, field="file")
            if action == "check":
                report = imports.parse(community, upload)
            else:
                report = imports.import_workbook(
                    community,
                    upload,
                    write_valid_rows=action == "write_valid",
                    actor=self.request.user,
                )
        except DomainError as exc:
            form.add_error("file", exc.message)
            return self.form_invalid(form)
        if report.written:
            messages.success(
                self.request,
                _("Imported %(houses)s houses and %(residents)s residents.") % report.written,
            )
        return render(
            self.request,
            self.template_name,
            {"form": form, "report": report, "action": action, "title": _("Import from Excel")},
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("Import from Excel")
        return ctx


def import_template(request):
    """A ready-to-fill workbook with the three sheets and their headers."""
    from io import BytesIO

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "楼栋"
    ws.append(["楼栋", "层数"])
    ws.append(["1号楼", 18])
    ws = wb.create_sheet("房屋")
    ws.append(
        ["楼栋", "单元", "房号", "楼层", "用途", "面积", "面积来源", "已售", "已交付", "交付日期"]
    )
    ws.append(["1号楼", "1单元", "101", 1, "住宅", "89.50", "不动产登记", "是", "是", "2019-06-30"])
    ws = wb.create_sheet("住户")
    ws.append(
        ["楼栋", "房号", "姓名", "电话", "身份证号", "关系", "缴费人", "投票代表", "起始日期"]
    )
    ws.append(["1号楼", "101", "张伟", "13900001111", "", "业主", "是", "是", "2020-05-01"])
    buffer = BytesIO()
    wb.save(buffer)
    return xlsx_response(buffer.getvalue(), "anju-import-template.xlsx")


class JobList(ScopedListView):
    model = Job
    permission = "core.community.view"
    title = _("Background jobs")
    columns = [
        Column("created_at", _("time")),
        Column("kind", _("kind")),
        Column("status", _("status")),
        Column("percent", _("progress"), value=lambda o: f"{o.percent}%", align="right"),
        Column("message", _("message")),
    ]

    def get(self, request, *args, **kwargs):
        self.template_name = "console/jobs.html"
        return super().get(request, *args, **kwargs)


def _visible_job(request, pk):
    if not request.user.is_authenticated or not request.user.is_staff_member:
        raise Http404
    job = Job.objects.visible_to(request.user, "core.community.view").filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def job_status(request, pk):
    """A job's progress bar; htmx polls it every second until the job ends, and then moves the
    page on to the job's result where it has one."""
    job = progress.live(_visible_job(request, pk))
    response = render(request, "console/_job.html", {"job": job})
    url = (job.result or {}).get("url") if isinstance(job.result, dict) else None
    if job.status == Job.Status.DONE and url and request.headers.get("HX-Request"):
        response["HX-Redirect"] = url
    return response


def job_page(request, pk):
    """Where a view sends the user while its job runs (a worker takes it from the queue)."""
    job = progress.live(_visible_job(request, pk))
    return render(request, "console/job.html", {"job": job, "title": job.kind_label})
