"""The fee calculation at its boundaries, and its properties (hypothesis)."""

import math
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from anju.parking.fees import Rule, quote

TZ = ZoneInfo("Asia/Shanghai")
ENTRY = datetime(2026, 12, 1, 10, 0, tzinfo=TZ)
RULE = Rule(
    free_minutes=30,
    first_hour=Decimal("5.00"),
    per_hour=Decimal("2.00"),
    day_cap=Decimal("30.00"),
    grace_minutes=15,
)
NIGHT = Rule(
    free_minutes=30,
    first_hour=Decimal("5.00"),
    per_hour=Decimal("2.00"),
    day_cap=Decimal("30.00"),
    grace_minutes=15,
    night_from=time(22, 0),
    night_until=time(7, 0),
    night_flat=Decimal("8.00"),
)


def cost(minutes, rule=RULE, **kwargs):
    return quote(rule, ENTRY, ENTRY + timedelta(minutes=minutes), **kwargs).amount


def test_free_minutes_exactly_cost_nothing_one_minute_more_costs_the_first_hour():
    assert cost(0) == 0
    assert cost(30) == 0
    assert quote(RULE, ENTRY, ENTRY + timedelta(minutes=30, seconds=1)).amount == Decimal("5.00")
    assert cost(31) == Decimal("5.00")


def test_started_hours():
    assert cost(60) == Decimal("5.00")
    assert cost(61) == Decimal("7.00")
    assert cost(120) == Decimal("7.00")
    assert cost(121) == Decimal("9.00")
    assert quote(RULE, ENTRY, ENTRY + timedelta(minutes=121)).minutes == 121


def test_each_24_hours_is_capped_and_the_windows_add_up():
    assert cost(24 * 60) == Decimal("30.00")  # 5 + 23*2 = 51, capped
    assert cost(24 * 60 + 1) == Decimal("35.00")  # a new window: its first hour
    assert cost(3 * 24 * 60) == Decimal("90.00")
    assert cost(3 * 24 * 60 + 61) == Decimal("97.00")
    assert cost(12 * 60) == Decimal("27.00")  # 5 + 11*2
    assert cost(13 * 60) == Decimal("29.00")
    assert cost(14 * 60) == Decimal("30.00")  # 31 capped


def test_a_pass_holder_pays_nothing():
    q = quote(RULE, ENTRY, ENTRY + timedelta(days=3), pass_valid=True)
    assert q.amount == 0 and q.minutes == 3 * 24 * 60 and q.explanation


def test_grace_after_paying_then_the_time_since_paying_without_free_minutes():
    paid = ENTRY + timedelta(hours=2)
    assert quote(RULE, ENTRY, paid + timedelta(minutes=15), paid_at=paid).amount == 0
    assert quote(RULE, ENTRY, paid + timedelta(minutes=16), paid_at=paid).amount == Decimal("5.00")
    assert quote(RULE, ENTRY, paid + timedelta(minutes=61), paid_at=paid).amount == Decimal("7.00")


def test_the_night_rate_replaces_the_hours_of_a_night_crossing_midnight():
    evening = datetime(2026, 12, 1, 20, 0, tzinfo=TZ)
    # 20:00-22:00 two day hours (5 + 2), 22:00-07:00 one night (8), 07:00-08:00 one day hour (2)
    q = quote(NIGHT, evening, datetime(2026, 12, 2, 8, 0, tzinfo=TZ))
    assert q.amount == Decimal("17.00")
    assert q.explanation
    # inside the night only: the flat charge
    assert quote(NIGHT, evening.replace(hour=23), evening + timedelta(hours=9)).amount == 8
    # an hour starting at 21:30 is a day hour; the hour from 22:30 is inside the night
    q = quote(NIGHT, evening.replace(minute=30, hour=21), evening.replace(hour=23))
    assert q.amount == Decimal("13.00")  # 21:30 day (5) + 22:30 night (8)
    # an hour starting at 06:30 lies in the night that began the evening before
    early = datetime(2026, 12, 2, 6, 30, tzinfo=TZ)
    assert quote(NIGHT, early, early + timedelta(minutes=90)).amount == Decimal("13.00")


def test_two_nights_are_two_flat_charges_and_the_window_cap_still_applies():
    capped = Rule(**{**NIGHT.__dict__, "day_cap": Decimal("10.00")})
    evening = datetime(2026, 12, 1, 22, 0, tzinfo=TZ)
    # window 1 (22:00-22:00): a night (8) and 15 day hours (5 + 14 * 2) -> capped at 10;
    # window 2 (22:00-07:00): the second night, 8
    stay = quote(capped, evening, evening + timedelta(hours=33))
    assert stay.amount == Decimal("18.00")
    assert [w[:2] for w in stay.windows] == [(15, 1), (0, 1)]
    assert quote(NIGHT, evening, evening + timedelta(hours=33)).amount == Decimal("38.00")


def test_rounding_happens_once():
    odd = Rule(30, Decimal("0.335"), Decimal("0.335"), Decimal("100"))
    assert cost(180, odd) == Decimal("1.01")  # 1.005 -> 1.01, not 0.34 * 3


RULES = st.builds(
    Rule,
    free_minutes=st.integers(0, 120),
    first_hour=st.decimals("0", "50", places=2),
    per_hour=st.decimals("0", "20", places=2),
    day_cap=st.decimals("0", "200", places=2),
    grace_minutes=st.integers(0, 60),
)
NIGHT_RULES = st.builds(
    Rule,
    free_minutes=st.integers(0, 120),
    first_hour=st.decimals("0", "50", places=2),
    per_hour=st.decimals("0", "20", places=2),
    day_cap=st.decimals("0", "200", places=2),
    grace_minutes=st.integers(0, 60),
    night_from=st.sampled_from([time(22), time(23, 30), time(0), time(19)]),
    night_until=st.sampled_from([time(6), time(7, 30), time(8)]),
    night_flat=st.decimals("0", "30", places=2),
)
MINUTES = st.integers(0, 6 * 24 * 60)


@settings(max_examples=150, deadline=None)
@given(rule=st.one_of(RULES, NIGHT_RULES), a=MINUTES, b=MINUTES, start=st.integers(0, 24 * 60))
def test_a_longer_stay_never_costs_less_and_never_negative(rule, a, b, start):
    entry = ENTRY + timedelta(minutes=start)
    short, long = sorted((a, b))
    low = quote(rule, entry, entry + timedelta(minutes=short)).amount
    high = quote(rule, entry, entry + timedelta(minutes=long)).amount
    assert Decimal(0) <= low <= high


@settings(max_examples=150, deadline=None)
@given(rule=RULES, minutes=MINUTES)
def test_never_more_than_the_cap_of_each_started_day(rule, minutes):
    days = math.ceil(minutes / (24 * 60))
    assert cost(minutes, rule) <= days * rule.day_cap


@settings(max_examples=60, deadline=None)
@given(rule=st.one_of(RULES, NIGHT_RULES), paid=MINUTES, a=MINUTES, b=MINUTES)
def test_after_paying_a_later_exit_never_costs_less(rule, paid, a, b):
    paid_at = ENTRY + timedelta(minutes=paid)
    short, long = sorted((a, b))
    low = quote(rule, ENTRY, paid_at + timedelta(minutes=short), paid_at=paid_at).amount
    high = quote(rule, ENTRY, paid_at + timedelta(minutes=long), paid_at=paid_at).amount
    assert Decimal(0) <= low <= high
