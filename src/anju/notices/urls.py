from django.urls import path

from . import meetings, portal, views

console_urlpatterns = [
    path("notices/", views.NoticeList.as_view(), name="notice-list"),
    path("notices/new/", views.NoticeCreate.as_view(), name="notice-create"),
    path("notices/<int:pk>/", views.NoticeDetail.as_view(), name="notice-detail"),
    path("notices/<int:pk>/<slug:verb>/", views.NoticeAction.as_view(), name="notice-action"),
    path("reminders/", views.ProposalList.as_view(), name="reminder-list"),
    path("holidays/", views.HolidayCalendar.as_view(), name="holiday-list"),
    path("surveys/", views.SurveyList.as_view(), name="survey-list"),
    path("surveys/new/", views.SurveyCreate.as_view(), name="survey-create"),
    path("surveys/dissatisfied/", views.DissatisfactionList.as_view(), name="survey-dissatisfied"),
    path("surveys/<int:pk>/", views.SurveyDetail.as_view(), name="survey-detail"),
    path("surveys/<int:pk>/<slug:verb>/", views.SurveyAction.as_view(), name="survey-action"),
    path("suggestions/", views.SuggestionList.as_view(), name="suggestion-list"),
    path("suggestions/<int:pk>/", views.SuggestionDetail.as_view(), name="suggestion-detail"),
    path("meetings/", meetings.MeetingList.as_view(), name="meeting-list"),
    path("meetings/new/", meetings.MeetingCreate.as_view(), name="meeting-create"),
    path("meetings/actions/", meetings.ActionItemList.as_view(), name="meeting-action-list"),
    path("meetings/<int:pk>/", meetings.MeetingDetail.as_view(), name="meeting-detail"),
]

portal_urlpatterns = [
    path("notices/", portal.InboxView.as_view(), name="inbox"),
    path("notices/<int:pk>/", portal.NoticeView.as_view(), name="notice"),
    path("surveys/", portal.SurveyListView.as_view(), name="survey-list"),
    path("surveys/<int:pk>/", portal.SurveyAnswerView.as_view(), name="survey"),
    path("suggestions/", portal.SuggestionView.as_view(), name="suggestions"),
    path("meetings/", portal.MeetingMinutesView.as_view(), name="meetings"),
]
