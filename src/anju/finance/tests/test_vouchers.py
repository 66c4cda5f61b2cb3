"""Accounting vouchers: every voucher balances for every event kind (hypothesis over random
events and over random days of activity), VAT separated per fee item, the chart's overrides,
the 金蝶 and 用友 workbooks, the API."""

import contextlib
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from openpyxl import load_workbook
from rest_framework.test import APIClient

from anju.billing import selectors as billing_selectors
from anju.billing import services as billing
from anju.billing.choices import Method
from anju.core.errors import DomainError
from anju.finance import services
from anju.governance import services as governance

amounts = st.decimals(min_value="0.01", max_value="99999.99", places=2)
days = st.dates(min_value=date(2026, 11, 1), max_value=date(2026, 12, 31))
rates = st.one_of(st.none(), st.sampled_from([Decimal("0"), Decimal("0.06"), Decimal("0.09")]))
items = st.sampled_from(["物业服务费", "垃圾清运费", "停车费"])
event = st.one_of(
    st.builds(
        lambda d, i, a: {"day": d, "kind": "bills", "fee_item": i, "amount": a},
        days,
        items,
        amounts,
    ),
    st.builds(
        lambda d, m, a, w: {
            "day": d,
            "kind": "payment",
            "method": m,
            "amount": a + w,
            "to_wallet": w,
        },
        days,
        st.sampled_from(["cash", "bank", "pos", "wechat", "alipay"]),
        amounts,
        st.one_of(st.just(Decimal("0.00")), amounts),
    ),
    st.builds(lambda d, a: {"day": d, "kind": "prepayment_used", "amount": -a}, days, amounts),
    st.builds(
        lambda d, i, a: {"day": d, "kind": "credit", "fee_item": i, "amount": a},
        days,
        items,
        amounts,
    ),
    st.builds(lambda d, a: {"day": d, "kind": "credit", "amount": a}, days, amounts),
    st.builds(lambda d, a: {"day": d, "kind": "refund", "amount": -a}, days, amounts),
    st.builds(
        lambda d, a, sign, m: {"day": d, "kind": "deposit", "amount": a * sign, "method": m},
        days,
        amounts,
        st.sampled_from([1, -1]),
        st.sampled_from(["cash", "bank", "pos"]),
    ),
    st.builds(
        lambda d, a, inc, c: {
            "day": d,
            "kind": "public_income",
            "amount": a,
            "income": inc,
            "category": c,
        },
        days,
        st.one_of(amounts, amounts.map(lambda a: -a)),
        st.booleans(),
        st.sampled_from(["lift_ads", "parking", "other"]),
    ),
)


def _chart(revenue_rate, item_rate):
    chart = {role: (code, name, None) for role, (code, name) in services.DEFAULT_CHART.items()}
    chart["revenue"] = ("6001", "主营业务收入", revenue_rate)
    chart["revenue:停车费"] = ("6001.02", "停车收入", item_rate)
    return chart


@hsettings(max_examples=300, deadline=None)
@given(st.lists(event, max_size=40), rates, rates, st.sampled_from(["day", "month"]))
def test_every_voucher_balances_for_any_mix_of_events(events, revenue_rate, item_rate, grain):
    chart = _chart(revenue_rate, item_rate)
    vouchers = services.compose(events, chart, grain)
    for v in vouchers:
        assert v.debit == v.credit, (v.kind, v.entries)
        assert all(role in chart for _s, role, _d, _c in v.entries)
    # Each voucher is one kind and one day (or month); money in equals money booked.
    keys = [(v.day, v.kind) for v in vouchers]
    assert len(keys) == len(set(keys))
    billed = sum((e["amount"] for e in events if e["kind"] == "bills"), Decimal(0))
    receivable = sum(
        (
            d
            for v in vouchers
            if v.kind == "bills"
            for _s, r, d, _c in v.entries
            if r == "receivable"
        ),
        Decimal(0),
    )
    assert billed == receivable


