"""Domain bounds: the values no business means, refused by the services (so API, console
pages and imports agree), each bound a setting (settings.py says which are UNCONFIRMED)."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import refuse


def _decimal(value):
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def problem(value, low, high):
    """The message for ``value`` outside low..high, or None (None and "" pass: not given)."""
    if value is None or value == "":
        return None
    number = _decimal(value)
    if number is None or not number.is_finite() or not (Decimal(low) <= number <= Decimal(high)):
        return _("Enter a value from %(low)s to %(high)s.") % {"low": low, "high": high}
    return None


def within(field, value, low, high, message=None):
    """Refuse ``value`` on ``field`` unless low <= value <= high (None passes: not given)."""
    found = problem(value, low, high)
    if found:
        refuse(field, message or found)
    return value


def floor_problem(value):
    return problem(value, settings.ANJU_FLOOR_MIN, settings.ANJU_FLOOR_MAX)


def area_problem(value):
    return problem(value, settings.ANJU_AREA_MIN_M2, settings.ANJU_AREA_MAX_M2)


def late_daily_rate(value, field="late_daily_rate"):
    high = settings.ANJU_LATE_DAILY_RATE_MAX
    return within(
        field,
        value,
        0,
        high,
        _("A late charge per day is at most %(rate)s (%(percent)s%% a day).")
        % {"rate": high, "percent": Decimal(str(high)) * 100},
    )


def money_problem(value):
    return problem(value, -settings.ANJU_MONEY_MAX, settings.ANJU_MONEY_MAX)


def money(value, field="amount"):
    return within(field, value, -settings.ANJU_MONEY_MAX, settings.ANJU_MONEY_MAX)


def floor(value, field="floor"):
    return within(field, value, settings.ANJU_FLOOR_MIN, settings.ANJU_FLOOR_MAX)


def area(value, field="area"):
    return within(field, value, settings.ANJU_AREA_MIN_M2, settings.ANJU_AREA_MAX_M2)


def temperatures(min_temp, max_temp):
    low, high = settings.ANJU_TEMP_MIN_C, settings.ANJU_TEMP_MAX_C
    within("min_temp", min_temp, low, high)
    within("max_temp", max_temp, low, high)
    if min_temp is not None and max_temp is not None and Decimal(min_temp) > Decimal(max_temp):
        refuse("min_temp", _("The lowest temperature must not be above the highest."))


def vote_window(opens_at, closes_at, now=None):
    """A vote opens at most ANJU_VOTE_MAX_DAYS_AHEAD from now and lasts ANJU_VOTE_MAX_DAYS."""
    now = now or timezone.now()
    ahead = settings.ANJU_VOTE_MAX_DAYS_AHEAD
    if opens_at is not None and opens_at > now + timedelta(days=ahead):
        refuse("opens_at", _("A vote opens at most %(days)s days from now.") % {"days": ahead})
    longest = settings.ANJU_VOTE_MAX_DAYS
    if (
        opens_at is not None
        and closes_at is not None
        and closes_at - opens_at > timedelta(days=longest)
    ):
        refuse("closes_at", _("A vote lasts at most %(days)s days.") % {"days": longest})
