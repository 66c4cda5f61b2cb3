from django.urls import path

from . import portal, views

console_urlpatterns = [
    path("green/report/", views.ReportView.as_view(), name="green-report"),
    path("green/points/", views.PointList.as_view(), name="green-point-list"),
    path("green/points/new/", views.PointCreate.as_view(), name="green-point-create"),
    path("green/logs/", views.LogList.as_view(), name="green-log-list"),
    path("green/logs/new/", views.LogCreate.as_view(), name="green-log-create"),
    path("green/inspections/", views.InspectionList.as_view(), name="green-inspection-list"),
    path(
        "green/inspections/new/",
        views.InspectionCreate.as_view(),
        name="green-inspection-create",
    ),
    path(
        "green/inspections/<int:pk>/",
        views.InspectionDetail.as_view(),
        name="green-inspection-detail",
    ),
    path("green/pickups/", views.PickupList.as_view(), name="green-pickup-list"),
    path("green/pickups/<int:pk>/", views.PickupDetail.as_view(), name="green-pickup-detail"),
    path(
        "green/pickups/<int:pk>/<slug:verb>/",
        views.PickupAction.as_view(),
        name="green-pickup-action",
    ),
    path("green/green-points/", views.AccountList.as_view(), name="green-points-list"),
    path(
        "green/green-points/<int:pk>/",
        views.AccountDetail.as_view(),
        name="green-points-detail",
    ),
    path("green/decorations/", views.PlanList.as_view(), name="green-plan-list"),
    path("green/decorations/<int:pk>/", views.PlanDetail.as_view(), name="green-plan-detail"),
    path(
        "green/decorations/company/",
        views.CompanyDecorations.as_view(),
        name="green-decorations",
    ),
]

portal_urlpatterns = [
    path("green/points/", portal.PointsView.as_view(), name="green-points"),
    path("green/pickups/", portal.PickupsView.as_view(), name="green-pickups"),
    path(
        "green/pickups/<int:pk>/cancel/", portal.PickupCancel.as_view(), name="green-pickup-cancel"
    ),
    path("green/decorations/", portal.DecorationsView.as_view(), name="green-decorations"),
]
