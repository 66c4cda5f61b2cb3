from django.urls import path

from . import views

console_urlpatterns = [
    path("iot/devices/", views.DeviceList.as_view(), name="iot-device-list"),
    path("iot/devices/new/", views.DeviceCreate.as_view(), name="iot-device-create"),
    path("iot/devices/<int:pk>/", views.DeviceDetail.as_view(), name="iot-device-detail"),
    path("iot/alarms/", views.AlarmList.as_view(), name="iot-alarm-list"),
    path("iot/rules/", views.RuleList.as_view(), name="iot-rule-list"),
    path("iot/rules/new/", views.RuleCreate.as_view(), name="iot-rule-create"),
    path("iot/gateways/", views.GatewayView.as_view(), name="iot-gateways"),
    path("iot/energy/", views.EnergyView.as_view(), name="iot-energy"),
]
