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


#: The readings devices send (metric key -> what people call it, its unit in core.formats.UNITS
#: or None). A meter's "total" is in the unit of its kind (KIND_UNITS).
METRICS = {
    "total": (pgettext_lazy("metric", "Meter reading"), None),
    "temp_c": (pgettext_lazy("metric", "Temperature"), "c"),
    "humidity": (pgettext_lazy("metric", "Humidity"), "percent"),
    "battery": (pgettext_lazy("metric", "Battery"), "percent"),
    "power_kw": (pgettext_lazy("metric", "Power"), "kw"),
    "leak": (pgettext_lazy("metric", "Water leak"), None),
    "smoke": (pgettext_lazy("metric", "Smoke"), None),
    "gas": (pgettext_lazy("metric", "Gas"), None),
    "trapped": (pgettext_lazy("metric", "Passenger trapped"), None),
}
#: Metrics that are 0 (all well) or 1 (alarm).
FLAG_METRICS = {"leak", "smoke", "gas", "trapped"}
KIND_UNITS = {DeviceKind.WATER_METER: "m3", DeviceKind.POWER_METER: "kwh"}


def metric_label(metric):
    """A metric as people call it (an unknown key is shown as it came)."""
    entry = METRICS.get(metric)
    return entry[0] if entry else metric


def metric_unit(metric, kind=None):
    entry = METRICS.get(metric)
    if metric == "total":
        return KIND_UNITS.get(kind)
    return entry[1] if entry else None


def metric_value(metric, value, kind=None):
    """A reading as people read it: ``12.5 m³``, ``26 °C``, or normal / alarm for a sensor."""
    from anju.core import formats

    if value is None or value == "":
        return "—"
    if metric in FLAG_METRICS:
        try:
            raised = float(value) != 0
        except (TypeError, ValueError):
            return str(value)
        return str(
            pgettext_lazy("sensor", "Alarm") if raised else pgettext_lazy("sensor", "Normal")
        )
    unit = metric_unit(metric, kind)
    return formats.with_unit(value, unit) if unit else formats.number(value)


def describe(metric, value, kind=None):
    """``温度 26 °C``: the label and the value with its unit."""
    return f"{metric_label(metric)} {metric_value(metric, value, kind)}"
