"""How Anju writes numbers, money, dates, durations, phone numbers and units for people: one
place, used by the template filters (``core/templatetags/anju.py``, built into every template),
the console's list columns and the Excel exports. UX.md: amounts with ¥ and two decimals,
thousands separators, dates as 2026-11-26 14:30, phones masked as 139****5678."""

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from .crypto import mask_middle

CENT = Decimal("0.01")


def _decimal(value):
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def number(value, places=None):
    """``1234567.5`` → ``1,234,567.5``; ``places`` fixes the decimals (rounded half up). A
    value that is not a number is returned as it came; a missing one as an empty string."""
    amount = _decimal(value)
    if amount is None:
        return "" if value is None else str(value)
    if places is not None:
        amount = amount.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
        return f"{amount:,.{int(places)}f}"
    amount = amount.normalize() if amount == amount.to_integral() else amount
    text = f"{amount:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def money(value, sign=True):
    """``Decimal("693.580000000000")`` → ``¥693.58``; ``-12`` → ``-¥12.00``. Money is Decimal:
    a float is refused (it would be an amount computed the wrong way)."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    amount = _decimal(value)
    if amount is None:
        return "" if value is None else str(value)
    text = number(abs(amount), 2)
    if sign:
        text = f"¥{text}"
    return f"-{text}" if amount < 0 else text


def when(value):
    """A moment in local time as ``2026-11-26 14:30``; a date as ``2026-11-26``."""
    if not value:
        return ""
    if isinstance(value, str):
        parsed = None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        value = parsed
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def day(value):
    if not value:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return value.strftime("%Y-%m-%d") if isinstance(value, date) else str(value)


def clock(value):
    """The time of day, ``14:30``."""
    if not value:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%H:%M")


def soon(value, now=None):
    """A moment near now as people say it: ``今天 14:30`` / ``today 14:30``, ``明天 09:00``,
    else ``2026-12-05 14:30``."""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    today = timezone.localdate(now) if now else timezone.localdate()
    words = {today: _("today"), today + timedelta(days=1): _("tomorrow")}.get(local.date())
    if words is None:
        return when(value)
    return f"{words} {local:%H:%M}"


def duration(value):
    """A span as people say it: ``2小时5分钟`` / ``2 h 5 min``, ``3天4小时`` / ``3 d 4 h``.
    Accepts a timedelta or a number of seconds; negative spans keep their sign."""
    if value is None or value == "":
        return ""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    sign = "-" if seconds < 0 else ""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)d d") % {"n": days})
    if hours:
        parts.append(_("%(n)d h") % {"n": hours})
    if mins and not days:
        parts.append(_("%(n)d min") % {"n": mins})
    if not parts:
        return _("under a minute") if not sign else "-" + _("under a minute")
    joiner = "" if (get_language() or "").startswith("zh") else " "
    return sign + joiner.join(parts)


def phone(value):
    """``13912345678`` → ``139****5678``."""
    if not value:
        return ""
    return mask_middle(str(value))


UNITS = {
    # metric key or unit code -> how the unit is written after a number
    "kwh": "kWh",
    "kw": "kW",
    "m3": "m³",
    "t": pgettext("unit", "t"),
    "c": "°C",
    "celsius": "°C",
    "percent": "%",
    "%": "%",
    "pa": "Pa",
    "kpa": "kPa",
    "mpa": "MPa",
    "m": "m",
    "sqm": "m²",
    "m2": "m²",
    "ppm": "ppm",
    "db": "dB",
    "lux": "lx",
    "v": "V",
    "a": "A",
}


def unit_label(code):
    if not code:
        return ""
    return UNITS.get(str(code).lower(), str(code))


def with_unit(value, code, places=None):
    """``with_unit(12.5, "kwh")`` → ``12.5 kWh``; ``°C`` and ``%`` sit next to the number."""
    text = number(value, places)
    label = unit_label(code)
    if not label or text == "":
        return text
    return f"{text}{label}" if label in ("%", "°C", "m²", "m³") else f"{text} {label}"
