from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DeviceKind(models.TextChoices):
    WATER_METER = "water_meter", _("Water meter")
    POWER_METER = "power_meter", _("Electricity meter")
    WATER_LEAK = "water_leak", _("Water-leak sensor")
    SMOKE = "smoke", _("Smoke detector")
    GAS = "gas", _("Gas detector")
    ELEVATOR = "elevator", _("Elevator monitor")
    TEMPERATURE = "temperature", _("Temperature sensor")
    OTHER = "other", _("Other")


METERS = (DeviceKind.WATER_METER, DeviceKind.POWER_METER)


class Operator(models.TextChoices):
    GT = "gt", ">"
    GTE = "gte", "≥"
    LT = "lt", "<"
    LTE = "lte", "≤"
    EQ = "eq", "="


class AlarmKind(models.TextChoices):
    THRESHOLD = "threshold", _("Threshold")
    OFFLINE = "offline", _("Offline")
    USAGE = "usage", _("Unusual use")


class AlarmStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("alarm status", "Open")
    CLEARED = "cleared", pgettext_lazy("alarm status", "Cleared")
