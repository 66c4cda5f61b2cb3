"""The vocabulary of people records: employment, licences, attendance, training, retention."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Employment(models.TextChoices):
    OWN = "own", _("Own staff")
    OUTSOURCED = "outsourced", _("Outsourced (contractor)")


class Position(models.TextChoices):
    MANAGER = "manager", _("Community manager")
    AGENT = "agent", _("Customer service")
    TECHNICIAN = "technician", _("Technician")
    GUARD = "guard", _("Security guard")
    CLEANER = "cleaner", _("Cleaner")
    CASHIER = "cashier", _("Cashier")
    COOK = "cook", _("Canteen cook")
    OTHER = "other", _("Other")


class SeparationReason(models.TextChoices):
    PAY = "pay", _("Pay")
    WORKLOAD = "workload", _("Workload or hours")
    MANAGEMENT = "management", _("Relations with the manager")
    CAREER = "career", _("Career or training")
    FAMILY = "family", _("Family or moving away")
    HEALTH = "health", _("Health")
    DISMISSED = "dismissed", _("Dismissed")
    CONTRACT_END = "contract_end", _("End of contract")
    OTHER = "other", _("Other")


class CertificateKind(models.TextChoices):
    ELECTRICIAN = "electrician", _("Special operations certificate (electrician)")
    LIFT = "lift", _("Special equipment operator certificate (lift)")
    BOILER = "boiler", _("Special equipment operator certificate (boiler)")
    PRESSURE_VESSEL = (
        "pressure_vessel",
        _("Special equipment operator certificate (pressure vessel)"),
    )
    FIRE_OPERATOR = "fire_operator", _("Fire facilities operator")
    SECURITY_GUARD = "security_guard", _("Security guard certificate")
    HEALTH = "health", _("Health certificate (food work)")


class WorkKind(models.TextChoices):
    """The kinds of work a licence requirement applies to (``core.apps.Work.kind``)."""

    TICKET = "servicedesk.ticket", _("Service-desk ticket")
    MAINTENANCE = "facilities.maintenance", _("Maintenance plan")
    INSPECTION = "facilities.inspection", _("Inspection")


class ClockKind(models.TextChoices):
    IN = "in", _("Clock in")
    OUT = "out", _("Clock out")


class ClockMethod(models.TextChoices):
    GEOFENCE = "geofence", _("Location")
    QR = "qr", _("Office QR code")
    CORRECTION = "correction", _("Correction")


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class DayMark(models.TextChoices):
    """How a shift went against the roster."""

    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")
    LEFT_EARLY = "left_early", _("Left early")
    ABSENT = "absent", _("Absent")
    NO_CLOCK_OUT = "no_clock_out", _("No clock-out")
    OVERTIME = "overtime", _("Overtime")


class CourseTopic(models.TextChoices):
    SAFETY = "safety", _("Safety")
    FIRE = "fire", _("Fire safety")
    ETIQUETTE = "etiquette", _("Etiquette and customer talk")
    SKILLS = "skills", _("Professional skills")


class SuggestionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    DECLINED = "declined", _("Answered, not adopted")
    ADOPTED = "adopted", _("Adopted, in progress")
    DONE = "done", _("Done")


OPEN_SUGGESTIONS = (SuggestionStatus.SUBMITTED, SuggestionStatus.ADOPTED)


# 入司教育: what every new hire is taken through, ticked off by the manager.
ONBOARDING_ITEMS = (
    ("company", _("The company and its rules")),
    ("duties", _("Duties of the position")),
    ("safety", _("Safety at work")),
    ("service", _("Customer service")),
)
