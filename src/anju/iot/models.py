"""IoT: devices of a community (meters and sensors), their readings, alarm rules per device kind,
and alarms, each of which raises a service-desk ticket (ARCHITECTURE.md: everything that needs a
person ends in the service desk). Readings arrive in batches over HTTP from a gateway, or over
MQTT."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anju.core.models import Building, Community, Organization
from anju.core.scoping import Scope, ScopedManager

from .choices import AlarmKind, AlarmStatus, DeviceKind, Operator

USER = settings.AUTH_USER_MODEL


def plain(number):
    """A Decimal as people write it: 10 not 10.0000 or 1E+1, 0.5 not 0.5000."""
    return format(number.normalize(), "f")


def _org():
    return models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")


def _community():
    return models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )


class Gateway(models.Model):
    """A community's gateway (or integration) that posts readings; its key is kept hashed."""

    organization = _org()
    community = _community()
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(_("key prefix"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(_("active"), default=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("gateway")
        verbose_name_plural = _("gateways")

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"


class Device(models.Model):
    organization = _org()
    community = _community()
    building = models.ForeignKey(
        Building,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    code = models.CharField(_("device code"), max_length=64)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=DeviceKind.choices)
    place = models.CharField(_("place"), max_length=200, blank=True)
    active = models.BooleanField(_("in service"), default=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    last_values = models.JSONField(_("last values"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["community_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="device_code_unique")
        ]
        indexes = [
            models.Index(fields=["community", "kind"], name="device_comm_kind"),
            models.Index(fields=["active", "last_seen_at"], name="device_seen"),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"


class AlarmRule(models.Model):
    """When a device of ``device_kind`` reports ``metric`` ``operator`` ``threshold``."""

    organization = _org()
    community = _community()
    device_kind = models.CharField(_("device kind"), max_length=12, choices=DeviceKind.choices)
    metric = models.CharField(_("metric"), max_length=32)
    operator = models.CharField(_("condition"), max_length=3, choices=Operator.choices)
    threshold = models.DecimalField(_("threshold"), max_digits=14, decimal_places=4)
    category = models.CharField(_("ticket category"), max_length=12)
    priority = models.CharField(_("ticket priority"), max_length=2)
    message = models.CharField(_("alarm message"), max_length=200)
    active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("alarm rule")
        verbose_name_plural = _("alarm rules")
        ordering = ["community_id", "device_kind", "metric", "id"]
        indexes = [models.Index(fields=["community", "device_kind"], name="rule_comm_kind")]

    def __str__(self):
        return f"{self.get_device_kind_display()} {self.shown_condition}"

    @property
    def condition(self):
        """E.g. "temp_c > 40" (the threshold without trailing zeros, never in E notation)."""
        return f"{self.metric} {self.get_operator_display()} {plain(self.threshold)}"

    @property
    def shown_condition(self):
        """The condition as people read it: "温度 > 40 °C", "水浸 = 1" (a sensor's 1 is its
        alarm state)."""
        from anju.core import formats

        from .choices import metric_label, metric_unit

        unit = metric_unit(self.metric, self.device_kind)
        limit = formats.with_unit(self.threshold, unit) if unit else plain(self.threshold)
        return f"{metric_label(self.metric)} {self.get_operator_display()} {limit}"

    def matches(self, value):
        op, limit = self.operator, self.threshold
        return {
            Operator.GT: value > limit,
            Operator.GTE: value >= limit,
            Operator.LT: value < limit,
            Operator.LTE: value <= limit,
            Operator.EQ: value == limit,
        }[op]


class Reading(models.Model):
    organization_id = models.BigIntegerField()
    community_id = models.BigIntegerField()
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="readings")
    metric = models.CharField(_("metric"), max_length=32)
    value = models.DecimalField(_("reading value"), max_digits=18, decimal_places=4)
    at = models.DateTimeField(_("time"))

    objects = ScopedManager()
    scope = Scope(organization="organization_id", community="community_id")

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        indexes = [models.Index(fields=["device", "metric", "at"], name="reading_device_metric_at")]

    def __str__(self):
        return f"{self.metric}={self.value} @ {self.at:%Y-%m-%d %H:%M}"


class Alarm(models.Model):
    organization = _org()
    community = _community()
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="alarms", verbose_name=_("device")
    )
    rule = models.ForeignKey(
        AlarmRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AlarmKind.choices)
    metric = models.CharField(_("metric"), max_length=32, blank=True)
    value = models.DecimalField(
        _("reading value"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    message = models.CharField(_("alarm message"), max_length=200)
    status = models.CharField(
        _("status"), max_length=8, choices=AlarmStatus.choices, default=AlarmStatus.OPEN
    )
    raised_at = models.DateTimeField(_("raised at"))
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ticket"),
    )

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status", "raised_at"], name="alarm_comm_status"),
            models.Index(fields=["device", "status"], name="alarm_device_status"),
        ]
        constraints = [
            # One open alarm per device and rule (and one open offline alarm per device).
            models.UniqueConstraint(
                fields=["device", "rule"],
                condition=models.Q(status="open", rule__isnull=False),
                name="alarm_one_open_per_rule",
            ),
            models.UniqueConstraint(
                fields=["device"],
                condition=models.Q(status="open", kind="offline"),
                name="alarm_one_open_offline",
            ),
        ]

    def __str__(self):
        return f"{self.device.code} {self.message}"
