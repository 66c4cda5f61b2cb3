"""Resident portal (phone-first): inbox, notices, surveys to answer, suggestions, meeting minutes."""

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views import generic

from anju.core.errors import DomainError
from anju.core.models import Community, House
from anju.core.portal import ResidentMixin

from . import selectors, services
from .choices import Dimension, QuestionKind, SurveyStatus
from .models import Meeting, Suggestion, Survey, SurveyResponse


class InboxView(ResidentMixin, generic.TemplateView):
    template_name = "notices/portal_inbox.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        receipts = (
            selectors.inbox_for(self.request.user)
            .select_related("notice__community")
            .order_by("-notice__pinned", "-delivered_at", "-id")[:100]
        )
        ctx.update(title=_("Notices"), receipts=receipts)
        return ctx


class NoticeView(ResidentMixin, generic.TemplateView):
    template_name = "notices/portal_notice.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        receipt = (
            selectors.inbox_for(self.request.user)
            .select_related("notice__community")
            .filter(pk=kwargs["pk"])
            .first()
        )
        if receipt is None:
            raise Http404
        services.mark_read(actor=self.request.user, receipt=receipt)
        ctx.update(
            title=receipt.notice.title,
            receipt=receipt,
            notice=receipt.notice,
            attachments=selectors.notice_attachments(receipt.notice),
        )
        return ctx


class SurveyListView(ResidentMixin, generic.TemplateView):
    template_name = "notices/portal_surveys.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        houses = self.request.user.resident_house_ids()
        surveys = Survey.objects.filter(
            pk__in=selectors.invited_survey_ids(self.request.user), status=SurveyStatus.OPEN
        ).select_related("community")
        answered = set(
            SurveyResponse.objects.filter(survey__in=surveys, house_id__in=houses).values_list(
                "survey_id", flat=True
            )
        )
        ctx.update(title=_("Surveys"), surveys=[(s, s.pk in answered) for s in surveys])
        return ctx


def _question_rows(questions, posted=None, errors=None, answers=None):
    """Each question with what the resident chose: from the refused form (``posted``), or from
    their saved response (``answers``: question id -> Answer), and its error."""
    errors = errors or {}
    rows = []
    for q in questions:
        key = f"q{q.pk}"
        value, picked, text = "", set(), ""
        if posted is not None:
            value = posted.get(key, "")
            picked = set(posted.getlist(key))
            text = posted.get(key, "") if q.kind == QuestionKind.TEXT else ""
        elif answers is not None and q.pk in answers:
            answer = answers[q.pk]
            value = "" if answer.score is None else str(answer.score)
            picked = {str(c) for c in answer.choices or []}
            text = answer.text
        error = errors.get(f"answers.{q.pk}") or []
        rows.append(
            {
                "q": q,
                "key": key,
                "value": value,
                "picked": picked,
                "text": text,
                "error": " ".join(str(e) for e in error),
                "options": [(str(i), o) for i, o in enumerate(q.options or [])],
                "chosen": [o for i, o in enumerate(q.options or []) if str(i) in picked]
                if q.kind == QuestionKind.MULTIPLE
                else [o for i, o in enumerate(q.options or []) if str(i) == value],
            }
        )
    return rows


