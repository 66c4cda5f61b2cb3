import uuid
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.models import Building, Community, Organization
from anju.core.scoping import Scope, ScopedManager

from ..choices import FIRE_EQUIPMENT, AssetCategory, AssetStatus, CertificateKind


def new_token():
    return uuid.uuid4().hex


class Asset(models.Model):
    """设备台账: one piece of equipment the company maintains (lift, pump, extinguisher...)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    code = models.CharField(_("asset code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=16, choices=AssetCategory.choices)
    maker = models.CharField(_("maker"), max_length=200, blank=True)
    model_number = models.CharField(_("model"), max_length=100, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    warranty_until = models.DateField(_("warranty until"), null=True, blank=True)
    contractor = models.CharField(_("maintenance contractor"), max_length=200, blank=True)
    contractor_phone = models.CharField(_("contractor phone"), max_length=30, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=AssetStatus.choices, default=AssetStatus.IN_SERVICE
    )
    expected_life_years = models.PositiveSmallIntegerField(
        _("expected life (years)"), null=True, blank=True
    )
    expires_on = models.DateField(
        _("expires on"),
        null=True,
        blank=True,
        help_text=_("Fire equipment: end of validity or refill date."),
    )
    qr_token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["community_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="asset_code_unique")
        ]
        indexes = [
            models.Index(fields=["community", "category", "status"], name="asset_comm_cat"),
            models.Index(fields=["community", "expires_on"], name="asset_comm_expiry"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_fire_equipment(self):
        return self.category in FIRE_EQUIPMENT

    @property
    def replacement_due(self) -> date | None:
        """Install date plus expected life: the replacement forecast."""
        if not self.installed_on or not self.expected_life_years:
            return None
        return self.installed_on + relativedelta(years=self.expected_life_years)

    @property
    def location(self):
        parts = [self.building.name if self.building_id else "", self.place]
        return " ".join(p for p in parts if p)

    @property
    def in_warranty(self):
        return bool(self.warranty_until and self.warranty_until >= timezone.localdate())


class Certificate(models.Model):
    """设备证书: use registration (使用登记证), periodic inspection certificate (定期检验), test reports."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    asset = models.ForeignKey(
        Asset, on_delete=models.CASCADE, related_name="certificates", verbose_name=_("asset")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CertificateKind.choices)
    number = models.CharField(_("certificate number"), max_length=100, blank=True)
    authority = models.CharField(_("issued by"), max_length=200, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    alerted_at = models.DateTimeField(_("expiry alert sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["expires_on", "id"]
        indexes = [models.Index(fields=["community", "expires_on"], name="cert_comm_expiry")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}".strip()

    @property
    def inspection_request_due(self) -> date | None:
        """特种设备安全法第40条: ask for the periodic inspection one month before expiry."""
        if self.kind != CertificateKind.PERIODIC_INSPECTION or not self.expires_on:
            return None
        from ..rules import setting

        return self.expires_on - relativedelta(months=setting("inspection_request_months"))

    @staticmethod
    def expiring_q(days=None, today=None):
        """The one definition of an expiring certificate (the dashboard, the API's
        ``expiring_within`` and the expiry alert): it expires within ``days`` (by default
        ``certificate_alert_days``) from today, or has expired."""
        from ..rules import setting

        days = setting("certificate_alert_days") if days is None else days
        horizon = (today or timezone.localdate()) + timedelta(days=days)
        return Q(expires_on__isnull=False, expires_on__lte=horizon)

    def days_left(self, today=None):
        if not self.expires_on:
            return None
        return (self.expires_on - (today or timezone.localdate())).days
