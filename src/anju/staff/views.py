"""Console pages: staff performance (员工绩效) for a period, the monthly evaluation form, the
evaluations list, and each person's own evaluations to acknowledge."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import generic

from anju.core import policy
from anju.core.console import (
    Column,
    ScopedListView,
    StaffRequiredMixin,
    add_domain_errors,
)
from anju.core.dates import period
from anju.core.errors import DomainError
from anju.core.excel import workbook_bytes, xlsx_response
from anju.core.models import Community

from . import selectors, services
from .choices import EvaluationStatus
from .models import DIMENSIONS, Evaluation


class PerformanceView(StaffRequiredMixin, generic.TemplateView):
    """One row per person, one column per measure, for a period (default the last 30 days)."""

    template_name = "staff/performance.html"
    permission = "staff.performance.view"

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        if request.GET.get("export") != "xlsx":
            return self.render_to_response(ctx)
        if not policy.staff_has(request.user, "core.export.run"):
            raise PermissionDenied
        headers = [_("staff member"), *[f"{m.section} · {m.label}" for m in ctx["metrics"]]]
        rows = [
            [p.get_full_name() or p.username, *[m.display(p.pk) for m in ctx["metrics"]]]
            for p in ctx["staff"]
        ]
        return xlsx_response(
            workbook_bytes(_("Staff performance"), headers, rows),
            f"staff-{ctx['start']:%Y%m%d}-{ctx['end']:%Y%m%d}.xlsx",
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        start, end = period(self.request.GET)
        staff, metrics = selectors.performance(
            self.request.user, start, end, self.request.community_id
        )
        ctx.update(
            title=_("Staff performance"),
            start=start,
            end=end,
            period=f"{end:%Y-%m}",
            staff=staff,
            metrics=metrics,
            rows=[(p, [(m.display(p.pk), m.tone(p.pk)) for m in metrics]) for p in staff],
            can_evaluate=policy.staff_has(self.request.user, "staff.evaluation.manage"),
            can_export=policy.staff_has(self.request.user, "core.export.run"),
        )
        return ctx


SCORES = [(n, str(n)) for n in range(5, 0, -1)]


class EvaluationForm(forms.Form):
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    period = forms.CharField(label=_("month"), max_length=7, help_text="YYYY-MM")
    attitude = forms.TypedChoiceField(
        label=_("service attitude"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    quality = forms.TypedChoiceField(
        label=_("quality of work"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    timeliness = forms.TypedChoiceField(
        label=_("timeliness"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    discipline = forms.TypedChoiceField(
        label=_("discipline"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class EvaluateView(StaffRequiredMixin, generic.FormView):
    """Evaluate one person for a month: this month's measures beside the form."""

    template_name = "staff/evaluate.html"
    permission = "staff.evaluation.manage"
    form_class = EvaluationForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            people = {p.pk: p for p in selectors.people(request.user)}
            self.person = people.get(kwargs["pk"])
            if self.person is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def _communities(self):
        managed = Community.objects.visible_to(self.request.user, "staff.evaluation.manage")
        return selectors.communities_of(self.person, managed).order_by("name")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "communities": self._communities()}

    def get_initial(self):
        period = self.request.GET.get("period") or f"{timezone.localdate():%Y-%m}"
        communities = self._communities()
        initial = {"period": period, "community": communities.first()}
        existing = (
            selectors.own_evaluations(self.person)
            .filter(period=period, community__in=communities)
            .first()
        )
        if existing is not None:
            initial.update(
                community=existing.community,
                comment=existing.comment,
                **{name: getattr(existing, name) for name in DIMENSIONS},
            )
        return initial

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        period = self.request.POST.get("period") or self.get_initial()["period"]
        try:
            start, end = selectors.month_bounds(period)
            measures = selectors.measures_of(self.request.user, self.person, start, end)
        except DomainError:
            measures = []
        ctx.update(
            title=_("Evaluate %(name)s")
            % {"name": self.person.get_full_name() or self.person.username},
            person=self.person,
            measures=measures,
            history=selectors.own_evaluations(self.person)[:12],
        )
        return ctx

    def form_valid(self, form):
        try:
            services.record_evaluation(
                actor=self.request.user, staff=self.person, **form.cleaned_data
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved. The person is asked to read and acknowledge it."))
        return redirect(reverse("console:staff-evaluation-list"))


class EvaluationList(ScopedListView):
    template_name = "staff/list.html"  # console/list.html with the phone rules of its table
    model = Evaluation
    permission = "staff.evaluation.view"
    title = _("Evaluations")
    search_fields = ["staff__first_name", "staff__username", "period"]
    columns = [
        Column("period", _("month")),
        Column(
            "staff", _("staff member"), value=lambda e: e.staff.get_full_name() or e.staff.username
        ),
        Column("community", _("community")),
        Column("score", _("score (of 100)"), align="right"),
        Column("attitude", _("service attitude"), align="right"),
        Column("quality", _("quality of work"), align="right"),
        Column("timeliness", _("timeliness"), align="right"),
        Column("discipline", _("discipline"), align="right"),
        Column("status", _("status")),
        Column(
            "evaluator",
            _("evaluated by"),
            value=lambda e: e.evaluator.get_full_name() or e.evaluator.username,
        ),
    ]

    def base_queryset(self):
        return Evaluation.objects.select_related("staff", "community", "evaluator")


class MyEvaluations(StaffRequiredMixin, generic.TemplateView):
    """Every staff member's own evaluations, with the measures kept beside each."""

    template_name = "staff/mine.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        evaluations = selectors.own_evaluations(self.request.user)
        waiting = self.request.GET.get("status") == EvaluationStatus.RECORDED
        if waiting:  # the card's count: those still to acknowledge, all of them
            evaluations = selectors.awaiting_acknowledgement(self.request.user).select_related(
                "community", "evaluator"
            )
        else:
            evaluations = evaluations[:24]
        # object_list: the rows the workbench card "evaluations to acknowledge" counts
        ctx.update(
            title=_("My evaluations"),
            evaluations=evaluations,
            object_list=evaluations,
            waiting=waiting,
        )
        return ctx

    def post(self, request):
        evaluation = (
            selectors.own_evaluations(request.user)
            .filter(pk=request.POST.get("evaluation") or 0)
            .first()
        )
        if evaluation is None:
            raise Http404
        try:
            services.acknowledge(actor=request.user, evaluation=evaluation)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Acknowledged."))
        return redirect("console:staff-my-evaluations")
