"""Phone pages for technicians, guards and cleaners (/console/facilities/m/...), and the QR
landing page of an asset label (/app/facilities/a/<token>/) that residents can open too.
One column, big targets, one primary action per screen."""

from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views import generic

from anju.core import policy
from anju.core.console import StaffRequiredMixin
from anju.core.errors import DomainError

from .. import selectors, services
from ..choices import HazardCategory, InspectionStatus, Severity
from ..models import Asset, InspectionTask, MaintenanceTask, PatrolShift
from ..services.common import prepare_photos


class FieldMixin(StaffRequiredMixin):
    login_url = "/console/login/"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["field_tabs"] = {
            "patrol": policy.staff_has(user, "facilities.patrol.work"),
            "hazard": policy.staff_has(user, "facilities.hazard.report"),
        }
        return ctx


def current_shift(user, now=None):
    """The guard's shift on now, else the next one today, else the last one."""
    now = now or timezone.now()
    mine = PatrolShift.objects.filter(guard=user).select_related("route")
    return (
        mine.filter(starts_at__lte=now, ends_at__gte=now).order_by("starts_at").first()
        or mine.filter(starts_at__gt=now, starts_at__lte=now + timedelta(hours=12))
        .order_by("starts_at")
        .first()
        or mine.filter(ends_at__lt=now).order_by("-ends_at").first()
    )


TICKET_STEPS = {
    "accept": _("Accept by"),
    "arrive": _("Arrive by"),
    "resolve": _("Resolve by"),
}


class FieldHome(FieldMixin, generic.TemplateView):
    """My work now: my tickets, maintenance tasks and today's inspection rounds in one list in
    order of due time; my patrol shift on top; a box to scan an asset label."""

    template_name = "facilities/field_home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, now = self.request.user, timezone.now()
        shift = current_shift(user) if policy.staff_has(user, "facilities.patrol.work") else None
        rows = selectors.my_work(user, now)
        for row in rows:
            row["step_label"] = TICKET_STEPS.get(row.get("step"), "")
        ctx.update(
            title=_("My work"),
            rows=rows,
            shift=shift,
            summary=selectors.shift_summary(shift, now) if shift else None,
            can_scan_asset=policy.staff_has(user, "facilities.asset.view"),
            can_report=policy.staff_has(user, "facilities.hazard.report"),
            can_incident=policy.staff_has(user, "facilities.incident.manage"),
            code=kwargs.get("code", ""),
            code_error=kwargs.get("code_error", ""),
        )
        return ctx


def asset_find(request):
    """A scanned or typed asset code (label QR, its address or the asset code): the asset's page,
    or the home again with the code kept and what to do."""
    view = FieldHome.as_view()
    if not request.user.is_authenticated:
        return view(request)
    code = request.GET.get("code", "").strip()
    asset = selectors.find_by_code(request.user, Asset, "facilities.asset.view", code)
    if asset is not None:
        return redirect("console:facilities-field-asset", pk=asset.pk)
    error = (
        selectors.unknown_code_message(Asset)
        if code
        else _("Scan the asset's label or type its asset code.")
    )
    return view(request, code=code, code_error=error)


class PatrolPage(FieldMixin, generic.TemplateView):
    """The guard's screen: next checkpoint and window, route progress, scan box, off-line queue."""

    template_name = "facilities/field_patrol.html"
    permission = "facilities.patrol.work"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        pk = self.kwargs.get("pk")
        if pk:
            shift = (
                PatrolShift.objects.visible_to(self.request.user, "facilities.patrol.view")
                .filter(pk=pk)
                .first()
            )
            if shift is None:
                raise Http404
        else:
            shift = current_shift(self.request.user)
        labels = {
            "on_time": _("On time"),
            "early": _("Early"),
            "late": _("Late"),
            "missed": _("Missed"),
            "open": _("Window open"),
            "waiting": _("Waiting"),
            "queued": _("Waiting to send"),
            "next": _("Next checkpoint"),
            "progress": pgettext_lazy("patrol", "Progress"),
        }
        summary = selectors.shift_summary(shift) if shift else None
        checkpoints = []
        if summary:
            for p in summary["progress"]["checkpoints"]:
                checkpoints.append(
                    dict(
                        p,
                        opens=datetime.fromisoformat(p["opens_at"]),
                        closes=datetime.fromisoformat(p["closes_at"]),
                        scanned=datetime.fromisoformat(p["scanned_at"])
                        if p["scanned_at"]
                        else None,
                        label=labels.get(p["state"], ""),
                    )
                )
        ctx.update(
            title=_("Patrol"),
            shift=shift,
            summary=summary,
            checkpoints=checkpoints,
            state_labels=labels,
        )
        return ctx


