"""Meters (表具), their readings (抄表) and shared consumption (公摊)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core.models import Community, House, Organization, User
from anju.core.scoping import Scope, ScopedManager

from ..choices import MeterKind, ReadingSource, ReadingStatus
from .fees import FeeItem


class Meter(models.Model):
    """表具: a household water, electricity, gas or heat meter."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="meters", verbose_name=_("house")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=MeterKind.choices)
    serial = models.CharField(pgettext_lazy("meter", "serial number"), max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("meter")
        verbose_name_plural = _("meters")
        constraints = [models.UniqueConstraint(fields=["house", "kind"], name="meter_house_kind")]

    def __str__(self):
        return f"{self.house} {self.get_kind_display()}"


class MeterReading(models.Model):
    """抄表读数. A reading lower than the last is refused unless the meter was replaced; an
    unusual jump is flagged and is not billed until reviewed."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="readings")
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="+", verbose_name=_("house")
    )
    read_on = models.DateField(_("read on"))
    value = models.DecimalField(_("reading"), max_digits=12, decimal_places=2)
    previous_value = models.DecimalField(_("previous reading"), max_digits=12, decimal_places=2)
    usage = models.DecimalField(_("usage"), max_digits=12, decimal_places=2)
    replaced = models.BooleanField(_("meter replaced"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ReadingStatus.choices, default=ReadingStatus.OK
    )
    flag_reason = models.CharField(_("flag reason"), max_length=200, blank=True)
    source = models.CharField(
        _("source"), max_length=8, choices=ReadingSource.choices, default=ReadingSource.MANUAL
    )
    entered_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("meter reading")
        verbose_name_plural = _("meter readings")
        ordering = ["-read_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(usage__gte=0), name="reading_usage_nonneg")
        ]
        indexes = [
            models.Index(fields=["meter", "read_on"], name="reading_meter_date"),
            models.Index(fields=["community", "status"], name="reading_comm_status"),
        ]

    def __str__(self):
        return f"{self.house_id} {self.read_on} {self.value}"


class SharedUsage(models.Model):
    """公摊用量: a common meter's consumption for a period, split by area among a scope."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    fee_item = models.ForeignKey(
        FeeItem, on_delete=models.PROTECT, related_name="shared_usages", verbose_name=_("fee item")
    )
    building = models.ForeignKey(
        "core.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    period = models.CharField(_("period"), max_length=7)
    usage = models.DecimalField(_("usage"), max_digits=12, decimal_places=2)
    remainder_house = models.ForeignKey(
        House,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("house taking the rounding remainder"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("shared usage")
        verbose_name_plural = _("shared usages")
        constraints = [
            models.UniqueConstraint(
                fields=["fee_item", "building", "period"], name="shared_usage_unique"
            )
        ]

    def __str__(self):
        return f"{self.fee_item_id} {self.period} {self.usage}"
