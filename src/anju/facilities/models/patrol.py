from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.models import Community, Organization
from anju.core.scoping import Scope, ScopedManager

from ..choices import AlertKind, ShiftStatus, Timing
from .assets import new_token


class PatrolRoute(models.Model):
    """巡更路线: checkpoints a guard must pass in order, each within its time window."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=200)
    idle_minutes = models.PositiveIntegerField(
        _("longest gap without a scan (minutes)"),
        null=True,
        blank=True,
        help_text=_("Empty uses the company setting."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("patrol route")
        verbose_name_plural = _("patrol routes")
        ordering = ["community_id", "name"]
        indexes = [models.Index(fields=["community", "active"], name="proute_comm_active")]

    def __str__(self):
        return self.name

    @property
    def idle_limit(self):
        from ..rules import setting

        return self.idle_minutes or setting("patrol_idle_minutes")


class PatrolCheckpoint(models.Model):
    """巡更点: a checkpoint with a QR code; its window opens and closes relative to the shift start."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    route = models.ForeignKey(
        PatrolRoute, on_delete=models.CASCADE, related_name="checkpoints", verbose_name=_("route")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=200)
    place = models.CharField(_("place"), max_length=200, blank=True)
    opens_after_minutes = models.PositiveIntegerField(
        _("window opens (minutes after start)"), default=0
    )
    closes_after_minutes = models.PositiveIntegerField(
        _("window closes (minutes after start)"), default=60
    )
    qr_token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("patrol checkpoint")
        verbose_name_plural = _("patrol checkpoints")
        ordering = ["route_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["route", "order"], name="checkpoint_order_unique"),
            models.CheckConstraint(
                condition=Q(closes_after_minutes__gt=models.F("opens_after_minutes")),
                name="checkpoint_window_ordered",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def qr_text(self):
        return f"ANJU-CP:{self.qr_token}"


class PatrolShift(models.Model):
    """巡更班次: one guard walking one route between two times. Counters are kept at each scan
    so the compliance report reads shifts, not millions of scans."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    route = models.ForeignKey(
        PatrolRoute, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("route")
    )
    guard = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("guard"),
    )
    name = models.CharField(_("shift"), max_length=50, default="", blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=10, choices=ShiftStatus.choices, default=ShiftStatus.SCHEDULED
    )
    expected_count = models.PositiveIntegerField(_("checkpoints expected"), default=0)
    on_time_count = models.PositiveIntegerField(_("checkpoints on time"), default=0)
    scan_count = models.PositiveIntegerField(_("scans"), default=0)
    missed_count = models.PositiveIntegerField(_("checkpoints missed"), default=0)
    last_scan_at = models.DateTimeField(_("last scan"), null=True, blank=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("patrol shift")
        verbose_name_plural = _("patrol shifts")
        ordering = ["-starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            )
        ]
        indexes = [
            models.Index(fields=["community", "starts_at"], name="pshift_comm_start"),
            models.Index(fields=["route", "starts_at", "ends_at"], name="pshift_route_time"),
            models.Index(fields=["guard", "starts_at"], name="pshift_guard_start"),
            models.Index(fields=["status", "ends_at"], name="pshift_status_end"),
        ]

    def __str__(self):
        return (
            f"{self.route.name} · {self.name} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"
        )

    @property
    def compliance(self):
        return (
            round(self.on_time_count * 100 / self.expected_count, 1)
            if self.expected_count
            else None
        )


class PatrolScan(models.Model):
    """巡更打卡: a guard's scan at a checkpoint, with the time it was made (which may be long before
    it reached the server when the phone was off-line)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    shift = models.ForeignKey(
        PatrolShift, on_delete=models.CASCADE, related_name="scans", verbose_name=_("shift")
    )
    checkpoint = models.ForeignKey(
        PatrolCheckpoint,
        on_delete=models.PROTECT,
        related_name="scans",
        verbose_name=_("checkpoint"),
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    scanned_at = models.DateTimeField(_("scanned at"))
    received_at = models.DateTimeField(_("received at"))
    offline = models.BooleanField(_("sent later (off-line)"), default=False)
    timing = models.CharField(_("timing"), max_length=8, choices=Timing.choices)
    counted = models.BooleanField(
        default=False, help_text=_("The first on-time scan of this checkpoint in the shift.")
    )
    client_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("patrol scan")
        verbose_name_plural = _("patrol scans")
        ordering = ["scanned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "checkpoint"], condition=Q(counted=True), name="scan_counted_once"
            ),
        ]
        indexes = [
            models.Index(fields=["shift", "scanned_at"], name="pscan_shift_time"),
            models.Index(fields=["community", "scanned_at"], name="pscan_comm_time"),
        ]

    def __str__(self):
        return f"{self.checkpoint} · {timezone.localtime(self.scanned_at):%Y-%m-%d %H:%M}"


class PatrolAlert(models.Model):
    """巡更告警: a missed checkpoint or a long gap without scans (possible absence or sleeping).
    One row per event: the unique constraints make each alert fire once and only once."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    shift = models.ForeignKey(
        PatrolShift, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("shift")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    checkpoint = models.ForeignKey(
        PatrolCheckpoint,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checkpoint"),
    )
    gap_since = models.DateTimeField(_("no scan since"), null=True, blank=True)
    raised_at = models.DateTimeField(_("raised at"))
    cleared_at = models.DateTimeField(
        _("cleared at"),
        null=True,
        blank=True,
        help_text=_("A late-arriving off-line scan showed the guard was there."),
    )
    ticket_id = models.BigIntegerField(_("ticket"), null=True, blank=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("patrol alert")
        verbose_name_plural = _("patrol alerts")
        ordering = ["-raised_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "checkpoint"],
                condition=Q(kind="missed_checkpoint"),
                name="alert_missed_once",
            ),
            models.UniqueConstraint(
                fields=["shift", "gap_since"], condition=Q(kind="idle_gap"), name="alert_gap_once"
            ),
        ]
        indexes = [models.Index(fields=["community", "raised_at"], name="palert_comm_raised")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.shift}"
