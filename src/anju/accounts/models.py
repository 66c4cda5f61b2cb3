"""Self-service accounts: one-time SMS codes (kept only as a keyed digest) and home claims
(业主认证) that bind a resident's login to a house."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anju.core import attachments
from anju.core.models import Community, House, Occupancy, Organization
from anju.core.scoping import Scope, ScopedManager
from anju.core.states import StateMachine

from .choices import ClaimRelation, ClaimStatus, Purpose

USER = settings.AUTH_USER_MODEL

CLAIM_STATES = StateMachine(
    {
        "approve": ((ClaimStatus.PENDING,), ClaimStatus.APPROVED),
        "reject": ((ClaimStatus.PENDING,), ClaimStatus.REJECTED),
    }
)


class SmsCode(models.Model):
    """One code sent (or, for a phone that may not have one, silently not sent) to a phone."""

    phone = models.CharField(_("phone"), max_length=20, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    digest = models.CharField(max_length=64)
    sent = models.BooleanField(default=True)
    address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SMS code")
        verbose_name_plural = _("SMS codes")
        indexes = [models.Index(fields=["phone", "purpose", "-created_at"], name="smscode_lookup")]

    def __str__(self):
        return f"{self.phone} · {self.purpose}"


class HouseClaim(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="claims", verbose_name=_("house")
    )
    user = models.ForeignKey(
        USER, on_delete=models.CASCADE, related_name="house_claims", verbose_name=_("claimant")
    )
    name = models.CharField(_("Name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    relation = models.CharField(_("relation"), max_length=10, choices=ClaimRelation.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.PENDING
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    occupancy = models.ForeignKey(
        Occupancy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    attachments = attachments.relation()

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", person="user__person")
    machine = CLAIM_STATES
    # The evidence (a deed or lease photo) is read by the claimant and by the staff who review
    # claims of its community, nobody else.
    attachments_view_permission = "accounts.claim.review"

    class Meta:
        verbose_name = _("home claim")
        verbose_name_plural = _("home claims")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "house"],
                condition=Q(status="pending"),
                name="claim_one_pending_per_house",
            )
        ]

    def __str__(self):
        return f"{self.name or self.phone} · {self.house}"

    @classmethod
    def attachments_readable_by(cls, user):
        return cls.objects.visible_to(user, cls.attachments_view_permission) | cls.objects.filter(
            user_id=user.pk
        )
