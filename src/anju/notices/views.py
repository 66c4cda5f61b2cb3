"""Staff console pages: notice drafting and publishing with the audience picker and reach
report, reminder proposals to approve, the survey builder and results dashboard, suggestions,
meetings with residents."""

import json

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
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
    add_domain_errors,
    get_scoped_object,
)
from anju.core.errors import DomainError
from anju.core.models import Organization

from . import selectors, services
from .choices import ProposalStatus
from .forms import (
    HolidayForm,
    NoticeForm,
    PolicyForm,
    QuarterlySurveyForm,
    SurveyBuilderForm,
    WeatherForm,
    WorkingDayForm,
)
from .models import (
    Answer,
    Holiday,
    Notice,
    ReminderProposal,
    Suggestion,
    Survey,
)
from .results import survey_results

MANAGE = "notices.notice.manage"


def status_tag(obj):
    from django.utils.html import format_html

    tone = {
        "published": "ok",
        "open": "ok",
        "held": "ok",
        "replied": "ok",
        "done": "ok",
        "scheduled": "warn",
        "proposed": "warn",
        "draft": "",
        "archived": "",
        "closed": "",
    }.get(obj.status, "")
    return format_html('<span class="tag {}">{}</span>', tone, obj.get_status_display())


class Refused(Exception):
    """A POST button's service refused: the page is shown again with what was typed."""

    def __init__(self, message, fields=None):
        super().__init__(message)
        self.message, self.fields = message, fields or {}


def attempt(request, fn, **kwargs):
    """Like ``_run``, but a refusal raises :class:`Refused` so the view can render the page
    again with the posted values instead of redirecting and losing them."""
    try:
        result = fn(actor=request.user, **kwargs)
    except DomainError as exc:
        raise Refused(exc.message, exc.fields) from None
    messages.success(request, _("Done."))
    return result


class KeepsWhatWasTyped:
    """Detail pages with POST forms: a refusal shows the page again, the posted values in the
    form (``posted``), the error on top and by the field (``errors``), answered 400."""

    def again(self, request, refused, **extra):
        messages.error(request, refused.message)
        self.object = self.get_object()
        ctx = self.get_context_data(
            object=self.object, posted=request.POST, errors=refused.fields, **extra
        )
        return self.render_to_response(ctx, status=400)


