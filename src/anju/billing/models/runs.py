"""Billing runs (计费批次) and their staged lines."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from anju.core.models import Community, House, Organization, Person, User
from anju.core.money import MoneyField
from anju.core.scoping import Scope, ScopedManager
from anju.core.states import StateMachine

from ..choices import RunStatus
from .fees import FeeItem


class BillingRun(models.Model):
    """计费批次: one period and scope, previewed then posted."""

    machine = StateMachine({"post": (("previewed",), "posted"), "preview": (("previewed",), None)})

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    building = models.ForeignKey(
        "core.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    period = models.CharField(_("period"), max_length=7, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.PREVIEWED
    )
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("billing run")
        verbose_name_plural = _("billing runs")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.community} {self.period}"


class RunLine(models.Model):
    """A previewed line of a billing run, staged for posting.

    The preview computes every line once and stages it here; posting turns the staged lines into
    bills and lines with two set-based statements, so what is posted is what was previewed.
    Staged rows are working data, removed when the run is posted (no FK checks: they are written
    100,000s at a time and only ever read back by their run)."""

    run = models.ForeignKey(
        BillingRun, on_delete=models.CASCADE, related_name="staged", db_constraint=False
    )
    house = models.ForeignKey(
        House, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    fee_item = models.ForeignKey(
        FeeItem, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    amount = MoneyField(_("amount"))
    detail = models.JSONField(default=dict)
    due_date = models.DateField()
    payer_kind = models.CharField(max_length=10)
    payer = models.ForeignKey(
        Person,
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    liable = models.ForeignKey(
        Person,
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    payer_name = models.CharField(max_length=200, blank=True)
    line_kind = models.CharField(max_length=8, default="regular")  # BillLine.Kind

    class Meta:
        verbose_name = _("staged run line")
        verbose_name_plural = _("staged run lines")

    def __str__(self):
        return f"{self.run_id} {self.house_id} {self.fee_item_id} {self.amount}"
