from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceLevel(models.IntegerChoices):
    ONE = 1, _("Level 1")
    TWO = 2, _("Level 2")
    THREE = 3, _("Level 3")


class HouseUsage(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential")
    COMMERCIAL = "commercial", _("Commercial")
    PARKING = "parking", _("Parking space")


class AreaSource(models.TextChoices):
    """Priority order of 建筑物区分所有权解释第8条: registry, then survey, then sales contract."""

    REGISTRY = "registry", _("Real-estate registry")
    SURVEY = "survey", _("Survey")
    CONTRACT = "contract", _("Sales contract")


class Relation(models.TextChoices):
    OWNER = "owner", _("Owner")
    CO_OWNER = "co_owner", _("Co-owner")
    TENANT = "tenant", _("Tenant")
    FAMILY = "family", _("Family member")


OWNER_RELATIONS = (Relation.OWNER, Relation.CO_OWNER)


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", _("Company admin")
    MANAGER = "manager", _("Community manager")
    AGENT = "agent", _("Customer-service agent")
    TECHNICIAN = "technician", _("Technician")
    GUARD = "guard", _("Guard")
    CLEANER = "cleaner", _("Cleaner")
    CASHIER = "cashier", _("Cashier")
    FINANCE = "finance", _("Finance")
    COMMITTEE = "committee", _("Owners' committee member")


class ActorType(models.TextChoices):
    USER = "user", _("User")
    TOKEN = "token", _("API token")
    DEVICE = "device", _("Device")
    SYSTEM = "system", _("System")
