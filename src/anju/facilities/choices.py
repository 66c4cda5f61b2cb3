"""Fixed codes of the facilities app; labels are translated, codes never change."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AssetCategory(models.TextChoices):
    ELEVATOR = "elevator", _("Elevator")
    FIRE_SYSTEM = "fire_system", _("Fire protection system")
    EXTINGUISHER = "extinguisher", _("Fire extinguisher")
    HYDRANT = "hydrant", _("Fire hydrant")
    FIRE_ALARM = "fire_alarm", _("Fire alarm")
    WATER_PUMP = "water_pump", _("Water pump")
    POWER = "power", _("Power distribution")
    HVAC = "hvac", _("HVAC")
    CCTV = "cctv", _("CCTV")
    ACCESS_GATE = "access_gate", _("Access gate")
    LIGHTING = "lighting", _("Lighting")
    OTHER = "other", _("Other")


FIRE_EQUIPMENT = (AssetCategory.EXTINGUISHER, AssetCategory.HYDRANT, AssetCategory.FIRE_ALARM)
FIRE_CATEGORIES = (AssetCategory.FIRE_SYSTEM, *FIRE_EQUIPMENT)

# Service-desk ticket category for a fault of an asset of this category.
TICKET_CATEGORY = {
    AssetCategory.ELEVATOR: "elevator",
    AssetCategory.FIRE_SYSTEM: "security",
    AssetCategory.EXTINGUISHER: "security",
    AssetCategory.HYDRANT: "security",
    AssetCategory.FIRE_ALARM: "security",
    AssetCategory.WATER_PUMP: "water",
    AssetCategory.POWER: "electricity",
    AssetCategory.HVAC: "other",
    AssetCategory.CCTV: "security",
    AssetCategory.ACCESS_GATE: "door",
    AssetCategory.LIGHTING: "electricity",
    AssetCategory.OTHER: "other",
}


class AssetStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    FAULTY = "faulty", _("Faulty")
    UNDER_REPAIR = "under_repair", _("Under repair")
    STOPPED = "stopped", _("Stopped (not to be used)")
    RETIRED = "retired", _("Retired")


class CertificateKind(models.TextChoices):
    USE_REGISTRATION = "use_registration", _("Use registration certificate")
    PERIODIC_INSPECTION = "periodic_inspection", _("Periodic inspection certificate")
    FIRE_TEST = "fire_test", _("Fire facilities test report")
    OTHER = "other", _("Other certificate")


class Frequency(models.TextChoices):
    EVERY_N_DAYS = "every_n_days", _("Every N days")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class MaintenanceKind(models.TextChoices):
    MAINTENANCE = "maintenance", _("Routine maintenance")
    SELF_CHECK = "self_check", _("Self-check")
    FULL_TEST = "full_test", _("Full test")
    MONTHLY_CHECK = "monthly_check", _("Equipment check")


class TaskStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    OVERDUE = "overdue", _("Overdue")
    CANCELLED = "cancelled", _("Cancelled")


class TaskResult(models.TextChoices):
    PASSED = "passed", _("All items passed")
    FAILED = "failed", _("Failed items")


class InspectionKind(models.TextChoices):
    """What an inspection route checks, which decides who may walk it."""

    EQUIPMENT = "equipment", _("Equipment inspection")
    CLEANING = "cleaning", _("Cleaning inspection")
    SECURITY = "security", _("Security inspection")


#: Who may be given each kind of work: the staff roles (core.choices.Role values) that fit it.
INSPECTION_ROLES = {
    InspectionKind.EQUIPMENT: ("technician",),
    InspectionKind.CLEANING: ("cleaner",),
    InspectionKind.SECURITY: ("guard",),
}
PATROL_ROLES = ("guard",)


class InspectionStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    OVERDUE = "overdue", _("Overdue")
    MISSED = "missed", _("Missed")


class Timing(models.TextChoices):
    EARLY = "early", _("Early")
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")
    MISSED = "missed", _("Missed")


class ShiftStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    ACTIVE = "active", _("On patrol")
    FINISHED = "finished", _("Finished")


class AlertKind(models.TextChoices):
    MISSED_CHECKPOINT = "missed_checkpoint", _("Missed checkpoint")
    IDLE_GAP = "idle_gap", _("No scan for too long")


class HazardCategory(models.TextChoices):
    FIRE = "fire", _("Fire")
    ELECTRICAL = "electrical", _("Electrical")
    STRUCTURAL = "structural", _("Structural")
    TRAFFIC = "traffic", _("Traffic")
    PUBLIC_ORDER = "public_order", _("Public order")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Minor")
    MEDIUM = "medium", _("Significant")
    HIGH = "high", _("Major")


class HazardStatus(models.TextChoices):
    OPEN = "open", _("Awaiting rectification")
    RECTIFIED = "rectified", _("Rectified, awaiting verification")
    VERIFIED = "verified", _("Verified")
    CLOSED = "closed", _("Closed")


class IncidentKind(models.TextChoices):
    PUBLIC_ORDER = "public_order", _("Public order")
    FIRE = "fire", _("Fire safety")
    ENVIRONMENT = "environment", _("Environmental protection")
    OTHER = "other", _("Other violation")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    STOPPED = "stopped", _("Stopped")
    REPORTED = "reported", _("Reported to the authority")
    ASSISTED = "assisted", _("Assisted the authority")
    CLOSED = "closed", _("Closed")


class IncidentStep(models.TextChoices):
    STOP = "stop", _("Stop")
    REPORT = "report", _("Report to the authority")
    ASSIST = "assist", _("Assist")


class DrillKind(models.TextChoices):
    FIRE_DRILL = "fire_drill", _("Fire drill")
    EVACUATION = "evacuation", _("Evacuation drill")
    ELEVATOR_RESCUE = "elevator_rescue", _("Elevator rescue drill")
    TRAINING = "training", _("Safety training")


class DrillStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", pgettext_lazy("drill status", "Held")
    CANCELLED = "cancelled", _("Cancelled")