class TaskCompleteForm(forms.Form):
    notes = forms.CharField(
        label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    readings = forms.CharField(
        label=_("readings"), required=False, help_text=_("One per line: name = value")
    )
    photo = forms.FileField(label=_("photo"), required=False)


def _task_answers(post, checklist):
    answers = {}
    for item in checklist:
        value = post.get(f"item-{item['key']}", "")
        if item.get("type") == "number":
            answers[item["key"]] = value
        elif value in ("ok", "fail"):
            answers[item["key"]] = value == "ok"
    return answers


class TaskPage(FieldMixin, generic.TemplateView):
    template_name = "facilities/field_task.html"
    permission = "facilities.maintenance.work"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.task = (
                MaintenanceTask.objects.visible_to(request.user, "facilities.maintenance.view")
                .select_related("asset", "plan")
                .filter(pk=kwargs["pk"])
                .first()
            )
            if self.task is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title=self.task.plan.name,
            title_is_data=True,
            task=self.task,
            form=kwargs.get("form") or TaskCompleteForm(),
            answers=self.request.POST,
        )
        return ctx

    def post(self, request, pk):
        form = TaskCompleteForm(request.POST, request.FILES)
        if form.is_valid():
            readings = {}
            for line in form.cleaned_data["readings"].splitlines():
                if "=" in line:
                    name, value = line.split("=", 1)
                    readings[name.strip()] = value.strip()
            photo = form.cleaned_data.get("photo")
            try:
                task = services.complete_task(
                    self.task,
                    actor=request.user,
                    answers=_task_answers(request.POST, self.task.plan.checklist),
                    readings=readings,
                    notes=form.cleaned_data["notes"],
                    photos=[photo] if photo else [],
                )
                messages.success(
                    request,
                    _("Task done.")
                    if task.result == "passed"
                    else _("Task done; a repair ticket was opened for the failed items."),
                )
                return redirect("console:facilities-field")
            except DomainError as exc:
                form.add_error(None, exc.message)
        return self.render_to_response(self.get_context_data(form=form))


class InspectionPage(FieldMixin, generic.TemplateView):
    template_name = "facilities/field_inspection.html"
    permission = "facilities.inspection.work"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.task = (
                InspectionTask.objects.visible_to(request.user, "facilities.inspection.view")
                .select_related("route", "plan")
                .filter(pk=kwargs["pk"])
                .first()
            )
            if self.task is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        done = {c.point_id: c for c in self.task.checkins.all()}
        posted = kwargs.get("posted") or {}
        refused = kwargs.get("refused")  # (point id, message): the form that was refused
        rows = []
        for p in self.task.route.points.select_related("asset"):
            mine = refused is not None and refused[0] == p.pk
            values = posted if mine else {}
            rows.append(
                {
                    "p": p,
                    "code_id": f"code-{p.pk}",
                    "done": done.get(p.pk),
                    "error": refused[1] if mine else "",
                    "code": values.get("code", ""),
                    "note": values.get("note", ""),
                    "items": [(i, values.get(f"item-{i['key']}", "")) for i in p.checklist],
                }
            )
        ctx.update(
            title=self.task.route.name,
            title_is_data=True,
            task=self.task,
            rows=rows,
            closed=self.task.status == InspectionStatus.MISSED,
        )
        return ctx

    def refuse(self, request, expected, message):
        """The page again with the refused form's answers in place and the reason above them."""
        ctx = self.get_context_data(posted=request.POST, refused=(expected, message))
        return self.render_to_response(ctx, status=400)

    def post(self, request, pk):
        from ..models import InspectionPoint

        try:
            expected = int(request.POST.get("expected", ""))
        except ValueError:
            expected = None
        point = selectors.find_by_code(
            request.user, InspectionPoint, "facilities.inspection.view", request.POST.get("code")
        )
        if point is None:
            return self.refuse(request, expected, selectors.unknown_code_message(InspectionPoint))
        if point.route_id != self.task.route_id:
            return self.refuse(
                request,
                expected,
                _("%(point)s is not a point of this route. Scan the code at this point.")
                % {"point": point.name},
            )
        if expected is not None and point.pk != expected:
            return self.refuse(
                request,
                expected,
                _("This code is the point %(point)s. Scan the code at the point you filled in.")
                % {"point": point.name},
            )
        answers = _task_answers(request.POST, point.checklist)
        try:
            checkin = services.check_in(
                actor=request.user,
                point=point,
                task=self.task,
                answers=answers,
                photo=request.FILES.get("photo"),
                note=request.POST.get("note", ""),
                latitude=request.POST.get("latitude") or None,
                longitude=request.POST.get("longitude") or None,
            )
        except DomainError as exc:
            return self.refuse(request, point.pk, exc.message)
        if checkin.abnormal:
            messages.warning(request, _("Recorded as abnormal; a ticket was opened."))
        else:
            messages.success(request, _("Checked in at %(point)s.") % {"point": point.name})
        return redirect(request.path)


