from django.urls import path

from . import views

console_urlpatterns = [
    path("handover/", views.HandoverPage.as_view(), name="handover"),
    path(
        "handover/export/<int:community>/",
        views.StartExport.as_view(),
        name="handover-export",
    ),
    path("handover/import/", views.StartImport.as_view(), name="handover-import"),
    path(
        "handover/packages/<int:pk>/download/",
        views.download,
        name="handover-download",
    ),
]