@given(amounts, st.sampled_from([Decimal("0.06"), Decimal("0.09"), Decimal("0.13")]))
def test_price_and_tax_add_up_to_the_amount(gross, rate):
    net, tax = services.vat_split(gross, rate)
    assert net + tax == gross
    assert abs(net * rate - tax) <= Decimal("0.01")


@pytest.mark.django_db
def test_property_services_carry_six_per_cent_by_default(world):
    chart = services.chart_of(world.org.pk)
    assert chart["revenue"][2] == Decimal("0.06")
    net, tax = services.vat_split(Decimal("106.00"), chart["revenue"][2])
    assert (net, tax) == (Decimal("100.00"), Decimal("6.00"))


@pytest.fixture
def money_world(world, fee):
    finance = world.users["org_admin"]
    item = billing.create_fee_item(
        actor=finance,
        community=world.community,
        name="维修服务费",
        method=Method.ONE_OFF,
        unit_price="0",
        unit="",
        basis="有偿服务价目表",
        effective_from=date(2026, 1, 1),
        published=True,
    )
    return finance, item


def _activity(world, finance, item, plan):
    """One day of activity through the services, as ``plan`` draws it."""
    houses = world.houses[:3]
    for step, house_index, amount in plan:
        with contextlib.suppress(DomainError):  # a step the state refuses (over the cap ...)
            _step(world, finance, item, houses[house_index], step, amount)


def _step(world, finance, item, house, step, amount):
    if step == "charge":
        billing.add_one_off_charge(
            actor=finance, house=house, fee_item=item, amount=amount, description="维修"
        )
    elif step in ("cash", "bank", "pos"):
        billing.record_payment(actor=finance, house=house, amount=amount, method=step)
    elif step == "credit":
        line = house.bills.filter(status="open").first()
        line = line and line.lines.first()
        if line is not None:
            billing.issue_credit_note(
                actor=finance, line=line, amount=min(amount, line.amount), reason="调整"
            )
    elif step == "refund":
        balance = billing_selectors.wallet_balances([house.pk]).get(house.pk, Decimal(0))
        if balance > 0:
            billing.refund_prepayment(
                actor=finance, house=house, amount=min(balance, amount), reason="退房"
            )
    elif step == "deposit":
        deposit = services.record_deposit(
            actor=finance, house=house, description="装修押金", amount=amount
        )
        if amount > 100:
            services.return_deposit(actor=finance, deposit=deposit)
    elif step == "income":
        governance.record_income(
            actor=finance,
            community=world.community,
            kind="income",
            category="lift_ads",
            amount=amount,
            occurred_on=timezone.localdate(),
            description="电梯广告",
        )


plans = st.lists(
    st.tuples(
        st.sampled_from(["charge", "cash", "bank", "pos", "credit", "refund", "deposit", "income"]),
        st.integers(0, 2),
        st.decimals(min_value="1", max_value="900", places=2),
    ),
    min_size=1,
    max_size=10,
)


