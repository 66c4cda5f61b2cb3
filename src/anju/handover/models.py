"""交接资料: a package made for a community (export), or received to bring one in (import)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from anju.core.models import Community, Organization, User
from anju.core.scoping import Scope, ScopedManager

from .choices import Direction


class HandoverPackage(models.Model):
    """One package file: written by an export of ``community``, or uploaded to be imported
    into ``organization`` (then ``community`` is the one it created). The file is served only
    through the scoped download view."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
    )
    direction = models.CharField(_("direction"), max_length=6, choices=Direction.choices)
    file = models.FileField(_("file"), upload_to="handover/%Y/%m/", max_length=200)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    id_numbers = models.BooleanField(_("with ID numbers"), default=False)
    manifest = models.JSONField(_("manifest"), default=dict, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("handover package")
        verbose_name_plural = _("handover packages")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "created_at"], name="handover_org_time")]

    def __str__(self):
        return self.name
