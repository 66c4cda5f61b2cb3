"""Numbers of the booking rules that are local practice, not law (UNCONFIRMED): settings, with
these defaults, overridable by ``ANJU_SPACES`` in the settings. A space's own rules (hours, slot,
longest booking, how far ahead, bookings per house) are fields of the space."""

from django.conf import settings

DEFAULTS = {
    # a booker may check in this many minutes before the start
    "checkin_early_minutes": 15,
    # a confirmed booking not checked in this many minutes after its start is a no-show
    "no_show_grace_minutes": 15,
    # a resident may cancel up to this many minutes before the start (staff any time before)
    "cancel_before_minutes": 60,
    # no-shows in the last 30 days after which a house may not book for a while
    "no_show_limit": 3,
}


def setting(name):
    return getattr(settings, "ANJU_SPACES", {}).get(name, DEFAULTS[name])