def _run(request, fn, **kwargs):
    """Call a service from a POST button; a refused transition becomes a message, not a 500."""
    try:
        result = fn(actor=request.user, **kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
        return None
    messages.success(request, _("Done."))
    return result


# Notices ------------------------------------------------------------------------------------


class NoticeList(ScopedListView):
    model = Notice
    permission = "notices.notice.view"
    title = _("Notices")
    create_url_name = "console:notice-create"
    create_permission = MANAGE
    detail_url_name = "console:notice-detail"
    search_fields = ["title", "body"]
    columns = [
        Column("title", _("title"), link=True),
        Column("kind", _("kind")),
        Column("status", _("status"), value=status_tag),
        Column("community", _("community")),
        Column("audience_kind", _("recipients")),
        Column("published_at", _("published at")),
        Column("recipient_count", _("recipients"), align="right"),
        Column("pinned", _("pinned")),
    ]

    def base_queryset(self):
        queryset = Notice.objects.select_related("community")
        if not policy.staff_has(self.request.user, MANAGE):
            queryset = queryset.filter(status__in=["published", "archived"])
        status = self.request.GET.get("status")
        if status:
            queryset = queryset.filter(status=status)
        return queryset


class NoticeCreate(ServiceFormView):
    form_class = NoticeForm
    permission = MANAGE
    title = _("New notice")
    template_name = "notices/notice_form.html"

    def get_initial(self):
        # ?community= when the community is changed on the form (the pickers follow it).
        chosen = self.request.GET.get("community", "")
        return {
            "community": int(chosen) if chosen.isdecimal() else self.request.community_id,
            "kind": self.request.GET.get("kind", "notice"),
        }

    def perform(self, data):
        community = data.pop("community")
        if community is not None and not policy.staff_has(self.request.user, MANAGE, community.pk):
            raise DomainError(
                _("You may not publish in this community."),
                fields={"community": [_("Not allowed.")]},
            )
        upload = data.pop("attachment")
        publish_at = data.get("publish_at")
        organization = community.organization if community else self._organization()
        notice = services.create_notice(
            actor=self.request.user,
            organization=organization,
            community=community,
            attachments=[upload] if upload else [],
            **data,
        )
        action = self.request.POST.get("action")
        if action == "publish":
            notice = services.publish_notice(actor=self.request.user, notice=notice)
        elif action == "schedule":
            notice = services.schedule_notice(
                actor=self.request.user, notice=notice, publish_at=publish_at
            )
        return notice

    def _organization(self):
        memberships = [
            m
            for m in self.request.user.active_memberships()
            if policy.role_has(m.role, MANAGE) and not m.community_ids()
        ]
        if not memberships:
            raise DomainError(
                _("Choose the community this notice is for."),
                fields={"community": [_("Choose the community this notice is for.")]},
            )
        return memberships[0].organization

    def success_url_for(self, obj):
        return reverse("console:notice-detail", args=[obj.pk])


class NoticeDetail(ScopedDetailView):
    model = Notice
    permission = "notices.notice.view"
    template_name = "notices/notice_detail.html"
    fields = [
        Column("kind", _("kind")),
        Column("status", _("status")),
        Column("community", _("community")),
        Column("audience_kind", _("recipients")),
        Column("audience_scope", _("audience")),
        Column("publish_at", _("publish at")),
        Column("published_at", _("published at")),
        Column("expires_at", _("expires at")),
        Column("recipient_count", _("recipients")),
    ]

    def get_queryset(self):
        queryset = super().get_queryset()
        if not policy.staff_has(self.request.user, MANAGE):
            queryset = queryset.filter(status__in=["published", "archived"])
        return queryset

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        notice = self.object
        can_manage = self.can(MANAGE, notice)
        ctx["can_manage"] = can_manage
        ctx["actions"] = (
            [a for a in notice.allowed_actions() if a not in ("edit", "schedule")]
            if can_manage
            else []
        )
        ctx["attachments"] = selectors.notice_attachments(notice)
        if can_manage and notice.status in ("published", "archived"):
            report = selectors.reach_report(notice, unread_limit=100)
            if not self.can("core.person.view_contact", notice):
                from anju.core.crypto import mask_middle

                for row in report["unread_recipients"]:
                    row["phone"] = mask_middle(row["phone"])
            ctx["reach"] = report
            ctx["chart"] = json.dumps(
                {
                    "buildings": [r["building_name"] for r in report["by_building"]],
                    "read": [r["read"] for r in report["by_building"]],
                    "unread": [r["unread"] for r in report["by_building"]],
                    "labels": [str(_("read")), str(_("unread"))],
                },
                ensure_ascii=False,
            )
        return ctx


class NoticeAction(StaffRequiredMixin, generic.View):
    permission = MANAGE
    handlers = {
        "publish": services.publish_notice,
        "archive": services.archive_notice,
        "unschedule": services.unschedule_notice,
        "resend": services.resend_to_unread,
    }

    def post(self, request, pk, verb):
        notice = get_scoped_object(Notice, request.user, pk, MANAGE)
        if verb not in self.handlers or not policy.staff_has(
            request.user, MANAGE, notice.community_id
        ):
            raise PermissionDenied
        _run(request, self.handlers[verb], notice=notice)
        return redirect("console:notice-detail", pk=pk)


# Reminder proposals -------------------------------------------------------------------------


class ProposalList(StaffRequiredMixin, generic.TemplateView):
    permission = "notices.reminder.manage"
    template_name = "notices/proposals.html"

    def _queryset(self):
        queryset = ReminderProposal.objects.visible_to(
            self.request.user, "notices.reminder.view"
        ).select_related("community", "template", "notice")
        if self.request.community_id:
            queryset = queryset.filter(community_id=self.request.community_id)
        return queryset

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        queryset = self._queryset()
        pending = selectors.reminders_to_approve(queryset).order_by("occurrence_date", "id")
        ctx.update(
            title=_("Warm reminders"),
            pending=pending,
            object_list=pending,  # the list the workbench card counts
            decided=queryset.exclude(status=ProposalStatus.PROPOSED).order_by("-decided_at")[:30],
            weather_form=kwargs.get("weather_form")
            or WeatherForm(user=self.request.user, prefix="w"),
            policy_form=kwargs.get("policy_form") or PolicyForm(user=self.request.user, prefix="p"),
            posted=kwargs.get("posted") or {},
        )
        return ctx

    def again(self, request, message, **forms):
        """The page again, the refused form (or the proposal's edited text) still filled in."""
        messages.error(request, message)
        ctx = self.get_context_data(posted=request.POST, **forms)
        return self.render_to_response(ctx, status=400)

    def post(self, request):
        verb = request.POST.get("action")
        if verb in ("approve", "dismiss"):
            proposal = get_scoped_object(
                ReminderProposal,
                request.user,
                request.POST.get("proposal", "0"),
                "notices.reminder.manage",
            )
            try:
                if verb == "approve":
                    attempt(
                        request,
                        services.approve_proposal,
                        proposal=proposal,
                        title=request.POST.get("title") or None,
                        body=request.POST.get("body") or None,
                    )
                else:
                    attempt(request, services.dismiss_proposal, proposal=proposal)
            except Refused as refused:
                return self.again(request, refused.message)
        elif verb == "run":
            communities = list(self._communities())
            created = services.run_engine(communities=communities, actor=request.user)
            messages.success(request, _("%(n)s new proposals.") % {"n": len(created)})
        elif verb in ("weather", "policy"):
            form_class, prefix, service, message = {
                "weather": (
                    WeatherForm,
                    "w",
                    services.record_weather,
                    _("Check the weather entry."),
                ),
                "policy": (
                    PolicyForm,
                    "p",
                    services.create_policy_change,
                    _("Check the policy entry."),
                ),
            }[verb]
            form = form_class(request.POST, user=request.user, prefix=prefix)
            if form.is_valid():
                try:
                    service(actor=request.user, **form.cleaned_data)
                except DomainError as exc:
                    add_domain_errors(form, exc)
            if form.errors:
                return self.again(request, message, **{f"{verb}_form": form})
            messages.success(request, _("Done."))
        return redirect("console:reminder-list")

    def _communities(self):
        from anju.core.models import Community

        queryset = Community.objects.visible_to(self.request.user, "notices.reminder.manage")
        if self.request.community_id:
            queryset = queryset.filter(pk=self.request.community_id)
        return queryset


# Holidays -----------------------------------------------------------------------------------


class HolidayCalendar(StaffRequiredMixin, generic.TemplateView):
    """节假日: a year's national days off and make-up working days, what is provisional, and the
    company's own days (added and removed here by those who manage reminders)."""

    permission = "notices.notice.view"
    template_name = "notices/holidays.html"

    def _year(self):
        text = self.request.GET.get("year", "")
        years = self._years()
        if text.isdigit() and int(text) in years:
            return int(text)
        today = timezone.localdate().year
        return today if today in years or not years else min(years, key=lambda y: abs(y - today))

    def _years(self):
        return sorted(
            set(Holiday.objects.filter(organization__isnull=True).values_list("year", flat=True))
        )

    def _organization_id(self):
        ids = {m.organization_id for m in self.request.user.active_memberships()}
        return next(iter(ids)) if len(ids) == 1 else None

    def get_context_data(self, form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, year = self.request.user, self._year()
        rows = (
            Holiday.objects.visible_to(user, "notices.notice.view")
            .filter(year=year)
            .prefetch_related("workdays")
            .order_by("date", "organization_id", "key")
        )
        editable = set(
            Holiday.objects.editable_by(user, "notices.reminder.manage")
            .filter(year=year)
            .values_list("pk", flat=True)
        )
        can_add = policy.staff_has(user, "notices.reminder.manage")
        check = WorkingDayForm(self.request.GET or None)
        answer = None
        if "check" in self.request.GET and check.is_valid():
            answer = selectors.day_status(check.cleaned_data["check"], self._organization_id())
        published = year in selectors.published_years()
        ctx.update(
            title=_("Holidays"),
            year=year,
            years=self._years(),
            published=published,
            rows=[(row, row.pk in editable) for row in rows],
            workdays=sorted((w, row) for row in rows for w in (d.date for d in row.workdays.all())),
            form=form or (HolidayForm(user=user, initial=self._initial(year)) if can_add else None),
            check=check,
            answer=answer,
        )
        return ctx

    def _initial(self, year):
        organizations = Organization.objects.visible_to(
            self.request.user, "notices.reminder.manage"
        )
        first = organizations.first() if organizations.count() == 1 else None
        return {"organization": first}

    def post(self, request):
        if not policy.staff_has(request.user, "notices.reminder.manage"):
            raise PermissionDenied
        year_url = f"{reverse('console:holiday-list')}?year={self._year()}"
        if request.POST.get("action") == "delete":
            holiday = get_scoped_editable(request.user, request.POST.get("holiday", ""))
            _run(request, services.delete_holiday, holiday=holiday)
            return redirect(year_url)
        form = HolidayForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                holiday = services.save_holiday(
                    actor=request.user, holiday=Holiday(), year=data["date"].year, key="", **data
                )
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(f"{reverse('console:holiday-list')}?year={holiday.year}")
        return self.render_to_response(self.get_context_data(form=form))


def get_scoped_editable(user, pk):
    holiday = (
        Holiday.objects.editable_by(user, "notices.reminder.manage")
        .filter(pk=int(pk) if str(pk).isdigit() else 0)
        .first()
    )
    if holiday is None:
        from django.http import Http404

        raise Http404
    return holiday


# Surveys ------------------------------------------------------------------------------------


class SurveyList(ScopedListView):
    model = Survey
    permission = "notices.survey.view"
    title = _("Surveys")
    create_url_name = "console:survey-create"
    create_permission = "notices.survey.manage"
    detail_url_name = "console:survey-detail"
    search_fields = ["title"]
    columns = [
        Column("title", _("title"), link=True),
        Column("community", _("community")),
        Column("status", _("status"), value=status_tag),
        Column("period", _("period")),
        Column("anonymous", _("anonymous")),
        Column("invited_count", _("households invited"), align="right"),
        Column("response_count", _("responses"), align="right"),
        Column(
            "rate",
            _("response rate"),
            align="right",
            value=lambda s: f"{s.response_rate:.1f}%" if s.invited_count else "—",
        ),
    ]

    def base_queryset(self):
        return Survey.objects.select_related("community")


class SurveyCreate(ServiceFormView):
    form_class = SurveyBuilderForm
    permission = "notices.survey.manage"
    title = _("Survey builder")
    template_name = "notices/survey_builder.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["quarterly_form"] = kwargs.get("quarterly_form") or QuarterlySurveyForm(
            user=self.request.user,
            initial={
                "community": self.request.community_id,
                "year": timezone.localdate().year,
                "quarter": (timezone.localdate().month - 1) // 3 + 1,
            },
        )
        form = ctx["form"]
        ctx["question_rows"] = [
            [form[f"q{i}_{part}"] for part in ("text", "kind", "dimension", "options")]
            for i in range(1, 9)
        ]
        return ctx

    def post(self, request, *args, **kwargs):
        if request.POST.get("quarterly"):
            form = QuarterlySurveyForm(request.POST, user=request.user)
            if form.is_valid():
                data = form.cleaned_data
                if not policy.staff_has(
                    request.user, "notices.survey.manage", data["community"].pk
                ):
                    raise PermissionDenied
                try:
                    survey = services.create_quarterly_survey(actor=request.user, **data)
                except DomainError as exc:
                    add_domain_errors(form, exc)
                else:
                    messages.success(request, _("Done."))
                    return redirect("console:survey-detail", pk=survey.pk)
            messages.error(request, _("Check the quarterly survey fields."))
            kwargs = {k: v for k, v in self.get_form_kwargs().items() if k not in ("data", "files")}
            ctx = self.get_context_data(form=self.form_class(**kwargs), quarterly_form=form)
            return self.render_to_response(ctx, status=400)
        return super().post(request, *args, **kwargs)

    def perform(self, data):
        questions = self._questions
        community = data["community"]
        if not policy.staff_has(self.request.user, "notices.survey.manage", community.pk):
            raise DomainError(_("Not allowed."))
        keep = {
            k: data[k]
            for k in (
                "community",
                "title",
                "description",
                "anonymous",
                "audience",
                "sample_size",
                "opens_at",
                "closes_at",
            )
        }
        return services.create_survey(actor=self.request.user, questions=questions, **keep)

    def form_valid(self, form):
        self._questions = form.questions()
        return super().form_valid(form)

    def success_url_for(self, obj):
        return reverse("console:survey-detail", args=[obj.pk])


class SurveyDetail(ScopedDetailView):
    model = Survey
    permission = "notices.survey.view"
    template_name = "notices/survey_detail.html"
    fields = [
        Column("community", _("community")),
        Column("status", _("status")),
        Column("period", _("period")),
        Column("anonymous", _("anonymous")),
        Column("audience", _("audience")),
        Column("sample_size", _("sample size")),
        Column("opens_at", _("opens at")),
        Column("closes_at", _("closes at")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        survey = self.object
        user = self.request.user
        visible = None if user.is_superuser else user.staff_community_ids()
        results = survey_results(survey, visible_communities=visible)
        ctx["results"] = results
        ctx["chart"] = json.dumps(
            {
                "dimensions": [d["label"] for d in results["dimensions"]],
                "current": [d["score"] for d in results["dimensions"]],
                "previous": [d["previous_score"] for d in results["dimensions"]],
                "communities": [c["name"] for c in results["communities"]],
                "community_scores": [c["score"] for c in results["communities"]],
                "labels": [str(_("This survey")), str(_("Last quarter"))],
            },
            ensure_ascii=False,
        )
        can = self.can("notices.survey.manage", survey)
        ctx["actions"] = (
            [a for a in survey.machine.allowed_actions(survey.status) if a in ("open", "close")]
            if can
            else []
        )
        ctx["dissatisfied"] = selectors.dissatisfaction_list(
            Answer.objects.filter(survey=survey)
        ).select_related("question", "response__house__building")[:100]
        return ctx


class SurveyAction(StaffRequiredMixin, generic.View):
    permission = "notices.survey.manage"

    def post(self, request, pk, verb):
        survey = get_scoped_object(Survey, request.user, pk, "notices.survey.manage")
        handler = {"open": services.open_survey, "close": services.close_survey}.get(verb)
        if handler is None:
            raise PermissionDenied
        _run(request, handler, survey=survey)
        return redirect("console:survey-detail", pk=pk)


class DissatisfactionList(ScopedListView):
    """不满意清单: anonymous low answers (named ones became follow-up tickets)."""

    model = Answer
    permission = "notices.survey.view"
    title = _("Dissatisfaction list")
    empty_text = _("No anonymous dissatisfied answers. Named ones become follow-up tickets.")
    columns = [
        Column("survey", _("survey"), value=lambda a: a.survey.title),
        Column("dimension", _("service dimension")),
        Column("question", _("question"), value=lambda a: a.question.text),
        Column("score", _("score"), align="right"),
        Column("house", _("house"), value=lambda a: a.response.house.label),
        Column(
            "submitted",
            _("submitted at"),
            value=lambda a: timezone.localtime(a.response.submitted_at).strftime("%Y-%m-%d %H:%M"),
        ),
    ]

    def base_queryset(self):
        return (
            selectors.dissatisfaction_list(Answer.objects.all())
            .select_related("survey", "question", "response__house__building")
            .order_by("-id")
        )


# Suggestions ----------------------------------------------------------------------------


class SuggestionFilter(django_filters.FilterSet):
    awaiting = django_filters.BooleanFilter(label=_("Awaiting reply"), method="filter_awaiting")

    class Meta:
        model = Suggestion
        fields = []

    def filter_awaiting(self, queryset, name, value):
        return selectors.suggestions_awaiting_reply(queryset, matching=value)


class SuggestionList(ScopedListView):
    """Residents' suggestions; ``?awaiting=true`` is what the workbench card counts."""

    model = Suggestion
    filterset_class = SuggestionFilter
    permission = "notices.suggestion.reply"
    title = _("Suggestions")
    detail_url_name = "console:suggestion-detail"
    search_fields = ["title", "body"]
    columns = [
        Column("title", _("title"), link=True),
        Column("community", _("community")),
        Column("dimension", _("service dimension")),
        Column("status", _("status"), value=status_tag),
        Column(
            "author",
            _("submitted by"),
            value=lambda s: _("Anonymous") if s.anonymous else (s.person.name if s.person else ""),
        ),
        Column("created_at", _("submitted at")),
    ]

    def base_queryset(self):
        return Suggestion.objects.select_related("community", "person")


class SuggestionDetail(KeepsWhatWasTyped, ScopedDetailView):
    model = Suggestion
    permission = "notices.suggestion.reply"
    template_name = "notices/suggestion_detail.html"
    fields = [
        Column("community", _("community")),
        Column("dimension", _("service dimension")),
        Column("status", _("status")),
        Column(
            "author",
            _("submitted by"),
            value=lambda s: _("Anonymous") if s.anonymous else (s.person.name if s.person else ""),
        ),
        Column("created_at", _("submitted at")),
        Column("body", _("suggestion")),
    ]

    def post(self, request, pk):
        suggestion = get_scoped_object(Suggestion, request.user, pk, "notices.suggestion.reply")
        try:
            if request.POST.get("action") == "close":
                attempt(request, services.close_suggestion, suggestion=suggestion)
            else:
                attempt(
                    request,
                    services.reply_suggestion,
                    suggestion=suggestion,
                    reply=request.POST.get("reply", ""),
                    public=bool(request.POST.get("reply_public")),
                )
        except Refused as refused:
            return self.again(request, refused)
        return redirect("console:suggestion-detail", pk=pk)
