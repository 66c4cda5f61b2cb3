"""Invariants of the billing arithmetic, with hypothesis."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from anju.billing import calc
from anju.core.money import allocate, quantize

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)
areas = st.lists(
    st.decimals(min_value=Decimal("1.00"), max_value=Decimal("500.00"), places=2),
    min_size=1,
    max_size=40,
)


@given(total=money, weights=areas, data=st.data())
def test_shared_shares_add_up_exactly(total, weights, data):
    rem = data.draw(st.integers(min_value=0, max_value=len(weights) - 1))
    shares = allocate(total, weights, remainder_index=rem)
    assert sum(shares) == total
    assert all(s == s.quantize(Decimal("0.01")) for s in shares)
    # only the designated line differs from its own rounded share
    for i, (s, w) in enumerate(zip(shares, weights, strict=True)):
        if i != rem:
            assert s == quantize(total * w / sum(weights))


@given(amount=money, debts=st.lists(money, max_size=20))
def test_allocations_add_up_to_payment_and_never_overpay(amount, debts):
    applied, left = calc.allocate_oldest_first(amount, list(enumerate(debts)))
    assert sum(a for _k, a in applied) + left == amount
    assert left >= 0
    for key, a in applied:
        assert 0 < a <= debts[key]
    # oldest first: every debt before the last touched one is fully paid
    if applied:
        last = applied[-1][0]
        assert all(a == debts[k] for k, a in applied[:-1])
        assert [k for k, _a in applied] == [k for k in range(last + 1) if debts[k] > 0]


@settings(max_examples=200)
@given(
    year=st.integers(2000, 2100),
    month=st.integers(1, 12),
    start_day=st.integers(1, 31),
    price=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99.9999"), places=4),
    area=st.decimals(min_value=Decimal("1.00"), max_value=Decimal("999.99"), places=2),
)
def test_proration_on_boundary_dates(year, month, start_day, price, area):
    p = calc.parse_period(f"{year}-{month:02d}")
    start = min(p.start + timedelta(days=start_day - 1), p.end + timedelta(days=1))
    days = calc.billed_days(p, start)
    assert 0 <= days <= p.days
    full = price * area
    amount = calc.prorate(full, days, p.days)
    assert amount == quantize(full * days / p.days)
    assert Decimal(0) <= amount <= quantize(full)
    if start == p.start:
        assert amount == quantize(full)
    if start > p.end:
        assert amount == 0
    # billing from the first day and from the day after the last day cover the whole range
    assert calc.billed_days(p, p.start) == p.days and calc.billed_days(p, p.end) == 1


def test_round_half_up_once_per_line():
    p = calc.parse_period("2027-02")
    assert calc.prorate(Decimal("0.05"), 14, 28) == Decimal("0.03")  # 0.025 -> 0.03, half up
    assert calc.prorate(Decimal("100.005"), 28, 28) == Decimal("100.01")
    assert p.days == 28 and calc.parse_period("2028-02").days == 29
    assert calc.parse_period("2027-Q4").start == date(2027, 10, 1)
    assert calc.parse_period("2027").days == 365


def test_tiers():
    tiers = [
        {"upto": "10", "price": "3.00"},
        {"upto": "20", "price": "4.50"},
        {"upto": None, "price": "9.00"},
    ]
    amount, parts = calc.tiered_amount(Decimal("25"), tiers, Decimal("3"))
    assert amount == Decimal("30.00") + Decimal("45.00") + Decimal("45.00")
    assert [p[0] for p in parts] == ["10", "10", "5"]
    assert calc.tiered_amount(Decimal("3.333"), [], Decimal("1.5"))[0] == Decimal("5.00")


@given(
    principal=money,
    pays=st.lists(st.tuples(st.integers(0, 120), money), max_size=5),
    rate=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("0.001"), places=6),
)
def test_late_interest_bounded_and_monotonic(principal, pays, rate):
    start = date(2027, 2, 1)
    payments = [(start + timedelta(days=d), a) for d, a in pays]
    a = calc.late_interest(principal, start, date(2027, 4, 1), rate, payments)
    b = calc.late_interest(principal, start, date(2027, 6, 1), rate, payments)
    assert Decimal(0) <= a <= b
    assert a <= quantize(principal * rate * 60)
    capped = calc.late_interest(principal, start, date(2027, 6, 1), rate, payments, Decimal("0.05"))
    assert capped <= quantize(principal * Decimal("0.05"))


def test_late_interest_with_partial_payments():
    start = date(2027, 3, 1)
    rate = Decimal("0.0005")
    # 1000 owed for 10 days, then 400 for 10 days (paid 600 on day 11), then fully paid on day 21
    payments = [(date(2027, 3, 11), Decimal("600")), (date(2027, 3, 21), Decimal("400"))]
    got = calc.late_interest(Decimal("1000"), start, date(2027, 4, 30), rate, payments)
    assert got == quantize(Decimal("1000") * rate * 10 + Decimal("400") * rate * 10)
    assert calc.late_interest(Decimal("1000"), start, date(2027, 2, 28), rate, []) == 0
