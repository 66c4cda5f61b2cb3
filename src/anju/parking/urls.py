from django.urls import path

from . import views

console_urlpatterns = [
    path("parking/lots/", views.LotList.as_view(), name="parking-lot-list"),
    path("parking/sessions/", views.SessionList.as_view(), name="parking-session-list"),
    path("parking/events/", views.EventList.as_view(), name="parking-event-list"),
    path("parking/unpaid/", views.UnpaidList.as_view(), name="parking-unpaid-list"),
    path("parking/passes/", views.PassList.as_view(), name="parking-pass-list"),
    path("parking/disclosure/", views.DisclosureView.as_view(), name="parking-disclosure"),
]
