from django.urls import path

from . import views

console_urlpatterns = [
    path("staff/performance/", views.PerformanceView.as_view(), name="staff-performance"),
    path("staff/<int:pk>/evaluate/", views.EvaluateView.as_view(), name="staff-evaluate"),
    path("staff/evaluations/", views.EvaluationList.as_view(), name="staff-evaluation-list"),
    path("staff/my-evaluations/", views.MyEvaluations.as_view(), name="staff-my-evaluations"),
]