@pytest.mark.django_db
@hsettings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans)
def test_vouchers_of_random_days_of_activity_balance(world, money_world, plan):
    finance, item = money_world
    with transaction.atomic():
        _activity(world, finance, item, plan)
        today = timezone.localdate()
        vouchers = services.vouchers_for(world.community, today, today)
        assert all(v.balanced for v in vouchers)
        billed = sum((b.total for h in world.houses for b in h.bills.all()), Decimal(0))
        receivable = sum(
            (
                d
                for v in vouchers
                if v.kind == "bills"
                for _s, r, d, _c in v.entries
                if r == "receivable"
            ),
            Decimal(0),
        )
        assert receivable == billed
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_every_event_kind_books_and_exports_in_both_layouts(world, money_world):
    finance, item = money_world
    plan = [
        ("charge", 0, Decimal("318.00")),
        ("cash", 0, Decimal("100.00")),
        ("bank", 1, Decimal("50.00")),
        ("refund", 1, Decimal("5.00")),
        ("charge", 1, Decimal("60.00")),
        ("credit", 0, Decimal("10.00")),
        ("deposit", 2, Decimal("500.00")),
        ("income", 0, Decimal("800.00")),
    ]
    _activity(world, finance, item, plan)
    services.set_account(
        actor=finance,
        organization=world.org,
        key="revenue:维修服务费",
        code="6051.01",
        name="其他业务收入-有偿服务",
        vat_rate="0.06",
    )
    today = timezone.localdate()
    vouchers = services.vouchers_for(world.community, today, today)
    kinds = {v.kind for v in vouchers}
    assert kinds == {
        "bills",
        "payment",
        "prepayment_used",
        "credit",
        "refund",
        "deposit",
        "public_income",
    }
    bills = next(v for v in vouchers if v.kind == "bills")
    roles = {role: (debit, credit) for _s, role, debit, credit in bills.entries}
    assert roles["revenue:维修服务费"][1] + roles["output_vat"][1] == Decimal("378.00")
    assert roles["output_vat"][1] == Decimal("21.40")  # 378 / 1.06 = 356.60 net
    client = APIClient()
    client.force_authenticate(world.users["finance"])
    for layout, debit_header in (("kingdee", "借方金额"), ("yonyou", "借方金额")):
        answer = client.get(
            "/api/v1/vouchers/",
            {"community": world.community.pk, "from": today, "to": today, "format": layout},
        )
        assert answer.status_code == 200, answer.content
        ws = load_workbook(BytesIO(answer.content)).active
        header = [c.value for c in ws[1]]
        assert header == [h for h, _k in services.LAYOUTS[layout]["columns"]]
        debit_col, credit_col = header.index(debit_header), header.index("贷方金额")
        number_col = header.index("凭证号" if layout == "kingdee" else "凭证编号")
        totals = {}
        for row in ws.iter_rows(min_row=2, values_only=True):
            d, c = totals.get(row[number_col], (Decimal(0), Decimal(0)))
            totals[row[number_col]] = (
                d + Decimal(str(row[debit_col] or 0)),
                c + Decimal(str(row[credit_col] or 0)),
            )
        assert len(totals) == len(vouchers)
        assert all(d == c for d, c in totals.values())
    listed = client.get(
        "/api/v1/vouchers/", {"community": world.community.pk, "from": today, "to": today}
    )
    assert listed.status_code == 200
    assert all(v["debit"] == v["credit"] for v in listed.json())
    month = client.get(
        "/api/v1/vouchers/",
        {
            "community": world.community.pk,
            "from": today - timedelta(days=3),
            "to": today,
            "grain": "month",
        },
    )
    assert month.status_code == 200 and month.json()


@pytest.mark.django_db
def test_the_voucher_api_refuses_bad_input_and_other_scopes(world):
    client = APIClient()
    client.force_authenticate(world.users["finance"])
    assert client.get("/api/v1/vouchers/").status_code == 400
    bad = client.get("/api/v1/vouchers/", {"community": world.community.pk, "from": "x", "to": "y"})
    assert bad.status_code == 400 and "from" in bad.json()["error"]["fields"]
    wrong = client.get(
        "/api/v1/vouchers/",
        {
            "community": world.community.pk,
            "from": "2026-12-01",
            "to": "2026-12-02",
            "format": "sap",
        },
    )
    assert wrong.status_code == 400 and "format" in wrong.json()["error"]["fields"]
    outsider = APIClient()
    outsider.force_authenticate(world.users["outsider"])
    assert (
        outsider.get(
            "/api/v1/vouchers/",
            {"community": world.community.pk, "from": "2026-12-01", "to": "2026-12-02"},
        ).status_code
        == 404
    )
    guard = APIClient()
    guard.force_authenticate(world.users["guard"])
    assert guard.get("/api/v1/vouchers/", {"community": world.community.pk}).status_code == 403
