"""REST API of the notices app (issue 7 contract), by subdomain: ``notices`` (/notices/, /inbox/),
``reminders`` (/reminder-templates/, /reminder-proposals/, /holidays/, /weather-reports/,
/policy-changes/), ``surveys`` (/surveys/) and ``suggestions`` (/suggestions/, /meetings/,
/action-items/)."""

from .notices import InboxViewSet, NoticeViewSet
from .reminders import (
    HolidayViewSet,
    PolicyChangeViewSet,
    ReminderProposalViewSet,
    ReminderTemplateViewSet,
    WeatherReportViewSet,
)
from .suggestions import ActionItemViewSet, MeetingViewSet, SuggestionViewSet
from .surveys import SurveyViewSet


def register(router):
    router.register("notices", NoticeViewSet, basename="notice")
    router.register("inbox", InboxViewSet, basename="inbox")
    router.register("reminder-templates", ReminderTemplateViewSet, basename="reminder-template")
    router.register("reminder-proposals", ReminderProposalViewSet, basename="reminder-proposal")
    router.register("holidays", HolidayViewSet, basename="holiday")
    router.register("weather-reports", WeatherReportViewSet, basename="weather-report")
    router.register("policy-changes", PolicyChangeViewSet, basename="policy-change")
    router.register("surveys", SurveyViewSet, basename="survey")
    router.register("suggestions", SuggestionViewSet, basename="suggestion")
    router.register("meetings", MeetingViewSet, basename="meeting")
    router.register("action-items", ActionItemViewSet, basename="action-item")
