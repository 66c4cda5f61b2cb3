"""Legal floors and settings for facilities work (DOMAIN.md §5).

Only rules marked [V] there are floors: a plan looser than a floor is refused, citing the law.
Everything else (fire-equipment checks, patrol gaps, alert lead times) is a setting that a
deployment sets with ``ANJU_FACILITIES_<NAME>`` (anju/domain_settings.py, the README's table).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import AssetCategory, Frequency, MaintenanceKind


@dataclass(frozen=True)
class LegalFloor:
    max_days: int  # the longest allowed interval between two occurrences
    citation: str


# (asset category, kind of work) -> floor. Confirmed [V] in DOMAIN.md §5.
LEGAL_FLOORS = {
    (AssetCategory.ELEVATOR, MaintenanceKind.MAINTENANCE): LegalFloor(
        15,
        _(
            "Special Equipment Safety Supervision Regulations art. 31: a lift is cleaned, lubricated, adjusted and checked at least every 15 days"
        ),
    ),
    (AssetCategory.ELEVATOR, MaintenanceKind.SELF_CHECK): LegalFloor(
        31,
        _(
            "Special Equipment Safety Supervision Regulations art. 27 / Special Equipment Safety Law art. 39: the user self-inspects at least monthly"
        ),
    ),
    (AssetCategory.FIRE_SYSTEM, MaintenanceKind.FULL_TEST): LegalFloor(
        366, _("消防法第16条(三): 对建筑消防设施每年至少进行一次全面检测")
    ),
}

# Longest gap between two occurrences of each frequency (a calendar month can have 31 days).
MAX_INTERVAL_DAYS = {
    Frequency.WEEKLY: 7,
    Frequency.MONTHLY: 31,
    Frequency.QUARTERLY: 92,
    Frequency.YEARLY: 366,
}


def setting(name):
    """The deployment's value of ``ANJU_FACILITIES_<NAME>`` (anju/domain_settings.py)."""
    return getattr(settings, f"ANJU_FACILITIES_{name.upper()}")


def overdue_cutoff(today=None):
    """A maintenance task still to do and due before this day is overdue: today less
    ``overdue_grace_days``."""
    return (today or timezone.localdate()) - timedelta(days=setting("overdue_grace_days"))


def plan_interval_days(frequency, interval):
    if frequency == Frequency.EVERY_N_DAYS:
        return int(interval)
    return MAX_INTERVAL_DAYS[frequency] * max(int(interval or 1), 1)


def floor_for(category, kind):
    return LEGAL_FLOORS.get((category, kind))
