from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig


class IotConfig(AnjuAppConfig):
    name = "anju.iot"
    label = "iot"
    verbose_name = _("IoT and energy")

    console_nav = [
        (_("Devices"), "console:iot-device-list", "iot.device.view", "facilities"),
        (_("Device alarms"), "console:iot-alarm-list", "iot.alarm.view", "facilities"),
        (_("Energy and water"), "console:iot-energy", "iot.device.view", "facilities"),
        (_("Alarm rules"), "console:iot-rule-list", "iot.device.view", "facilities"),
        (_("Gateways"), "console:iot-gateways", "iot.device.manage", "facilities"),
    ]

    audit_labels = {
        "iot.gateway.created": _("Gateway added"),
        "iot.device.registered": _("Device registered"),
        "iot.rule.created": _("Alarm rule created"),
        "iot.alarm.raised": _("Device alarm raised"),
        "iot.alarm.cleared": _("Device alarm cleared"),
    }

    def machine_for_key(self, key):
        from .services import gateway_for_key

        return gateway_for_key(key)

    def dashboard_cards(self, request):
        from anju.core import policy

        from .selectors import open_alarms

        user = request.user
        if not policy.staff_has(user, "iot.alarm.view"):
            return []
        n = open_alarms(user, request.community_id).count()
        return [
            {
                "title": _("Open device alarms"),
                "value": n,
                "link": "/console/iot/alarms/?status=open",
                "tone": "bad" if n else "ok",
                "note": _("each has a ticket"),
            }
        ]
