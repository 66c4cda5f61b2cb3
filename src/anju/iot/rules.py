"""IoT numbers that are local practice, not law (UNCONFIRMED): settings, overridable by
``ANJU_IOT``; the alarm rules themselves are data (one table per community, editable)."""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

DEFAULTS = {
    # a device silent this long is offline (an alarm, and a ticket for a technician)
    "offline_after_minutes": 30,
    # readings more than this far in the future are refused (device clocks drift)
    "clock_skew_seconds": 300,
    # the most readings one ingest call takes
    "batch_limit": 5000,
    # a meter's day counts as unusual above this many times the median of the two weeks before
    "usage_spike_factor": 1.5,
}

# The rules a community starts with, per device kind: (metric, operator, threshold, ticket
# category, priority, message). 漏水淹水, 燃气味, 电梯困人 are P1 emergencies (DOMAIN.md §5).
DEFAULT_RULES = {
    "water_leak": [
        ("leak", "eq", Decimal("1"), "water", "P1", _("Water-leak alarm: possible flooding"))
    ],
    "smoke": [
        ("smoke", "eq", Decimal("1"), "security", "P1", _("Smoke alarm: go and check for fire now"))
    ],
    "gas": [
        ("gas_lel", "gte", Decimal("20"), "gas", "P1", _("Gas above the limit: possible gas leak"))
    ],
    "elevator": [
        ("trapped", "eq", Decimal("1"), "elevator", "P1", _("Elevator alarm: people trapped"))
    ],
    "temperature": [
        ("temp_c", "gt", Decimal("40"), "electricity", "P2", _("Equipment room too hot"))
    ],
}


def setting(name):
    return getattr(settings, "ANJU_IOT", {}).get(name, DEFAULTS[name])
