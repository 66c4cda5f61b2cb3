from django.urls import path

from . import views

console_urlpatterns = [
    path("claims/", views.ClaimQueue.as_view(), name="accounts-claims"),
]
