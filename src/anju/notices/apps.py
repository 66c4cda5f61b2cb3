from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig
from anju.core.choices import Role


class NoticesConfig(AnjuAppConfig):
    name = "anju.notices"
    label = "notices"
    verbose_name = _("Notices and surveys")

    console_nav = [
        (_("Notices"), "console:notice-list", "notices.notice.view", "notices"),
        (_("Warm reminders"), "console:reminder-list", "notices.reminder.manage", "notices"),
        (_("Holidays"), "console:holiday-list", "notices.notice.view", "notices"),
        (_("Surveys"), "console:survey-list", "notices.survey.view", "notices"),
        (
            _("Dissatisfaction list"),
            "console:survey-dissatisfied",
            "notices.survey.view",
            "notices",
        ),
        (_("Suggestions"), "console:suggestion-list", "notices.suggestion.reply", "notices"),
        (_("Meetings with residents"), "console:meeting-list", "notices.meeting.view", "notices"),
    ]
    portal_nav = [
        (_("Notices"), "portal:inbox", "📢"),
        (_("Surveys"), "portal:survey-list", "📝"),
        (_("Suggestions"), "portal:suggestions", "💬"),
        (_("Meetings"), "portal:meetings", "🤝"),
    ]

    role_work = {
        Role.MANAGER: ["console:suggestion-list", "console:reminder-list", "console:survey-list"],
        Role.AGENT: ["console:notice-list", "console:suggestion-list"],
    }

    audit_labels = {
        "notices.notice.created": _("Notice drafted"),
        "notices.notice.changed": _("Notice changed"),
        "notices.notice.attached": _("File attached to the notice"),
        "notices.notice.published": _("Notice published"),
        "notices.notice.scheduled": _("Notice scheduled"),
        "notices.notice.unscheduled": _("Notice schedule cancelled"),
        "notices.notice.resent": _("Notice sent again to the unread"),
        "notices.notice.archived": _("Notice archived"),
        "notices.reminder.proposed": _("Warm reminder proposed"),
        "notices.reminder.approved": _("Warm reminder approved"),
        "notices.reminder.dismissed": _("Warm reminder dismissed"),
        "notices.reminder_settings.changed": _("Reminder settings changed"),
        "notices.reminder_template.saved": _("Reminder template saved"),
        "notices.weather.recorded": _("Weather alert recorded"),
        "notices.policy.created": _("Policy change recorded"),
        "notices.holiday.saved": _("Holiday saved"),
        "notices.holiday.deleted": _("Holiday removed"),
        "notices.survey.created": _("Survey created"),
        "notices.survey.scheduled": _("Survey scheduled"),
        "notices.survey.opened": _("Survey opened"),
        "notices.survey.closed": _("Survey closed"),
        "notices.survey.answered": _("Survey answered"),
        "notices.suggestion.created": _("Suggestion received"),
        "notices.suggestion.replied": _("Suggestion replied"),
        "notices.suggestion.closed": _("Suggestion closed"),
        "notices.meeting.created": _("Meeting with residents planned"),
        "notices.meeting.minutes": _("Meeting minutes recorded"),
        "notices.action.created": _("Meeting action item added"),
        "notices.action.closed": _("Meeting action item done"),
        "notices.action.reopened": _("Meeting action item reopened"),
    }

    def resident_home(self, request):
        from .home import home_sections

        return home_sections(request)

    def dashboard_cards(self, request):
        from anju.core import policy

        from .models import ActionItem, ReminderProposal, Suggestion, Survey

        user, community_id = request.user, request.community_id
        cards = []

        def scoped(model, perm):
            queryset = model.objects.visible_to(user, perm)
            return queryset.in_community(community_id) if community_id else queryset

        if policy.staff_has(user, "notices.reminder.manage"):
            from .selectors import reminders_to_approve

            pending = reminders_to_approve(scoped(ReminderProposal, "notices.reminder.view"))
            pending = pending.count()
            cards.append(
                {
                    "title": _("Warm reminders to approve"),
                    "value": pending,
                    "link": "/console/reminders/",
                    "tone": "warn" if pending else "ok",
                    "note": _("温馨提示 proposed by the calendar"),
                }
            )
        if policy.staff_has(user, "notices.suggestion.reply"):
            from .selectors import suggestions_awaiting_reply

            open_count = suggestions_awaiting_reply(
                scoped(Suggestion, "notices.suggestion.reply")
            ).count()
            cards.append(
                {
                    "title": _("Suggestions awaiting reply"),
                    "value": open_count,
                    "link": "/console/suggestions/?awaiting=true",
                    "tone": "warn" if open_count else "ok",
                    "note": "",
                }
            )
        if policy.staff_has(user, "notices.meeting.view"):
            from django.urls import reverse

            from .selectors import overdue_action_items

            overdue = overdue_action_items(scoped(ActionItem, "notices.meeting.view")).count()
            cards.append(
                {
                    "title": _("Overdue meeting actions"),
                    "value": overdue,
                    "link": reverse("console:meeting-action-list") + "?overdue=true",
                    "tone": "bad" if overdue else "ok",
                    "note": "",
                }
            )
        if policy.staff_has(user, "notices.survey.view"):
            survey = (
                scoped(Survey, "notices.survey.view")
                .filter(status="open")
                .order_by("-opens_at")
                .first()
            )
            if survey is not None and survey.invited_count:
                rate = survey.response_rate
                cards.append(
                    {
                        "title": _("Survey response rate"),
                        "value": f"{rate:.0f}%",
                        "link": f"/console/surveys/{survey.pk}/",
                        "tone": "ok" if rate >= 50 else "warn",
                        "note": survey.title,
                    }
                )
        return cards

    def personal_data(self, user):
        from .models import NoticeReceipt, Suggestion, SurveyResponse

        data = {"notices_received": [], "survey_responses": [], "suggestions": []}
        if user.person_id:
            for r in NoticeReceipt.objects.filter(person_id=user.person_id).select_related(
                "notice"
            )[:1000]:
                data["notices_received"].append(
                    {
                        "title": r.notice.title,
                        "delivered_at": r.delivered_at.isoformat(),
                        "read_at": r.read_at.isoformat() if r.read_at else None,
                    }
                )
            for r in SurveyResponse.objects.filter(person_id=user.person_id).select_related(
                "survey"
            ):
                data["survey_responses"].append(
                    {
                        "survey": r.survey.title,
                        "submitted_at": r.submitted_at.isoformat(),
                        "answers": [
                            {
                                "question": a.question.text,
                                "score": a.score,
                                "choices": a.choices,
                                "text": a.text,
                            }
                            for a in r.answers.select_related("question")
                        ],
                    }
                )
            for s in Suggestion.objects.filter(person_id=user.person_id):
                data["suggestions"].append(
                    {
                        "title": s.title,
                        "body": s.body,
                        "reply": s.reply,
                        "created_at": s.created_at.isoformat(),
                    }
                )
        return data

    def restore_reference_data(self):
        import importlib

        from django.apps import apps

        from .models import SolarTerm

        if not SolarTerm.objects.exists():
            importlib.import_module("anju.notices.migrations.0002_builtin_data").load(apps, None)
            importlib.import_module(
                "anju.notices.migrations.0007_national_holidays"
            ).load_national_calendar(apps, None)
