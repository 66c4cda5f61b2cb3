"""Vocabularies of the service desk: kinds, categories, channels, priorities, statuses."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Kind(models.TextChoices):
    REPAIR = "repair", _("Repair")
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    INQUIRY = "inquiry", _("Inquiry")
    PRAISE = "praise", _("Praise")


# Readable number prefix per kind: 报修 / 投诉 / 建议 / 咨询 / 表扬.
NUMBER_PREFIX = {
    Kind.REPAIR: "BX",
    Kind.COMPLAINT: "TS",
    Kind.SUGGESTION: "JY",
    Kind.INQUIRY: "ZX",
    Kind.PRAISE: "BY",
}


class Category(models.TextChoices):
    WATER = "water", _("Water")
    ELECTRICITY = "electricity", _("Electricity")
    GAS = "gas", _("Gas smell")
    ELEVATOR = "elevator", _("Elevator")
    DOOR = "door", _("Door / access")
    ROOF_LEAK = "roof_leak", _("Roof / leak")
    CLEANING = "cleaning", _("Cleaning")
    GREENING = "greening", _("Greening")
    NOISE = "noise", _("Noise")
    PARKING = "parking", _("Parking")
    SECURITY = "security", _("Security")
    NEIGHBOUR = "neighbour", _("Neighbour")
    FEES = "fees", _("Fees")
    # 有偿服务: a resident's paid order (anju.life), worked as a repair with the same SLA.
    HOME_SERVICE = "home_service", _("Paid home service")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    PORTAL = "portal", _("Resident portal / app")
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("Walk-in")
    STAFF = "staff", _("Found by staff")
    SYSTEM = "system", _("System")


class Priority(models.TextChoices):
    P1 = "P1", _("P1 emergency")
    P2 = "P2", _("P2 urgent")
    P3 = "P3", _("P3 normal")
    P4 = "P4", _("P4 low")


PRIORITY_ORDER = ["P1", "P2", "P3", "P4"]


class Urgency(models.TextChoices):
    """The intake's urgency/impact choice; with the category it gives the priority."""

    EMERGENCY = "emergency", _("Emergency: danger to people or property now")
    HIGH = "high", _("High: affects many households or a basic need")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low: can wait")


class Skill(models.TextChoices):
    PLUMBING = "plumbing", _("Plumbing")
    ELECTRICAL = "electrical", _("Electrical")
    GAS = "gas", _("Gas")
    ELEVATOR = "elevator", _("Elevator")
    CARPENTRY = "carpentry", _("Doors and locks")
    BUILDING = "building", _("Building repair")
    CLEANING = "cleaning", _("Cleaning")
    GREENING = "greening", _("Greening")
    SECURITY = "security", _("Security")
    SERVICE = "service", _("Customer service")


class Status(models.TextChoices):
    NEW = "new", pgettext_lazy("ticket status", "New")
    ASSIGNED = "assigned", pgettext_lazy("ticket status", "Assigned")
    ACCEPTED = "accepted", pgettext_lazy("ticket status", "Accepted")
    IN_PROGRESS = "in_progress", pgettext_lazy("ticket status", "On site")
    WAITING = "waiting", pgettext_lazy("ticket status", "Waiting for resident")
    RESOLVED = "resolved", pgettext_lazy("ticket status", "Resolved")
    CONFIRMED = "confirmed", pgettext_lazy("ticket status", "Confirmed")
    CLOSED = "closed", pgettext_lazy("ticket status", "Closed")
    CANCELLED = "cancelled", pgettext_lazy("ticket status", "Cancelled")


OPEN_STATUSES = ("new", "assigned", "accepted", "in_progress", "waiting")
ACTIVE_STATUSES = OPEN_STATUSES + ("resolved", "confirmed")
# Open with the SLA clock running: waiting for the resident pauses it (resuming moves the due
# times by the pause), so a waiting ticket is neither overdue nor escalated.
RUNNING_STATUSES = tuple(s for s in OPEN_STATUSES if s != "waiting")


class ReturnVisitOutcome(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    UNHAPPY_REOPEN = "reopen", _("Unhappy: reopen the ticket")
    UNHAPPY_COMPLAINT = "complaint", _("Unhappy: open a complaint")
    UNREACHABLE = "unreachable", _("Could not reach the resident")


class WorkItemKind(models.TextChoices):
    MATERIAL = "material", _("Material")
    LABOUR = "labour", _("Labour")


class DutyRole(models.TextChoices):
    AGENT = "agent", _("Customer-service agent")
    TECHNICIAN = "technician", _("Technician")
    MANAGER = "manager", _("Manager on duty")
