"""Concurrency on PostgreSQL: two payments with one key, or duplicate callbacks, credit once."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from anju.billing import services
from anju.billing.choices import Method
from anju.billing.models import Allocation, Bill, Payment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(n, fn):
    barrier = threading.Barrier(n)
    errors = []

    def worker():
        try:
            barrier.wait()
            fn()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.fixture
def billed(world):
    admin = world.users["org_admin"]
    services.create_fee_item(
        actor=admin,
        community=world.community,
        name="物业费",
        method=Method.AREA,
        unit_price="2.5",
        effective_from=date(2026, 1, 1),
        published=True,
    )
    run = services.create_billing_run(actor=admin, community=world.community, period="2027-01")
    services.post_billing_run(actor=admin, run=run)
    return world


def test_concurrent_payments_with_one_key_credit_once(billed):
    world = billed
    errors = _race(
        4,
        lambda: services.record_payment(
            actor=world.users["cashier"],
            house=world.house,
            amount="250.00",
            method="cash",
            idempotency_key="same-key",
        ),
    )
    assert not errors, errors
    assert Payment.objects.count() == 1
    assert Bill.objects.get(house=world.house).paid == Decimal("250.00")
    assert sum(a.amount for a in Allocation.objects.all()) == Decimal("250.00")


def test_concurrent_different_payments_never_overpay(billed):
    world = billed
    keys = iter(range(100))
    lock = threading.Lock()

    def pay():
        with lock:
            key = f"k{next(keys)}"
        services.record_payment(
            actor=world.users["cashier"],
            house=world.house,
            amount="200.00",
            method="cash",
            idempotency_key=key,
        )

    errors = _race(3, pay)
    bill = Bill.objects.get(house=world.house)
    assert bill.paid == Decimal("250.00") and bill.balance == 0
    total = sum(p.amount for p in Payment.objects.all())
    assert total == bill.paid + sum(p.to_wallet for p in Payment.objects.all())
    assert all(e.__class__.__name__ == "DomainError" for e in errors)


def test_duplicate_callbacks_credit_once(billed):
    world = billed
    payment = services.start_online_payment(
        actor=world.users["resident"], house=world.house, provider="test"
    )
    errors = _race(
        4,
        lambda: services.confirm_online_payment(
            payment_id=payment.pk, provider_ref="WX-1", amount_fen=25000
        ),
    )
    assert not errors, errors
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    assert Allocation.objects.filter(payment=payment).count() == 1
    assert Bill.objects.get(house=world.house).paid == Decimal("250.00")


def test_concurrent_online_starts_with_one_key_answer_the_first_payment(billed, settings):
    """Four devices (or a retrying app) start the same online payment at once: one payment,
    and every answer names it (this was a 500: the key's unique constraint)."""
    from anju.core.testing import api_client

    world = billed
    settings.ANJU_PAYMENT_PROVIDER = "test"
    answers, lock = [], threading.Lock()

    def start():
        r = api_client(world.users["resident"]).post(
            "/api/v1/payments/online/",
            {"house": world.house.pk},
            format="json",
            HTTP_IDEMPOTENCY_KEY="app-retry-1",
        )
        with lock:
            answers.append((r.status_code, r.json()))

    errors = _race(4, start)
    assert not errors, errors
    assert all(code in (200, 201) for code, _body in answers), answers
    payment = Payment.objects.get()
    assert {body["payment"]["id"] for _code, body in answers} == {payment.pk}
    assert payment.status == "pending" and payment.amount == Decimal("250.00")
