"""The deposits ledger: collect, deduct with evidence, refund; immutable entries; balances never
negative; never revenue (billing's reports and governance's public income unchanged)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anju.billing import reports as billing_reports
from anju.billing import services as billing
from anju.billing.models import Bill, Payment
from anju.core.errors import DomainError, InvalidTransition
from anju.core.testing import api_client, make_world
from anju.governance import selectors as governance
from anju.works import selectors, services
from anju.works.choices import DepositState
from anju.works.models import Deposit, DepositEntry

pytestmark = pytest.mark.django_db
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def w():
    return make_world()


def _held(w, amount="500.00", house=None):
    return services.collect_deposit(
        actor=w.users["cashier"],
        house=house or w.houses[0],
        kind="renovation",
        amount=amount,
        method="cash",
    )


def test_collect_deduct_refund_and_the_entries(w):
    deposit = _held(w)
    assert deposit.state == DepositState.HELD and deposit.balance == Decimal("500.00")
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("damage.png", PNG, content_type="image/png")
    entry = services.deduct(
        actor=w.users["cashier"],
        deposit=deposit,
        amount="120.50",
        reason="电梯轿厢划伤修复",
        evidence=[photo],
    )
    from anju.core import attachments

    assert len(attachments.of(entry)) == 1
    deposit = services.refund(actor=w.users["cashier"], deposit=deposit, method="bank")
    assert deposit.state == DepositState.REFUNDED and deposit.balance == 0
    kinds = list(DepositEntry.objects.filter(deposit=deposit).values_list("kind", "amount"))
    assert kinds == [
        ("collect", Decimal("500.00")),
        ("deduct", Decimal("120.50")),
        ("refund", Decimal("379.50")),
    ]
    with pytest.raises(InvalidTransition) as caught:
        services.refund(actor=w.users["cashier"], deposit=deposit, method="cash")
    assert caught.value.allowed == []


def test_a_posted_entry_is_never_changed(w):
    deposit = _held(w)
    entry = DepositEntry.objects.get(deposit=deposit)
    entry.amount = Decimal("1.00")
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_bad_input_is_refused_with_the_field(w):
    deposit = _held(w)
    cases = [
        ({"amount": "0", "reason": "x"}, "amount"),
        ({"amount": "-5", "reason": "x"}, "amount"),
        ({"amount": "abc", "reason": "x"}, "amount"),
        ({"amount": "501", "reason": "x"}, "amount"),
        ({"amount": "1", "reason": "  "}, "reason"),
    ]
    for kwargs, field in cases:
        with pytest.raises(DomainError) as caught:
            services.deduct(actor=w.users["cashier"], deposit=deposit, **kwargs)
        assert field in caught.value.fields
    with pytest.raises(DomainError) as caught:
        services.refund(actor=w.users["cashier"], deposit=deposit, method="wechat")
    assert "method" in caught.value.fields
    with pytest.raises(DomainError) as caught:
        services.collect_deposit(
            actor=w.users["cashier"], house=w.houses[0], kind="card", amount="50", method="wechat"
        )
    assert "reference" in caught.value.fields
    deposit.refresh_from_db()
    assert deposit.balance == Decimal("500.00")


def test_a_deduction_of_everything_uses_the_deposit_up(w):
    deposit = _held(w, "80.00")
    services.deduct(actor=w.users["cashier"], deposit=deposit, amount="80", reason="钥匙未归还")
    deposit.refresh_from_db()
    assert deposit.state == DepositState.USED and deposit.balance == 0


def test_a_role_without_the_permission_is_refused(w):
    with pytest.raises(DomainError):
        _held(w, house=w.other_house)
    deposit = _held(w)
    with pytest.raises(DomainError):
        services.refund(actor=w.users["guard"], deposit=deposit, method="cash")


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    ops=st.lists(
        st.tuples(
            st.sampled_from(["collect", "deduct", "refund"]),
            st.decimals(min_value=Decimal("-10"), max_value=Decimal("900"), places=2),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_the_balance_of_a_house_never_goes_negative(w, ops):
    from django.db import transaction

    with transaction.atomic():
        house, cashier = w.houses[0], w.users["cashier"]
        for op, amount in ops:
            open_ = list(Deposit.objects.filter(house=house, state=DepositState.HELD))
            try:
                if op == "collect":
                    services.collect_deposit(
                        actor=cashier, house=house, kind="tool", amount=amount, method="cash"
                    )
                elif op == "deduct" and open_:
                    services.deduct(actor=cashier, deposit=open_[0], amount=amount, reason="损坏")
                elif op == "refund" and open_:
                    services.refund(actor=cashier, deposit=open_[-1], method="cash")
            except DomainError:
                pass
            held = selectors.held_by_house(house)
            assert held >= 0
            for d in Deposit.objects.filter(house=house):
                assert 0 <= d.balance <= d.amount
                moved = sum(
                    (e.amount if e.kind == "collect" else -e.amount for e in d.entries.all()),
                    Decimal("0"),
                )
                assert moved == d.balance
        transaction.set_rollback(True)


def _revenue(w):
    community = w.community
    today = timezone.localdate()
    period = f"{today:%Y-%m}"
    bills = Bill.objects.filter(community=community)
    return {
        "payments": list(Payment.objects.filter(community=community).values_list("amount")),
        "rates": billing_reports.collection_rates(bills, period),
        "received": billing_reports.receivable_received(bills),
        "cash_up": billing.cash_up_report(community, today),
        "income": {
            k: v
            for k, v in governance.period_totals(
                community, today - timedelta(days=31), today + timedelta(days=1)
            ).items()
            if k != "entries"
        },
    }


def test_deposits_never_appear_in_revenue_or_public_income(w):
    before = _revenue(w)
    deposit = _held(w, "2000.00")
    services.collect_deposit(
        actor=w.users["cashier"],
        house=w.houses[1],
        kind="card",
        amount="100",
        method="wechat",
        reference="4200009999",
    )
    services.deduct(actor=w.users["cashier"], deposit=deposit, amount="300", reason="公共区域损坏")
    services.refund(actor=w.users["cashier"], deposit=deposit, method="cash")
    assert _revenue(w) == before
    assert not Payment.objects.filter(community=w.community).exists()
    report = selectors.report(w.users["manager"], w.community.pk)
    assert report["total"]["collected"] == Decimal("2100.00")
    assert report["total"]["held"] == Decimal("100.00")


def test_the_api_collects_deducts_and_refunds(w):
    client = api_client(w.users["cashier"])
    answer = client.post(
        "/api/v1/deposits/",
        {"house": w.houses[0].pk, "kind": "key", "amount": "30.00"},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    pk = answer.json()["id"]
    assert answer.json()["allowed_actions"] == ["collect", "cancel"]
    bad = client.post(f"/api/v1/deposits/{pk}/refund/", {"method": "cash"}, format="json")
    assert bad.status_code == 409 and "collect" in bad.json()["error"]["allowed"]
    ok = client.post(f"/api/v1/deposits/{pk}/collect/", {"method": "cash"}, format="json")
    assert ok.status_code == 200 and ok.json()["balance"] == "30.00"
    cut = client.post(
        f"/api/v1/deposits/{pk}/deduct/", {"amount": "10", "reason": "钥匙损坏"}, format="json"
    )
    assert cut.status_code == 200 and cut.json()["balance"] == "20.00"
    over = client.post(
        f"/api/v1/deposits/{pk}/deduct/", {"amount": "99", "reason": "x"}, format="json"
    )
    assert over.status_code == 400 and "amount" in over.json()["error"]["fields"]
    back = client.post(f"/api/v1/deposits/{pk}/refund/", {"method": "cash"}, format="json")
    assert back.status_code == 200 and back.json()["state"] == "refunded"
    report = client.get(f"/api/v1/deposits/report/?community={w.community.pk}")
    assert report.status_code == 200
    key = next(line for line in report.json() if line["kind"] == "key")
    assert key == {
        "kind": "key",
        "label": key["label"],
        "collected": "30.00",
        "deducted": "10.00",
        "refunded": "20.00",
        "held": "0.00",
    }
    outsider = api_client(w.users["outsider"])
    assert outsider.get(f"/api/v1/deposits/{pk}/").status_code == 404
