from django.urls import path

from . import portal, views

console_urlpatterns = [
    path("gate/desk/", views.Desk.as_view(), name="gate-desk"),
    path("gate/passes/", views.PassList.as_view(), name="gate-pass-list"),
    path("gate/visitors/", views.VisitorLog.as_view(), name="gate-visitor-log"),
    path("gate/walk-ins/", views.WalkInList.as_view(), name="gate-walkin-list"),
    path("gate/walk-ins/new/", views.WalkInCreate.as_view(), name="gate-walkin-create"),
    path("gate/walk-ins/<int:pk>/", views.WalkInDetail.as_view(), name="gate-walkin-detail"),
    path("gate/doors/", views.DoorList.as_view(), name="gate-door-list"),
    path("gate/door-openings/", views.CommandList.as_view(), name="gate-command-list"),
    path("gate/release/", views.ReleaseList.as_view(), name="gate-release-list"),
]

portal_urlpatterns = [
    path("gate/passes/", portal.PassesView.as_view(), name="gate-passes"),
    path("gate/passes/<int:pk>/", portal.PassView.as_view(), name="gate-pass"),
    path("gate/walk-ins/<int:pk>/", portal.WalkInView.as_view(), name="gate-walkin"),
    path("gate/doors/", portal.DoorsView.as_view(), name="gate-doors"),
    path("gate/release/", portal.ReleaseView.as_view(), name="gate-release"),
    path("v/<str:token>/", portal.SharedPassView.as_view(), name="gate-shared-pass"),
]
