from django.urls import path

from . import portal, views

console_urlpatterns = [
    path("works/renovations/", views.RenovationList.as_view(), name="works-renovation-list"),
    path(
        "works/renovations/<int:pk>/",
        views.RenovationDetail.as_view(),
        name="works-renovation-detail",
    ),
    path(
        "works/renovations/<int:pk>/<slug:verb>/",
        views.RenovationAction.as_view(),
        name="works-renovation-action",
    ),
    path("works/deposits/", views.DepositList.as_view(), name="works-deposit-list"),
    path("works/deposits/houses/", views.DepositHouses.as_view(), name="works-deposit-houses"),
    path("works/deposits/report/", views.DepositReport.as_view(), name="works-deposit-report"),
    path("works/deposits/<int:pk>/", views.DepositDetail.as_view(), name="works-deposit-detail"),
    path(
        "works/deposits/<int:pk>/<slug:verb>/",
        views.DepositAction.as_view(),
        name="works-deposit-action",
    ),
    path("works/moves/", views.MoveList.as_view(), name="works-move-list"),
    path("works/moves/move-in/", views.MoveInCreate.as_view(), name="works-move-in-create"),
    path("works/moves/move-out/", views.MoveOutCreate.as_view(), name="works-move-out-create"),
    path("works/moves/<int:pk>/", views.MoveDetail.as_view(), name="works-move-detail"),
    path("works/moves/<int:pk>/<slug:verb>/", views.MoveAction.as_view(), name="works-move-action"),
]

portal_urlpatterns = [
    path("renovations/", portal.RenovationsView.as_view(), name="works-renovations"),
    path("renovations/apply/", portal.ApplyView.as_view(), name="works-renovation-apply"),
    path(
        "renovations/<int:pk>/acknowledge/",
        portal.AcknowledgeView.as_view(),
        name="works-renovation-acknowledge",
    ),
]
