"""The collections ladder's steps (催缴记录)."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from anju.core.models import Community, House, Organization, User
from anju.core.money import MoneyField
from anju.core.scoping import Scope, ScopedManager
from anju.core.states import StateMachine

from ..choices import CollectionKind, CollectionStatus


class CollectionAction(models.Model):
    """催缴记录: one step of the lawful collections ladder for a house's arrears."""

    machine = StateMachine(
        {
            "deliver": (("open",), "delivered"),
            "close": (("open", "delivered"), "closed"),
        }
    )

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="collection_actions", verbose_name=_("house")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CollectionKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=CollectionStatus.choices, default=CollectionStatus.OPEN
    )
    number = models.CharField(_("number"), max_length=32, blank=True)
    amount = MoneyField(_("arrears claimed"), default=Decimal("0"))
    deadline = models.DateField(_("pay by"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    plan = models.JSONField(_("instalments"), default=list, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivery_method = models.CharField(_("delivery method"), max_length=60, blank=True)
    delivery_proof = models.CharField(_("proof of delivery"), max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("collection action")
        verbose_name_plural = _("collection actions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "kind"], name="collect_comm_kind"),
            models.Index(fields=["house", "created_at"], name="collect_house_time"),
        ]

    def __str__(self):
        return f"{self.number or self.pk} {self.get_kind_display()}"
