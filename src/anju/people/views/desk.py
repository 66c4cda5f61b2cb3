"""Console pages of people's daily work: the phone pages of every staff member (clock in and
out, my licences, my suggestions), the licences list, the corrections queue, the monthly
attendance sheet (Excel for payroll) and the retention dashboard."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views import generic

from anju.core import formats, policy
from anju.core.console import Column, ScopedListView, StaffRequiredMixin
from anju.core.dates import period
from anju.core.errors import DomainError
from anju.core.excel import workbook_bytes, xlsx_response
from anju.core.models import Community

from .. import selectors, services
from ..choices import ClockKind, SeparationReason, SuggestionStatus
from ..models import Certificate


def _when(value):
    return formats.when(value) if value else ""


class ClockView(StaffRequiredMixin, generic.TemplateView):
    """打卡 on the phone: clock in or out where the phone says you are (inside the community's
    area) or with the office QR code; today's clocks; ask for a correction."""

    template_name = "people/clock.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        employee = selectors.employee_of(user)
        today = timezone.localdate()
        clocks = (
            selectors.clocks_readable_by(user).filter(employee=employee, at__date=today)
            if employee
            else []
        )
        ctx.update(
            title=_("Clock in"),
            employee=employee,
            clocks=list(clocks)[:20],
            licences=[r for r in selectors.my_licences(user) if r["tone"] != "ok"],
            corrections=selectors.corrections_readable_by(user).filter(employee__user=user)[:5],
            kinds=ClockKind.choices,
        )
        return ctx

    def post(self, request):
        try:
            if request.POST.get("correction"):
                at = parse_datetime(request.POST.get("at") or "")
                if at is not None and timezone.is_naive(at):
                    at = timezone.make_aware(at)
                services.request_correction(
                    actor=request.user,
                    kind=request.POST.get("kind"),
                    at=at,
                    reason=request.POST.get("reason"),
                )
                messages.success(request, _("Sent to your manager for approval."))
            else:
                record = services.clock(
                    actor=request.user,
                    kind=request.POST.get("kind"),
                    lat=request.POST.get("lat"),
                    lng=request.POST.get("lng"),
                    qr=request.POST.get("qr"),
                )
                messages.success(
                    request,
                    _("Clocked %(kind)s at %(time)s.")
                    % {"kind": record.get_kind_display(), "time": _when(record.at)},
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("console:people-clock")


class MyLicences(StaffRequiredMixin, generic.TemplateView):
    template_name = "people/my_licences.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = selectors.my_licences(self.request.user)
        ctx.update(title=_("My licences"), rows=rows, object_list=rows)
        return ctx


def _days_left(cert):
    if cert.expires_on is None:
        return ""
    return (cert.expires_on - timezone.localdate()).days


class CertificateList(ScopedListView):
    model = Certificate
    permission = "people.certificate.view"
    title = _("Licences")
    search_fields = ["employee__name", "number"]
    columns = [
        Column("employee", _("employee")),
        Column("kind", _("licence")),
        Column("number", _("certificate number"), raw=True),
        Column("issued_on", _("issued on")),
        Column("expires_on", _("expires on")),
        Column("days_left", _("days left"), value=_days_left, align="right"),
    ]

    def base_queryset(self):
        queryset = Certificate.objects.select_related("employee")
        if self.request.GET.get("expiring"):
            today = timezone.localdate()
            days = max(settings.ANJU_PEOPLE_CERTIFICATE_ALERT_DAYS or (60,))
            queryset = queryset.filter(
                expires_on__gte=today, expires_on__lte=today + timedelta(days=days)
            )
        return queryset.order_by("expires_on", "id")


class CorrectionQueue(StaffRequiredMixin, generic.TemplateView):
    """补卡审批: the corrections waiting for the manager."""

    template_name = "people/corrections.html"
    permission = "people.attendance.manage"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        waiting = selectors.pending_corrections(self.request.user)
        if self.request.community_id:
            waiting = waiting.filter(community_id=self.request.community_id)
        ctx.update(title=_("Clock corrections"), corrections=waiting[:100], object_list=waiting)
        return ctx

    def post(self, request):
        correction = (
            selectors.pending_corrections(request.user)
            .filter(pk=request.POST.get("correction") or 0)
            .first()
        )
        if correction is None:
            raise Http404
        approve = request.POST.get("decision") == "approve"
        try:
            services.decide_correction(
                actor=request.user,
                correction=correction,
                approve=approve,
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Approved.") if approve else _("Rejected."))
        return redirect("console:people-corrections")


class SheetForm(forms.Form):
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    month = forms.CharField(label=_("month"), max_length=7, help_text="YYYY-MM")


SHEET_COLUMNS = [
    ("shifts", _("shifts")),
    ("on_time", _("on time")),
    ("late", _("late")),
    ("left_early", _("left early")),
    ("absent", _("absent")),
    ("no_clock_out", _("no clock-out")),
    ("late_minutes", _("minutes late")),
    ("overtime_minutes", _("overtime minutes")),
]


class SheetView(StaffRequiredMixin, generic.TemplateView):
    """考勤表: a community's month against the duty roster, exported to Excel for payroll."""

    template_name = "people/sheet.html"
    permission = "people.attendance.view"

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        if request.GET.get("export") != "xlsx" or not ctx["rows"]:
            return self.render_to_response(ctx)
        if not policy.staff_has(request.user, "core.export.run"):
            raise PermissionDenied
        headers = [_("name"), _("position"), *[label for _key, label in SHEET_COLUMNS]]
        rows = [
            [
                r["employee"].name,
                r["employee"].get_position_display(),
                *[r[k] for k, _l in SHEET_COLUMNS],
            ]
            for r in ctx["rows"]
        ]
        return xlsx_response(
            workbook_bytes(_("Attendance sheet"), headers, rows),
            f"attendance-{ctx['community'].pk}-{ctx['month']}.xlsx",
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        communities = Community.objects.visible_to(self.request.user, "people.attendance.view")
        month = self.request.GET.get("month") or f"{timezone.localdate():%Y-%m}"
        chosen = self.request.GET.get("community") or self.request.community_id
        community = communities.filter(pk=chosen).first() if chosen else communities.first()
        form = SheetForm(initial={"community": community, "month": month})
        form.fields["community"].queryset = communities.order_by("name")
        rows, error = [], ""
        if community is not None:
            try:
                rows = selectors.monthly_sheet(self.request.user, community, month)
            except DomainError as exc:
                error = exc.message
        ctx.update(
            title=_("Attendance sheet"),
            form=form,
            community=community,
            month=month,
            rows=rows,
            object_list=rows,
            error=error,
            columns=SHEET_COLUMNS,
            cells=[(r, [r[k] for k, _l in SHEET_COLUMNS]) for r in rows],
            can_export=policy.staff_has(self.request.user, "core.export.run"),
        )
        return ctx


class RetentionView(StaffRequiredMixin, generic.TemplateView):
    """拴心留人: where and when people leave, and why."""

    template_name = "people/retention.html"
    permission = "people.retention.view"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        start, end = period(self.request.GET, days=365)
        figures = selectors.retention(
            self.request.user, start, end, self.request.community_id or None
        )
        ctx.update(
            title=_("Staff retention"),
            start=start,
            end=end,
            figures=figures,
            reasons=[(SeparationReason(k).label, n) for k, n in figures["reasons"].items()],
            suggestions=selectors.suggestion_counts(self.request.user, self.request.community_id),
            expiring=selectors.expiring(self.request.user).count()
            if policy.staff_has(self.request.user, "people.certificate.view")
            else None,
        )
        return ctx


class Suggestions(StaffRequiredMixin, generic.TemplateView):
    """合理化建议: submit an idea; the manager answers, adopts and marks it done."""

    template_name = "people/suggestions.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        rows = selectors.suggestions_readable_by(user)
        if self.request.community_id:
            rows = rows.filter(community_id=self.request.community_id)
        ctx.update(
            title=_("Staff suggestions"),
            suggestions=rows[:100],
            object_list=rows,
            can_submit=selectors.employee_of(user) is not None,
            statuses=SuggestionStatus,
        )
        return ctx

    def post(self, request):
        try:
            if request.POST.get("suggestion"):
                suggestion = (
                    selectors.suggestions_readable_by(request.user)
                    .filter(pk=request.POST.get("suggestion") or 0)
                    .first()
                )
                if suggestion is None:
                    raise Http404
                if request.POST.get("decision") == "done":
                    services.complete_suggestion(actor=request.user, suggestion=suggestion)
                else:
                    services.answer_suggestion(
                        actor=request.user,
                        suggestion=suggestion,
                        adopt=request.POST.get("decision") == "adopt",
                        answer=request.POST.get("answer"),
                        reward=request.POST.get("reward") or None,
                    )
            else:
                services.submit_suggestion(
                    actor=request.user,
                    title=request.POST.get("title"),
                    body=request.POST.get("body"),
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved."))
        return redirect("console:people-suggestions")
