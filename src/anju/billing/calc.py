"""Pure billing arithmetic: periods, proration, tiers, late charges and payment allocation.

No database here, so the invariants are easy to test with hypothesis. Every amount that leaves
this module is rounded once, ROUND_HALF_UP to the fen (anju.core.money.quantize).
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from anju.core.errors import DomainError
from anju.core.money import ZERO, quantize

PERIOD_RE = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})|-Q(?P<quarter>[1-4]))?$")


@dataclass(frozen=True)
class Period:
    key: str
    start: date
    end: date
    cycle: str

    @property
    def days(self):
        return (self.end - self.start).days + 1

    @property
    def months(self):
        return {"monthly": 1, "quarterly": 3, "yearly": 12}[self.cycle]


def parse_period(value: str) -> Period:
    """ "2027-01" (month), "2027-Q1" (quarter) or "2027" (year)."""
    match = PERIOD_RE.match(str(value or "").strip())
    message = _("Enter the period as 2027-01 (month), 2027-Q1 (quarter) or 2027 (year).")
    if not match:
        raise DomainError(message, fields={"period": [message]})
    year = int(match["year"])
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise DomainError(message, fields={"period": [message]})
        return Period(
            f"{year}-{month:02d}",
            date(year, month, 1),
            date(year, month, calendar.monthrange(year, month)[1]),
            "monthly",
        )
    if match["quarter"]:
        q = int(match["quarter"])
        start = date(year, 3 * q - 2, 1)
        end_month = 3 * q
        return Period(
            f"{year}-Q{q}",
            start,
            date(year, end_month, calendar.monthrange(year, end_month)[1]),
            "quarterly",
        )
    return Period(f"{year}", date(year, 1, 1), date(year, 12, 31), "yearly")


def period_of(day: date) -> str:
    return f"{day:%Y-%m}"


def billed_days(period: Period, starts: date | None = None, ends: date | None = None) -> int:
    """Days of ``period`` inside [starts, ends] (either open). Zero if none."""
    first = max(period.start, starts) if starts else period.start
    last = min(period.end, ends) if ends else period.end
    return max((last - first).days + 1, 0)


def prorate(full: Decimal, days: int, period_days: int) -> Decimal:
    """The period's full amount scaled by days served; rounded once."""
    if days >= period_days:
        return quantize(full)
    return quantize(Decimal(full) * days / period_days)


def tiered_amount(usage: Decimal, tiers: list, flat_price: Decimal):
    """Amount for ``usage`` with cumulative tiers [{"upto": "20", "price": "3.5"}, {"upto": None, ...}].
    Returns (amount rounded once, [(quantity, price, subtotal)])."""
    usage = Decimal(usage)
    if not tiers:
        return quantize(usage * Decimal(flat_price)), [
            (str(usage), str(flat_price), str(usage * Decimal(flat_price)))
        ]
    remaining, lower, parts, exact = usage, Decimal(0), [], Decimal(0)
    for tier in tiers:
        upto = Decimal(str(tier["upto"])) if tier.get("upto") not in (None, "") else None
        price = Decimal(str(tier["price"]))
        qty = remaining if upto is None else min(remaining, max(upto - lower, Decimal(0)))
        if qty > 0:
            parts.append((str(qty), str(price), str(qty * price)))
            exact += qty * price
            remaining -= qty
        if upto is not None:
            lower = upto
        if remaining <= 0:
            break
    if remaining > 0:  # no open-ended last tier: the last price goes on
        price = Decimal(str(tiers[-1]["price"]))
        parts.append((str(remaining), str(price), str(remaining * price)))
        exact += remaining * price
    return quantize(exact), parts


def late_interest(
    principal: Decimal,
    start: date,
    as_of: date,
    rate: Decimal,
    payments: list,
    cap_rate: Decimal | None = None,
) -> Decimal:
    """Simple interest on the unpaid principal from ``start`` (first day charged) to ``as_of``.
    ``payments`` are (day, amount) reducing the principal from that day on (a payment on day d
    stops interest for day d). Capped at ``cap_rate`` × principal. Rounded once."""
    if as_of < start or not rate:
        return ZERO
    events = sorted((d, Decimal(a)) for d, a in payments)
    owed = Decimal(principal)
    for d, amount in events:
        if d <= start:
            owed -= amount
    total = Decimal(0)
    cursor = start
    for d, amount in events:
        if d <= start:
            continue
        if d > as_of:
            break
        days = (d - cursor).days
        if owed > 0 and days > 0:
            total += owed * Decimal(rate) * days
        owed -= amount
        cursor = d
    days = (as_of - cursor).days + 1
    if owed > 0 and days > 0:
        total += owed * Decimal(rate) * days
    if cap_rate is not None:
        total = min(total, Decimal(principal) * Decimal(cap_rate))
    return quantize(max(total, Decimal(0)))


def late_start(due_date: date, grace_days: int) -> date:
    return due_date + timedelta(days=grace_days + 1)


def allocate_oldest_first(amount: Decimal, debts: list[tuple[object, Decimal]]):
    """Split ``amount`` over ``debts`` [(key, open amount)] in the given (oldest-first) order.
    Returns ([(key, applied)], leftover). Applied amounts never exceed what is open."""
    left = quantize(amount)
    applied = []
    for key, open_amount in debts:
        if left <= 0:
            break
        take = min(left, open_amount)
        if take > 0:
            applied.append((key, take))
            left -= take
    return applied, left
