from django.urls import path

from . import portal, views

console_urlpatterns = [
    path("life/services/", views.OfferingList.as_view(), name="life-offering-list"),
    path("life/services/new/", views.OfferingCreate.as_view(), name="life-offering-create"),
    path("life/orders/", views.OrderList.as_view(), name="life-order-list"),
    path("life/orders/<int:pk>/", views.OrderDetail.as_view(), name="life-order-detail"),
    path(
        "life/orders/<int:pk>/<slug:verb>/", views.OrderAction.as_view(), name="life-order-action"
    ),
    path("life/report/", views.IncomeReport.as_view(), name="life-report"),
    path("life/events/", views.EventList.as_view(), name="life-event-list"),
    path("life/events/new/", views.EventCreate.as_view(), name="life-event-create"),
    path("life/events/<int:pk>/", views.EventDetail.as_view(), name="life-event-detail"),
    path(
        "life/events/<int:pk>/<slug:verb>/", views.EventAction.as_view(), name="life-event-action"
    ),
]

portal_urlpatterns = [
    path("life/services/", portal.ServicesView.as_view(), name="life-services"),
    path("life/services/<int:pk>/", portal.OrderView.as_view(), name="life-order"),
    path("life/orders/", portal.MyOrdersView.as_view(), name="life-orders"),
    path(
        "life/orders/<int:pk>/<slug:verb>/",
        portal.OrderAction.as_view(),
        name="life-order-action",
    ),
    path("life/events/", portal.EventsView.as_view(), name="life-events"),
    path("life/events/<int:pk>/", portal.EventView.as_view(), name="life-event"),
    path(
        "life/events/<int:pk>/check-in/<str:code>/",
        portal.CheckInView.as_view(),
        name="life-event-checkin",
    ),
    path("life/signups/<int:pk>/cancel/", portal.SignupCancel.as_view(), name="life-signup-cancel"),
]
