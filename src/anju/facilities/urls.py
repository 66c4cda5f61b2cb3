from django.urls import path

from . import views
from .views import field

P = "facilities/"

console_urlpatterns = [
    path(P, views.DashboardView.as_view(), name="facilities-dashboard"),
    path(P + "assets/", views.AssetList.as_view(), name="facilities-asset-list"),
    path(P + "assets/new/", views.AssetCreate.as_view(), name="facilities-asset-create"),
    path(P + "assets/labels.pdf", views.asset_labels_pdf, name="facilities-asset-labels"),
    path(P + "assets/<int:pk>/", views.AssetDetail.as_view(), name="facilities-asset-detail"),
    path(P + "assets/<int:pk>/label.svg", views.asset_label, name="facilities-asset-label"),
    path(
        P + "assets/<int:pk>/certificates/",
        views.certificate_add,
        name="facilities-certificate-add",
    ),
    path(
        P + "fire-equipment/",
        views.ExpiringEquipmentList.as_view(),
        name="facilities-equipment-expiring",
    ),
    path(P + "plans/", views.PlanList.as_view(), name="facilities-plan-list"),
    path(P + "plans/new/", views.PlanCreate.as_view(), name="facilities-plan-create"),
    path(P + "plans/<int:pk>/", views.PlanDetail.as_view(), name="facilities-plan-detail"),
    path(P + "tasks/", views.TaskList.as_view(), name="facilities-task-list"),
    path(
        P + "inspection-routes/",
        views.InspectionRouteList.as_view(),
        name="facilities-inspection-route-list",
    ),
    path(
        P + "inspection-routes/<int:pk>/",
        views.InspectionRouteDetail.as_view(),
        name="facilities-inspection-route-detail",
    ),
    path(
        P + "inspection-rounds/",
        views.InspectionTaskList.as_view(),
        name="facilities-inspection-task-list",
    ),
    path(
        P + "patrol-routes/", views.PatrolRouteList.as_view(), name="facilities-patrol-route-list"
    ),
    path(
        P + "patrol-routes/<int:pk>/",
        views.PatrolRouteDetail.as_view(),
        name="facilities-patrol-route-detail",
    ),
    path(
        P + "routes/<str:kind>/<int:pk>/labels.pdf",
        views.route_labels_pdf,
        name="facilities-route-labels",
    ),
    path(P + "patrol-shifts/", views.ShiftList.as_view(), name="facilities-shift-list"),
    path(P + "patrol-shifts/new/", views.ShiftCreate.as_view(), name="facilities-shift-create"),
    path(
        P + "patrol-shifts/<int:pk>/", views.ShiftDetail.as_view(), name="facilities-shift-detail"
    ),
    path(P + "patrol-alerts/", views.PatrolAlertList.as_view(), name="facilities-patrol-alerts"),
    path(P + "patrol-compliance/", views.ComplianceView.as_view(), name="facilities-compliance"),
    path(P + "hazards/", views.HazardList.as_view(), name="facilities-hazard-list"),
    path(P + "hazards/new/", views.HazardCreate.as_view(), name="facilities-hazard-create"),
    path(P + "hazards/<int:pk>/", views.HazardDetail.as_view(), name="facilities-hazard-detail"),
    path(P + "hazards/<int:pk>/<str:verb>/", views.hazard_action, name="facilities-hazard-action"),
    path(P + "incidents/", views.IncidentList.as_view(), name="facilities-incident-list"),
    path(P + "incidents/new/", views.IncidentCreate.as_view(), name="facilities-incident-create"),
    path(
        P + "incidents/<int:pk>/", views.IncidentDetail.as_view(), name="facilities-incident-detail"
    ),
    path(P + "incidents/<int:pk>/step/", views.incident_action, name="facilities-incident-action"),
    path(P + "drills/", views.DrillList.as_view(), name="facilities-drill-list"),
    path(P + "drills/new/", views.DrillCreate.as_view(), name="facilities-drill-create"),
    path(P + "drills/<int:pk>/", views.DrillDetail.as_view(), name="facilities-drill-detail"),
    path(P + "drills/<int:pk>/record/", views.drill_action, name="facilities-drill-action"),
    # phone pages
    path(P + "m/", field.FieldHome.as_view(), name="facilities-field"),
    path(P + "m/patrol/", field.PatrolPage.as_view(), name="facilities-field-patrol"),
    path(
        P + "m/patrol/<int:pk>/", field.PatrolPage.as_view(), name="facilities-field-patrol-shift"
    ),
    path(P + "m/tasks/<int:pk>/", field.TaskPage.as_view(), name="facilities-field-task"),
    path(P + "m/rounds/<int:pk>/", field.InspectionPage.as_view(), name="facilities-field-round"),
    path(P + "m/hazards/new/", field.HazardReportPage.as_view(), name="facilities-field-hazard"),
    path(P + "m/assets/<int:pk>/", field.AssetPage.as_view(), name="facilities-field-asset"),
    path(P + "m/assets/find/", field.asset_find, name="facilities-field-asset-find"),
]

portal_urlpatterns = [
    path(P + "a/<str:token>/", field.asset_scan, name="facilities-asset-scan"),
]
