from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Matter(models.TextChoices):
    """The nine items of 民法典第二百七十八条第一款, in order."""

    RULES_OF_PROCEDURE = "rules_of_procedure", _("(1) Rules of procedure of the owners' assembly")
    MANAGEMENT_STATUTE = "management_statute", _("(2) Management statute")
    COMMITTEE_ELECTION = "committee_election", _("(3) Electing or replacing the owners' committee")
    HIRE_OR_DISMISS_MANAGER = (
        "hire_or_dismiss_manager",
        _("(4) Hiring or dismissing the property manager"),
    )
    USE_MAINTENANCE_FUND = "use_maintenance_fund", _("(5) Using the maintenance fund")
    RAISE_MAINTENANCE_FUND = "raise_maintenance_fund", _("(6) Raising the maintenance fund")
    REBUILD = "rebuild", _("(7) Rebuilding or reconstructing buildings and facilities")
    CHANGE_COMMON_USE = (
        "change_common_use",
        _("(8) Changing the use of common parts or running a business on them"),
    )
    OTHER_MAJOR = "other_major", _("(9) Other major matters of common ownership and management")


MATTER_ITEM = {code: i + 1 for i, code in enumerate(Matter.values)}


class VoteStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("vote status", "Draft")
    NOTICED = "noticed", pgettext_lazy("vote status", "Notice published")
    OPEN = "open", pgettext_lazy("vote status", "Open")
    CLOSED = "closed", pgettext_lazy("vote status", "Closed")
    CANCELLED = "cancelled", pgettext_lazy("vote status", "Cancelled")


class Choice(models.TextChoices):
    YES = "yes", pgettext_lazy("vote choice", "Yes")
    NO = "no", pgettext_lazy("vote choice", "No")
    ABSTAIN = "abstain", pgettext_lazy("vote choice", "Abstain")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    PAPER = "paper", _("Paper ballot")


class DisclosureStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


DISCLOSURE_SECTIONS = [
    ("service_items", _("Service items")),
    ("responsible_persons", _("Responsible persons")),
    ("quality_requirements", _("Quality requirements")),
    ("fee_items", _("Fee items")),
    ("fee_standards", _("Fee standards")),
    ("performance", _("Performance")),
    ("maintenance_fund", _("Use of the maintenance fund")),
    ("common_income", _("Operation of and income from common parts")),
]


class IncomeKind(models.TextChoices):
    INCOME = "income", _("Income")
    COST = "cost", _("Reasonable cost")


class IncomeCategory(models.TextChoices):
    LIFT_ADS = "lift_ads", _("Lift advertising")
    PARKING = "parking", _("Parking on shared roads")
    VENUE = "venue", _("Venue rental")
    TELECOM = "telecom", _("Telecom equipment sites")
    OTHER = "other", _("Other")


class FundEntryKind(models.TextChoices):
    INITIAL = "initial", _("Initial deposit")
    TOP_UP = "top_up", _("Top-up")
    INCOME = "income", _("From public income")
    INTEREST = "interest", _("Interest")
    DISBURSEMENT = "disbursement", _("Disbursement")
    REVERSAL = "reversal", _("Reversal")


class FundRequestStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    VOTING = "voting", _("Owners voting")
    WORKS = "works", _("Works in progress")
    APPLIED = "applied", _("Application submitted")
    APPROVED = "approved", _("Approved")
    DISBURSED = "disbursed", _("Disbursed")
    REJECTED = "rejected", _("Rejected")


class EmergencyKind(models.TextChoices):
    LIFT = "lift", _("Lift failure")
    ROOF = "roof", _("Roof leak")
    FACADE = "facade", _("Facade danger")
    FIRE = "fire", _("Fire-safety facilities failure")
    OTHER = "other", _("Other emergency")
