from django.urls import path

from . import views

console_urlpatterns = [
    path("people/clock/", views.ClockView.as_view(), name="people-clock"),
    path("people/my-licences/", views.MyLicences.as_view(), name="people-my-licences"),
    path("people/employees/", views.EmployeeList.as_view(), name="people-employee-list"),
    path("people/employees/new/", views.EmployeeCreate.as_view(), name="people-employee-create"),
    path("people/employees/<int:pk>/", views.EmployeePage.as_view(), name="people-employee"),
    path(
        "people/employees/<int:pk>/edit/",
        views.EmployeeEdit.as_view(),
        name="people-employee-edit",
    ),
    path("people/licences/", views.CertificateList.as_view(), name="people-certificate-list"),
    path("people/requirements/", views.Requirements.as_view(), name="people-requirements"),
    path("people/courses/", views.CourseList.as_view(), name="people-course-list"),
    path("people/courses/new/", views.CourseCreate.as_view(), name="people-course-create"),
    path("people/courses/<int:pk>/", views.CoursePage.as_view(), name="people-course"),
    path("people/sessions/<int:pk>/", views.SessionPage.as_view(), name="people-session"),
    path("people/corrections/", views.CorrectionQueue.as_view(), name="people-corrections"),
    path("people/attendance/", views.SheetView.as_view(), name="people-sheet"),
    path("people/retention/", views.RetentionView.as_view(), name="people-retention"),
    path("people/suggestions/", views.Suggestions.as_view(), name="people-suggestions"),
    path("people/reviews/", views.ReviewList.as_view(), name="people-review-list"),
    path("people/reviews/new/", views.ReviewCreate.as_view(), name="people-review-create"),
    path("people/my-reviews/", views.MyReviews.as_view(), name="people-my-reviews"),
]
