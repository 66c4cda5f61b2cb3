"""The vocabulary of green living: waste categories (fixed codes, names per jurisdiction in the
rule data), inspection grades, pickup appointments, point entries and decoration plans."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class WasteCategory(models.TextChoices):
    """Fixed codes (GB/T 19095-2019's four classes); the name a resident reads is the
    jurisdiction's (``WasteRuleSet.categories``): 厨余垃圾 in Beijing is 湿垃圾 in Shanghai."""

    RECYCLABLE = "recyclable", _("Recyclables")
    HAZARDOUS = "hazardous", _("Hazardous waste")
    FOOD = "food", _("Food waste")
    RESIDUAL = "residual", _("Residual waste")


class Grade(models.TextChoices):
    """A sorting inspection's grade: only ``correct`` counts as correctly sorted."""

    CORRECT = "correct", pgettext_lazy("sorting", "Correctly sorted")
    MINOR = "minor", pgettext_lazy("sorting", "Minor mistakes")
    WRONG = "wrong", pgettext_lazy("sorting", "Not sorted")


class PickupKind(models.TextChoices):
    BULKY = "bulky", _("Bulky waste (furniture, appliances)")
    RENOVATION = "renovation", _("Renovation waste")


class PickupStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", pgettext_lazy("pickup", "Confirmed")
    COLLECTED = "collected", _("Collected")
    CANCELLED = "cancelled", pgettext_lazy("pickup", "Cancelled")


OPEN_PICKUPS = (PickupStatus.REQUESTED, PickupStatus.CONFIRMED)


class EntryKind(models.TextChoices):
    EARN = "earn", _("Earned")
    SPEND = "spend", _("Spent")
    EXPIRE = "expire", _("Expired")


class EarnReason(models.TextChoices):
    """Why a household earned points (the reason code of an ``earn`` entry)."""

    SORTING = "sorting", _("Correct sorting (inspected)")
    EVENT = "event", _("Event attended")
    SURVEY = "survey", _("Survey answered")
    SPACE_LENT = "space_lent", _("Shared space lent")
    OTHER = "other", _("Other")


class SpendReason(models.TextChoices):
    SERVICE = "service", _("Spent on a service")
    GOODS = "goods", _("Exchanged for goods")


class PlanStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed by the calendar")
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", pgettext_lazy("plan", "Cancelled")


OPEN_PLANS = (PlanStatus.PROPOSED, PlanStatus.PLANNED)
