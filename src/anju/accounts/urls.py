from django.urls import path

from . import views

console_urlpatterns = [
    path("claims/", views.ClaimQueue.as_view(), name="accounts-claims"),
]

portal_urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="register"),
    path("login/code/", views.code_login, name="code-login"),
    path("sms-code/", views.send_code, name="send-code"),
    path("forgot-password/", views.ForgotPasswordView.as_view(), name="forgot-password"),
    path("me/homes/", views.HomesView.as_view(), name="homes"),
    path(
        "me/notifications/settings/",
        views.NotificationSettingsView.as_view(),
        name="notification-settings",
    ),
]
