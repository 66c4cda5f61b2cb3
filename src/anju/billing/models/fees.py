"""Fee items (收费项目) with their published standard, and the vacancy rules and notices."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anju.core.models import Community, House, Organization
from anju.core.scoping import Scope, ScopedManager

from ..choices import AppliesTo, Cycle, MeterKind, Method
from .base import PRICE


class FeeItem(models.Model):
    """收费项目 with its published standard (收费依据、单价、计费单位、有效期, 明码标价)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="fee_items", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    cycle = models.CharField(
        _("cycle"), max_length=10, choices=Cycle.choices, default=Cycle.MONTHLY
    )
    unit_price = models.DecimalField(_("unit price"), **PRICE)
    unit = models.CharField(
        _("unit"), max_length=30, blank=True, help_text=_("e.g. 元/m²·月, 元/吨")
    )
    basis = models.CharField(
        _("pricing basis"),
        max_length=300,
        blank=True,
        help_text=_("The contract clause or price approval the standard rests on."),
    )
    applies_to = models.CharField(
        _("applies to"), max_length=12, choices=AppliesTo.choices, default=AppliesTo.ALL
    )
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    tiers = models.JSONField(
        _("tier prices"),
        default=list,
        blank=True,
        help_text=_(
            'Metered items: [{"upto": "20", "price": "3.5000"}, {"upto": null, "price": "5.2500"}]'
        ),
    )
    meter_kind = models.CharField(
        _("meter kind"), max_length=12, choices=MeterKind.choices, blank=True
    )
    pass_through = models.BooleanField(
        _("utility pass-through"),
        default=False,
        help_text=_(
            "Collected for the utility; no handling fee may be added (Property Management Regulations art. 44)."
        ),
    )
    surcharge_rate = models.DecimalField(
        _("handling surcharge rate"), max_digits=6, decimal_places=4, default=Decimal("0")
    )
    due_days = models.PositiveSmallIntegerField(_("due days after period start"), default=30)
    late_daily_rate = models.DecimalField(
        _("late charge per day"),
        max_digits=8,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_(
            "Only when the contract sets one; empty means no late charge (Civil Code art. 585)."
        ),
    )
    late_grace_days = models.PositiveSmallIntegerField(_("grace days"), default=0)
    late_cap_rate = models.DecimalField(
        _("late charge cap (share of principal)"),
        max_digits=6,
        decimal_places=4,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("fee item")
        verbose_name_plural = _("fee items")
        ordering = ["community_id", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="feeitem_price_nonneg"),
            models.CheckConstraint(
                condition=Q(pass_through=False) | Q(surcharge_rate=0),
                name="feeitem_passthrough_no_surcharge",
            ),
        ]
        indexes = [models.Index(fields=["community", "published"], name="feeitem_comm_pub")]

    def __str__(self):
        return self.name

    def standard_text(self):
        until = f"{self.effective_until:%Y-%m-%d}" if self.effective_until else "—"
        return f"{self.unit_price.normalize():f} {self.unit} · {self.basis or '—'} · {self.effective_from:%Y-%m-%d}~{until}"


class VacancyRule(models.Model):
    """空置房收费规则: a discount that only a local regulation or the contract may grant."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    fee_item = models.ForeignKey(
        FeeItem, on_delete=models.PROTECT, related_name="vacancy_rules", verbose_name=_("fee item")
    )
    payable_rate = models.DecimalField(_("share payable"), max_digits=5, decimal_places=4)
    min_days = models.PositiveIntegerField(_("minimum vacancy days"))
    basis = models.CharField(_("legal or contract basis"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("vacancy rule")
        verbose_name_plural = _("vacancy rules")

    def __str__(self):
        return f"{self.fee_item} · {self.payable_rate}"


class VacancyNotice(models.Model):
    """空置申报: the owner's written vacancy notice with a start (and end) date."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="vacancy_notices", verbose_name=_("house")
    )
    rule = models.ForeignKey(
        VacancyRule, on_delete=models.PROTECT, related_name="notices", verbose_name=_("rule")
    )
    notice_date = models.DateField(_("written notice received on"))
    notice_reference = models.CharField(_("notice reference"), max_length=200)
    start = models.DateField(_("vacant from"))
    end = models.DateField(_("vacant until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("vacancy notice")
        verbose_name_plural = _("vacancy notices")
        indexes = [models.Index(fields=["house", "start"], name="vacancy_house_start")]

    def __str__(self):
        return f"{self.house} {self.start}"