class SurveyAnswerView(ResidentMixin, generic.TemplateView):
    """A survey to answer; once the home has answered, what it answered and when (never an
    empty form again); a refused answer comes back with everything chosen still chosen."""

    template_name = "notices/portal_survey.html"

    def _survey(self):
        invited = selectors.invited_survey_ids(self.request.user)
        survey = Survey.objects.filter(pk=self.kwargs["pk"], pk__in=invited).first()
        if survey is None:
            raise Http404
        return survey

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        survey = self._survey()
        questions = list(survey.questions.all())
        eligible = selectors.eligible_houses(self.request.user, survey)
        responses = list(
            SurveyResponse.objects.filter(survey=survey, house_id__in=eligible)
            .select_related("house__building")
            .prefetch_related("answers")
            .order_by("submitted_at")
        )
        answered = [
            {
                "response": r,
                "rows": _question_rows(
                    questions, answers={a.question_id: a for a in r.answers.all()}
                ),
            }
            for r in responses
        ]
        done = {r.house_id for r in responses}
        open_houses = House.objects.filter(pk__in=[h for h in eligible if h not in done])
        posted = kwargs.get("posted")
        ctx.update(
            title=survey.title,
            survey=survey,
            rows=_question_rows(questions, posted=posted, errors=kwargs.get("errors")),
            answered=answered,
            houses=list(open_houses.select_related("building")),
            chosen_house=(posted or {}).get("house", ""),
            can_answer=survey.status == SurveyStatus.OPEN and open_houses.exists(),
            scale5=[str(i) for i in range(1, 6)],
            scale11=[str(i) for i in range(0, 11)],
            errors=kwargs.get("errors", {}),
        )
        return ctx

    def post(self, request, pk):
        survey = self._survey()
        answers = []
        for q in survey.questions.all():
            key = f"q{q.pk}"
            if q.kind == QuestionKind.MULTIPLE:
                picked = [int(v) for v in request.POST.getlist(key) if v.isdigit()]
                if picked:
                    answers.append({"question": q.pk, "choices": picked})
            elif q.kind == QuestionKind.TEXT:
                answers.append({"question": q.pk, "text": request.POST.get(key, "")})
            elif request.POST.get(key, "") != "":
                answers.append({"question": q.pk, "value": request.POST.get(key)})
        house = request.POST.get("house") or None
        try:
            services.submit_response(
                actor=request.user,
                survey=survey,
                answers=answers,
                house=int(house) if house and house.isdigit() else None,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            ctx = self.get_context_data(errors=exc.fields, posted=request.POST)
            return self.render_to_response(ctx, status=400)
        messages.success(request, _("Thank you! Your answers have been received."))
        return redirect("portal:survey", pk=survey.pk)


class SuggestionView(ResidentMixin, generic.TemplateView):
    """Suggestions: a refused one comes back with its text, never lost."""

    template_name = "notices/portal_suggestions.html"

    def _communities(self):
        return Community.objects.filter(pk__in=self.request.user.resident_community_ids())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        mine = Q(person_id=user.person_id) if user.person_id else Q(pk__in=[])
        public = Q(
            community__in=self._communities(), reply_public=True, status__in=["replied", "closed"]
        )
        posted = kwargs.get("posted") or {}
        ctx.update(
            title=_("Suggestions"),
            communities=self._communities(),
            dimensions=Dimension.choices,
            suggestions=Suggestion.objects.filter(mine | public).select_related("community")[:50],
            posted={
                "community": posted.get("community", ""),
                "dimension": posted.get("dimension", "") or Dimension.OVERALL,
                "title": posted.get("title", ""),
                "body": posted.get("body", ""),
                "anonymous": bool(posted.get("anonymous")),
            },
            errors=kwargs.get("errors") or {},
        )
        return ctx

    def refuse(self, request, errors):
        ctx = self.get_context_data(posted=request.POST, errors=errors)
        return self.render_to_response(ctx, status=400)

    def post(self, request):
        community = self._communities().filter(pk=request.POST.get("community") or 0).first()
        if community is None:
            message = _("Choose your community.")
            messages.error(request, message)
            return self.refuse(request, {"community": [message]})
        try:
            services.submit_suggestion(
                actor=request.user,
                community=community,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                anonymous=bool(request.POST.get("anonymous")),
                dimension=request.POST.get("dimension") or Dimension.OVERALL,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return self.refuse(request, exc.fields)
        messages.success(request, _("Thank you! We will reply soon."))
        return redirect("portal:suggestions")


class MeetingMinutesView(ResidentMixin, generic.TemplateView):
    template_name = "notices/portal_meetings.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        meetings = Meeting.objects.filter(
            community_id__in=self.request.user.resident_community_ids(),
            status="held",
            minutes_public=True,
        ).prefetch_related("action_items")[:20]
        ctx.update(title=_("Meeting minutes"), meetings=meetings)
        return ctx


def unread_count(user):
    return selectors.inbox_for(user).filter(read_at__isnull=True).count()