class FieldHazardForm(forms.Form):
    category = forms.ChoiceField(label=_("category"), choices=HazardCategory.choices)
    severity = forms.ChoiceField(label=_("severity"), choices=Severity.choices)
    place = forms.CharField(label=_("place"), max_length=200)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(label=_("photo"), required=False)


class HazardReportPage(FieldMixin, generic.FormView):
    template_name = "facilities/field_form.html"
    permission = "facilities.hazard.report"
    form_class = FieldHazardForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("Report a hazard")
        return ctx

    def form_valid(self, form):
        community_id = self.request.community_id or next(
            iter(sorted(self.request.user.staff_community_ids())), None
        )
        from anju.core.models import Community

        community = Community.objects.filter(pk=community_id).first()
        if community is None:
            raise Http404
        data = dict(form.cleaned_data)
        photo = data.pop("photo", None)
        try:
            services.report_hazard(
                actor=self.request.user,
                community=community,
                photos=[photo] if photo else [],
                **data,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("Hazard reported."))
        return redirect("console:facilities-field")


class AssetPage(FieldMixin, generic.DetailView):
    template_name = "facilities/field_asset.html"
    permission = "facilities.asset.view"

    def get_queryset(self):
        return Asset.objects.visible_to(self.request.user, self.permission).select_related(
            "building", "community"
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        asset = self.object
        ctx.update(
            title=asset.name,
            title_is_data=True,
            asset=asset,
            certificates=[(c, c.days_left()) for c in asset.certificates.all()],
            tasks=asset.maintenance_tasks.select_related("plan").order_by("-due_on")[:5],
            report_url=reverse("portal:facilities-asset-scan", args=[asset.qr_token]),
        )
        return ctx


def asset_scan(request, token):
    """What a phone opens when it scans an asset label: staff get the asset page, residents a
    one-tap fault report; either way one tap opens (or finds) the repair ticket."""
    if not request.user.is_authenticated:
        return redirect(f"/app/login/?next={request.path}")
    asset = Asset.objects.select_related("community", "building").filter(qr_token=token).first()
    if asset is None:
        raise Http404
    user = request.user
    staff = policy.staff_has(user, "facilities.asset.view", asset.community_id)
    resident = asset.community_id in user.resident_community_ids() if user.person_id else False
    if not staff and not resident:
        raise Http404
    if request.method == "POST":
        try:
            ticket = services.report_fault(
                asset,
                actor=user,
                description=request.POST.get("description", ""),
                attachments=prepare_photos(request.FILES.getlist("photo"), field="photo"),
                reporter=None if staff else user.person,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(request.path)
        number = getattr(ticket, "number", "")
        messages.success(
            request,
            _("Fault reported. Ticket %(number)s; we will be in touch.") % {"number": number},
        )
        return redirect(request.path)
    if staff and request.GET.get("report") != "1":
        return redirect("console:facilities-field-asset", pk=asset.pk)
    return render(
        request,
        "facilities/asset_scan.html",
        {"title": asset.name, "title_is_data": True, "asset": asset, "staff": staff},
    )
