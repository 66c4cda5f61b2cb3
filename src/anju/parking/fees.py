"""The temporary parking fee (临停收费): a pure function of a lot's fee rule and the times.

The rules, exactly:

- A valid pass holder (月卡) pays nothing in its lot.
- A stay of at most ``free_minutes`` costs nothing. A longer one is cut into 24-hour windows
  from its entry (the last one shorter). In each window the first started hour costs
  ``first_hour`` and each further started hour ``per_hour``; a window costs at most
  ``day_cap``. The stay costs the sum of its windows.
- After paying, leaving within ``grace_minutes`` of the payment costs nothing more; leaving
  later pays the time since the payment by the same rules, without free minutes.
- A night rate (``night_from`` to ``night_until``, which may cross midnight, and
  ``night_flat``) replaces the hourly charge of the hours inside the night by one flat charge
  per night. **A started hour belongs to the period in which it starts**: an hour starting at
  21:30 with the night from 22:00 is a day hour (charged hourly), one starting at 06:30 with
  the night until 07:00 is a night hour (covered by the flat charge). The first *day* hour of
  a window is the one charged ``first_hour``. Each night is charged once, in the window in
  which its first started hour falls, and that window's ``day_cap`` still applies to it.

Amounts are Decimal; the total is rounded once, half up, to the fen (core.money).
Times are aware datetimes; the night is read in the local time zone (settings.TIME_ZONE).
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.money import ZERO, quantize, to_decimal

HOUR = timedelta(hours=1)
WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Rule:
    """The numbers of a fee rule (a FeeRule row has the same attributes)."""

    free_minutes: int
    first_hour: Decimal
    per_hour: Decimal
    day_cap: Decimal
    grace_minutes: int = 15
    night_from: time | None = None
    night_until: time | None = None
    night_flat: Decimal | None = None


@dataclass
class Quote:
    amount: Decimal
    minutes: int
    explanation: str
    windows: list = field(default_factory=list)  # (day hours, nights, charge, capped)


def _minutes(delta: timedelta) -> int:
    """Whole started minutes of ``delta`` (0 for none)."""
    return max(0, math.ceil(delta.total_seconds() / 60))


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def night_of(rule, moment: datetime) -> date | None:
    """The night (the date it begins) that ``moment`` lies in, or None outside the night."""
    if not has_night(rule):
        return None
    local = _local(moment)
    start, end, clock = rule.night_from, rule.night_until, local.time()
    if start < end:
        return local.date() if start <= clock < end else None
    if clock >= start:
        return local.date()
    if clock < end:
        return local.date() - timedelta(days=1)
    return None


def has_night(rule) -> bool:
    return (
        rule.night_from is not None
        and rule.night_until is not None
        and rule.night_flat is not None
        and rule.night_from != rule.night_until
    )


def _charge_span(rule, start: datetime, end: datetime):
    """The raw (unrounded) charge of ``start``..``end`` by windows, and the windows' lines."""
    total, windows, nights_charged = Decimal(0), [], set()
    first_hour, per_hour = to_decimal(rule.first_hour), to_decimal(rule.per_hour)
    cap = to_decimal(rule.day_cap)
    flat = to_decimal(rule.night_flat) if has_night(rule) else None
    window_start = start
    while window_start < end:
        window_end = min(window_start + WINDOW, end)
        day_hours, nights = 0, 0
        hour_start = window_start
        while hour_start < window_end:
            night = night_of(rule, hour_start) if flat is not None else None
            if night is None:
                day_hours += 1
            elif night not in nights_charged:
                nights_charged.add(night)
                nights += 1
            hour_start += HOUR
        charge = Decimal(0)
        if day_hours:
            charge += first_hour + per_hour * (day_hours - 1)
        if nights:
            charge += flat * nights
        capped = charge > cap
        charge = min(charge, cap)
        windows.append((day_hours, nights, charge, capped))
        total += charge
        window_start = window_end
    return total, windows


def _explain(minutes, windows, rule) -> str:
    parts = []
    for index, (day_hours, nights, charge, capped) in enumerate(windows, start=1):
        bits = []
        if day_hours:
            bits.append(_("%(n)s started hour(s)") % {"n": day_hours})
        if nights:
            bits.append(_("%(n)s night(s) at the flat rate") % {"n": nights})
        line = _("day %(day)s: %(what)s, ¥%(amount)s") % {
            "day": index,
            "what": ", ".join(bits),
            "amount": quantize(charge),
        }
        if capped:
            line += " " + _("(the cap of ¥%(cap)s per 24 hours)") % {"cap": quantize(rule.day_cap)}
        parts.append(line)
    return _("%(minutes)s minutes: %(days)s") % {"minutes": minutes, "days": "; ".join(parts)}


def quote(rule, entered_at, exit_at, *, paid_at=None, pass_valid=False) -> Quote:
    """What a stay from ``entered_at`` to ``exit_at`` still costs (see the module's rules);
    ``paid_at`` is the time of the last payment, ``pass_valid`` whether a pass covers it."""
    minutes = _minutes(exit_at - entered_at)
    if pass_valid:
        return Quote(ZERO, minutes, _("A valid monthly pass: no charge."))
    if paid_at is not None:
        since = exit_at - paid_at
        if since <= timedelta(minutes=rule.grace_minutes):
            return Quote(
                ZERO,
                minutes,
                _("Paid; leaving within %(n)s minutes of paying costs nothing more.")
                % {"n": rule.grace_minutes},
            )
        total, windows = _charge_span(rule, paid_at, exit_at)
        explanation = _("Since paying, %(rest)s") % {
            "rest": _explain(_minutes(since), windows, rule)
        }
        return Quote(quantize(total), minutes, explanation, windows)
    if exit_at - entered_at <= timedelta(minutes=rule.free_minutes):
        return Quote(
            ZERO,
            minutes,
            _("Within the %(n)s free minutes: no charge.") % {"n": rule.free_minutes},
        )
    total, windows = _charge_span(rule, entered_at, exit_at)
    return Quote(quantize(total), minutes, _explain(minutes, windows, rule), windows)
