"""IoT numbers that are local practice, not law (UNCONFIRMED): settings, overridable by
``ANJU_IOT_<NAME>`` (anju/domain_settings.py); the alarm rules themselves are data (one table per community, editable)."""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

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
    """The deployment's value of ``ANJU_IOT_<NAME>`` (anju/domain_settings.py)."""
    return getattr(settings, f"ANJU_IOT_{name.upper()}")
