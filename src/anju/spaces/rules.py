"""Numbers of the booking rules that are local practice, not law (UNCONFIRMED): settings, with
these defaults, set by ``ANJU_SPACES_<NAME>`` (anju/domain_settings.py). A space's own rules (hours, slot,
longest booking, how far ahead, bookings per house) are fields of the space."""

from django.conf import settings


def setting(name):
    """The deployment's value of ``ANJU_SPACES_<NAME>`` (anju/domain_settings.py)."""
    return getattr(settings, f"ANJU_SPACES_{name.upper()}")
