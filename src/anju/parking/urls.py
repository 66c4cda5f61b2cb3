from django.urls import path

from . import booth, views, views_portal, views_share

console_urlpatterns = [
    path("parking/lots/", views.LotList.as_view(), name="parking-lot-list"),
    path("parking/sessions/", views.SessionList.as_view(), name="parking-session-list"),
    path("parking/events/", views.EventList.as_view(), name="parking-event-list"),
    path("parking/unpaid/", views.UnpaidList.as_view(), name="parking-unpaid-list"),
    path("parking/passes/", views.PassList.as_view(), name="parking-pass-list"),
    path("parking/disclosure/", views.DisclosureView.as_view(), name="parking-disclosure"),
    path("parking/booth/", booth.BoothView.as_view(), name="parking-booth"),
    path("parking/share/", views_share.ShareBookingList.as_view(), name="parking-share-list"),
    path("parking/share/split/", views_share.SplitReport.as_view(), name="parking-share-split"),
]

portal_urlpatterns = [
    path("parking/", views_portal.VehiclesView.as_view(), name="parking-vehicles"),
    path(
        "parking/vehicles/<int:pk>/remove/",
        views_portal.VehicleRemove.as_view(),
        name="parking-vehicle-remove",
    ),
    path("parking/passes/", views_portal.PassesView.as_view(), name="parking-passes"),
    path("parking/pay/", views_portal.PayView.as_view(), name="parking-pay"),
    path("parking/share/", views_share.ShareMySpaceView.as_view(), name="parking-share"),
    path(
        "parking/share/windows/<int:pk>/withdraw/",
        views_share.WindowWithdraw.as_view(),
        name="parking-share-withdraw",
    ),
    path("parking/find/", views_share.FindSpaceView.as_view(), name="parking-find"),
    path(
        "parking/find/bookings/<int:pk>/pay/",
        views_share.BookingPay.as_view(),
        name="parking-share-pay",
    ),
    path(
        "parking/find/bookings/<int:pk>/cancel/",
        views_share.BookingCancel.as_view(),
        name="parking-share-cancel",
    ),
    path("parking/visit/<str:token>/", views_portal.VisitView.as_view(), name="parking-visit"),
]
