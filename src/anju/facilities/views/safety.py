"""Console pages of safety: hazards (隐患), incidents (第942条) and drills."""

import django_filters
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from anju.core import policy
from anju.core.console import Column, ScopedDetailView, ScopedListView, ServiceFormView
from anju.core.errors import DomainError

from .. import selectors, services
from ..choices import HazardStatus
from ..forms import (
    DrillForm,
    DrillRecordForm,
    HazardForm,
    IncidentForm,
    IncidentStepForm,
    RectifyForm,
    VerifyForm,
)
from ..models import Drill, Hazard, Incident
from ..services.common import attachments_of
from .common import form_errors, post_only, scoped_or_404

# Hazards ------------------------------------------------------------------------------------


class HazardFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=HazardStatus.choices, label=_("status"))
    open = django_filters.BooleanFilter(label=_("Open hazards"), method="filter_open")
    overdue = django_filters.BooleanFilter(
        label=_("Hazards past the deadline"), method="filter_overdue"
    )

    def filter_open(self, queryset, name, value):
        return selectors.open_hazards(queryset, matching=value)

    def filter_overdue(self, queryset, name, value):
        return selectors.overdue_hazards(queryset, matching=value)

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
        allowed = Hazard.machine.allowed_actions(h.status)
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
        return services.report_hazard(
            actor=self.request.user, photos=[photo] if photo else [], **data
        )

    def success_url_for(self, obj):
        return reverse("console:facilities-hazard-detail", args=[obj.pk])


@post_only
def hazard_action(request, pk, verb):
    hazard = scoped_or_404(request, Hazard, pk, "facilities.hazard.view")
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
                    hazard,
                    actor=request.user,
                    rectification=form.cleaned_data["rectification"],
                    photos=[photo] if photo else [],
                )
        elif verb == "verify":
            form = VerifyForm(request.POST)
            if form.is_valid():
                services.verify_hazard(hazard, actor=request.user, **form.cleaned_data)
        else:
            services.close_hazard(hazard, actor=request.user)
        messages.success(request, _("Saved."))
    except DomainError as exc:
        form_errors(request, exc)
    return redirect(
        request.POST.get("next") or reverse("console:facilities-hazard-detail", args=[hazard.pk])
    )


# Incidents and drills -----------------------------------------------------------------------


class IncidentList(ScopedListView):
    model = Incident
    permission = "facilities.incident.manage"
    title = _("Incidents (Civil Code art. 942)")
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
        allowed = Incident.machine.allowed_actions(self.object.status)
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
        return services.open_incident(actor=self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:facilities-incident-detail", args=[obj.pk])


@post_only
def incident_action(request, pk):
    incident = scoped_or_404(request, Incident, pk, "facilities.incident.manage")
    try:
        if request.POST.get("action") == "close":
            services.close_incident(incident, actor=request.user)
        else:
            form = IncidentStepForm(request.POST, request.FILES)
            if not form.is_valid():
                messages.error(
                    request, _("Fill in the step, the note and (for a report) the authority.")
                )
                return redirect("console:facilities-incident-detail", pk=incident.pk)
            data = form.cleaned_data
            services.record_incident_step(
                incident,
                actor=request.user,
                step=data["step"],
                note=data["note"],
                at=data.get("at"),
                authority=data.get("authority") or "",
                evidence=data.get("evidence"),
            )
        messages.success(request, _("Saved."))
    except DomainError as exc:
        form_errors(request, exc)
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
        return services.plan_drill(actor=self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:facilities-drill-detail", args=[obj.pk])


@post_only
def drill_action(request, pk):
    drill = scoped_or_404(request, Drill, pk, "facilities.drill.view")
    if not policy.staff_has(request.user, "facilities.drill.manage", drill.community_id):
        raise Http404
    try:
        action = request.POST.get("action")
        if action == "follow_up":
            services.complete_follow_up(
                drill, actor=request.user, index=int(request.POST.get("index", "-1"))
            )
        else:
            form = DrillRecordForm(request.POST, request.FILES)
            if not form.is_valid():
                messages.error(request, _("List who attended."))
                return redirect("console:facilities-drill-detail", pk=drill.pk)
            data = form.cleaned_data
            services.record_drill(
                drill,
                actor=request.user,
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
