"""The vocabulary of self-service accounts: SMS code purposes, home claims and their states."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from anju.core.choices import Relation


class Purpose(models.TextChoices):
    REGISTER = "register", _("Register")
    LOGIN = "login", _("Log in")
    RESET = "reset", _("Reset password")


class ClaimRelation(models.TextChoices):
    OWNER = Relation.OWNER.value, Relation.OWNER.label
    TENANT = Relation.TENANT.value, Relation.TENANT.label
    FAMILY = Relation.FAMILY.value, Relation.FAMILY.label


class MemberRelation(models.TextChoices):
    FAMILY = Relation.FAMILY.value, Relation.FAMILY.label
    TENANT = Relation.TENANT.value, Relation.TENANT.label


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    APPROVED = "approved", _("Bound to the account")
    REJECTED = "rejected", _("Not approved")


OPEN_STATUSES = (ClaimStatus.PENDING,)
