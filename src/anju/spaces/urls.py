from django.urls import path

from . import portal, views

console_urlpatterns = [
    path("spaces/", views.SpaceList.as_view(), name="space-list"),
    path("spaces/new/", views.SpaceCreate.as_view(), name="space-create"),
    path("spaces/<int:pk>/", views.SpaceDetail.as_view(), name="space-detail"),
    path("spaces/<int:pk>/edit/", views.SpaceEdit.as_view(), name="space-edit"),
    path("bookings/", views.BookingList.as_view(), name="booking-list"),
    path("bookings/<int:pk>/", views.BookingDetail.as_view(), name="booking-detail"),
    path("bookings/<int:pk>/<slug:verb>/", views.BookingAction.as_view(), name="booking-action"),
]

portal_urlpatterns = [
    path("spaces/", portal.SpacesView.as_view(), name="spaces"),
    path("spaces/<int:pk>/", portal.BookView.as_view(), name="space-book"),
    path("bookings/<int:pk>/<slug:verb>/", portal.BookingAction.as_view(), name="booking-action"),
]
