from django.urls import path

from . import views

console_urlpatterns = [
    path("people/clock/", views.ClockView.as_view(), name="people-clock"),
    path("people/my-licences/", views.MyLicences.as_view(), name="people-my-licences"),
    path("people/employees/", views.EmployeeList.as_view(), name="people-employee-list"),
    path("people/employees/<int:pk>/", views.EmployeePage.as_view(), name="people-employee"),
    path("people/licences/", views.CertificateList.as_view(), name="people-certificate-list"),
    path("people/corrections/", views.CorrectionQueue.as_view(), name="people-corrections"),
    path("people/attendance/", views.SheetView.as_view(), name="people-sheet"),
    path("people/retention/", views.RetentionView.as_view(), name="people-retention"),
    path("people/suggestions/", views.Suggestions.as_view(), name="people-suggestions"),
]
