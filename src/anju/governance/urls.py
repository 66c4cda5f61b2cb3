from django.urls import path

from . import portal, views

console_urlpatterns = [
    path("votes/", views.VoteList.as_view(), name="vote-list"),
    path("votes/new/", views.VoteCreate.as_view(), name="vote-create"),
    path("votes/<int:pk>/", views.VoteDetail.as_view(), name="vote-detail"),
    path("votes/<int:pk>/paper/", views.PaperBallotView.as_view(), name="vote-paper"),
    path("votes/<int:pk>/<str:action>/", views.vote_action, name="vote-action"),
    path("disclosures/", views.DisclosureList.as_view(), name="disclosure-list"),
    path("disclosures/new/", views.DisclosureCreate.as_view(), name="disclosure-create"),
    path("disclosures/<int:pk>/", views.DisclosureDetail.as_view(), name="disclosure-detail"),
    path("disclosures/<int:pk>/pdf/", views.disclosure_pdf, name="disclosure-pdf"),
    path("disclosures/<int:pk>/<str:action>/", views.disclosure_action, name="disclosure-action"),
    path("public-income/", views.IncomeList.as_view(), name="income-list"),
    path("public-income/new/", views.IncomeCreate.as_view(), name="income-create"),
    path("public-income/allocate/", views.IncomeAllocate.as_view(), name="income-allocate"),
    path("fund/", views.FundList.as_view(), name="fund-list"),
    path("fund/requests/", views.FundRequestList.as_view(), name="fundrequest-list"),
    path("fund/requests/new/", views.FundRequestCreate.as_view(), name="fundrequest-create"),
    path("fund/requests/<int:pk>/", views.FundRequestDetail.as_view(), name="fundrequest-detail"),
    path(
        "fund/requests/<int:pk>/<str:action>/", views.fundrequest_action, name="fundrequest-action"
    ),
]

portal_urlpatterns = [
    path("votes/", portal.PortalVoteList.as_view(), name="vote-list"),
    path("votes/<int:pk>/", portal.PortalVoteDetail.as_view(), name="vote-detail"),
    path("votes/<int:pk>/check/", portal.PortalBallotCheck.as_view(), name="vote-check"),
    path("disclosures/", portal.PortalDisclosureList.as_view(), name="disclosure-list"),
    path(
        "disclosures/<int:pk>/", portal.PortalDisclosureDetail.as_view(), name="disclosure-detail"
    ),
    path("disclosures/<int:pk>/pdf/", views.disclosure_pdf, name="disclosure-pdf"),
    path("fund/", portal.PortalFund.as_view(), name="fund"),
]
