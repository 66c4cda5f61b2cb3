"""Passes billed through billing: the published price, the bill of a sale and of a renewal paid
at the desk, the pass in force only once paid, renewal from the old end, the public income, a
lapsed pass back to temporary parking, reminders once per threshold, the API."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from anju.billing import selectors as billing_selectors
from anju.billing import services as billing
from anju.billing.models import Bill, BillLine
from anju.core.errors import DomainError
from anju.core.models import Notification
from anju.core.testing import api_client, make_world
from anju.governance.models import IncomeEntry
from anju.parking import services
from anju.parking.models import Pass, PassReminder, PassTerm

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def lot(world):
    manager = world.users["manager"]
    lot = services.save_lot(
        actor=manager, community=world.community, name="地面车场", kind="ground"
    )
    services.save_rule(
        actor=manager,
        lot=lot,
        free_minutes=0,
        first_hour=Decimal("5.00"),
        per_hour=Decimal("2.00"),
        day_cap=Decimal("30.00"),
        grace_minutes=15,
    )
    services.set_pass_price(actor=manager, lot=lot, period="monthly", amount="300")
    services.set_pass_price(actor=manager, lot=lot, period="quarterly", amount="850.50")
    return lot


@pytest.fixture
def vehicle(world):
    return services.save_vehicle(actor=world.users["manager"], house=world.house, plate="浙A12345")


def _pay_desk(world, amount):
    billing.record_payment(
        actor=world.users["cashier"], house=world.house, amount=amount, method="cash"
    )


def test_period_end_follows_calendar_months():
    assert services.period_end(date(2026, 1, 31), "monthly") == date(2026, 2, 27)
    assert services.period_end(date(2026, 12, 1), "monthly") == date(2026, 12, 31)
    assert services.period_end(date(2026, 12, 1), "quarterly") == date(2027, 2, 28)
    assert services.period_end(date(2026, 3, 1), "yearly") == date(2027, 2, 28)


def test_a_sold_pass_is_billed_and_in_force_once_paid(world, lot, vehicle):
    manager = world.users["manager"]
    pass_ = services.sell_pass(
        actor=manager, vehicle=vehicle, lot=lot, period="monthly", starts=date(2026, 12, 1)
    )
    assert pass_.ends == date(2026, 12, 31) and pass_.price == Decimal("300.00")
    assert not Pass.objects.get(pk=pass_.pk).active
    term = PassTerm.objects.get(pass_obj=pass_)
    bill = services.term_bill(term)
    assert bill is not None and bill.total == Decimal("300.00") and bill.house_id == world.house.pk
    line = BillLine.objects.get(bill=bill)
    assert line.fee_item.name in ("月卡费", "Parking pass fee") and line.fee_item.published
    # Not yet paid: the car parks as a visitor.
    at = datetime(2026, 12, 5, 10, 0, tzinfo=TZ)
    from anju.parking import selectors

    assert selectors.valid_pass(lot, vehicle.plate, at) is None
    _pay_desk(world, "300.00")
    pass_.refresh_from_db()
    term.refresh_from_db()
    assert pass_.active and term.paid_at is not None
    assert selectors.valid_pass(lot, vehicle.plate, at) == pass_
    # A ground lot on the common parts: the pass price is public income (民法典第282条).
    entry = IncomeEntry.objects.get()
    assert entry.amount == Decimal("300.00") and entry.category == "parking"
    assert term.income_entry_id == entry.pk


def test_a_pass_on_a_planned_space_is_not_public_income(world, lot, vehicle):
    manager = world.users["manager"]
    space = services.save_space(actor=manager, lot=lot, number="A-001", kind="rented")
    services.sell_pass(actor=manager, vehicle=vehicle, lot=lot, period="monthly", space=space)
    _pay_desk(world, "300.00")
    assert Pass.objects.get().active
    assert not IncomeEntry.objects.exists()


def test_renewal_runs_on_from_the_old_end_and_one_waits_at_a_time(world, lot, vehicle):
    manager = world.users["manager"]
    pass_ = services.sell_pass(
        actor=manager, vehicle=vehicle, lot=lot, period="monthly", starts=date(2026, 12, 1)
    )
    _pay_desk(world, "300.00")
    term = services.renew_pass(
        actor=manager, pass_=pass_, period="quarterly", today=date(2026, 12, 20)
    )
    assert (term.starts, term.ends) == (date(2027, 1, 1), date(2027, 3, 31))
    assert term.amount == Decimal("850.50") and term.kind == "renewal"
    assert services.term_bill(term).total == Decimal("850.50")
    with pytest.raises(DomainError) as caught:
        services.renew_pass(actor=manager, pass_=pass_, today=date(2026, 12, 20))
    assert caught.value.status == 409
    pass_.refresh_from_db()
    assert pass_.ends == date(2026, 12, 31)  # not extended before it is paid
    _pay_desk(world, "850.50")
    pass_.refresh_from_db()
    assert pass_.ends == date(2027, 3, 31) and pass_.active
    assert IncomeEntry.objects.count() == 2


def test_a_lapsed_pass_renews_from_today_and_meanwhile_pays_temporary_parking(world, lot, vehicle):
    manager = world.users["manager"]
    pass_ = services.sell_pass(
        actor=manager, vehicle=vehicle, lot=lot, period="monthly", starts=date(2026, 10, 1)
    )
    _pay_desk(world, "300.00")
    # Lapsed on 31 October: a stay on 5 December is temporary parking again.
    entered = datetime(2026, 12, 5, 10, 0, tzinfo=TZ)
    session = services.record_event(
        actor=world.users["guard"], lot=lot, plate=vehicle.plate, direction="in", at=entered
    ).session
    assert services.quote(session, entered + timedelta(hours=2)).amount == Decimal("7.00")
    term = services.renew_pass(actor=manager, pass_=pass_, today=date(2026, 12, 5))
    assert term.starts == date(2026, 12, 5) and term.ends == date(2027, 1, 4)


def test_a_free_pass_is_in_force_at_once_and_has_no_bill(world, lot, vehicle):
    pass_ = services.save_pass(
        actor=world.users["manager"],
        vehicle=vehicle,
        lot=lot,
        starts=date(2026, 12, 1),
        ends=date(2026, 12, 31),
    )
    assert pass_.active and not Bill.objects.exists()


def test_no_published_price_is_refused_naming_the_period(world, lot, vehicle):
    with pytest.raises(DomainError) as caught:
        services.sell_pass(actor=world.users["manager"], vehicle=vehicle, lot=lot, period="yearly")
    assert "period" in caught.value.fields
    assert not Pass.objects.exists()


def test_reminders_once_per_pass_and_threshold(world, lot, vehicle, settings):
    settings.ANJU_PARKING_PASS_REMIND_DAYS = (15, 3)
    manager = world.users["manager"]
    pass_ = services.save_pass(
        actor=manager, vehicle=vehicle, lot=lot, starts=date(2026, 12, 1), ends=date(2026, 12, 31)
    )
    assert services.remind_expiring(today=date(2026, 12, 10)) == 0  # 21 days left
    assert services.remind_expiring(today=date(2026, 12, 16)) == 1  # 15 days
    assert services.remind_expiring(today=date(2026, 12, 17)) == 0  # told already
    assert services.remind_expiring(today=date(2026, 12, 28)) == 1  # 3 days
    assert services.remind_expiring(today=date(2026, 12, 29)) == 0
    assert set(PassReminder.objects.values_list("days", flat=True)) == {15, 3}
    told = Notification.objects.filter(event="parking.pass.reminded")
    owner_login = world.users["resident"]
    assert told.filter(user=owner_login).count() == 2
    # A renewal moves the end: the reminders start again for the new end.
    services.save_pass(actor=manager, pass_=pass_, ends=date(2027, 1, 31))
    assert services.remind_expiring(today=date(2027, 1, 20)) == 1


def test_api_sells_with_a_period_and_renews(world, lot, vehicle):
    manager = api_client(world.users["manager"])
    r = manager.post(
        "/api/v1/parking-passes/",
        {"vehicle": vehicle.pk, "lot": lot.pk, "starts": "2026-12-01", "period": "monthly"},
        format="json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["ends"] == "2026-12-31" and body["price"] == "300.00" and body["active"] is False
    r = manager.post(f"/api/v1/parking-passes/{body['id']}/renew/", {}, format="json")
    assert r.status_code == 409  # the sale's bill first
    _pay_desk(world, "300.00")
    r = manager.post(f"/api/v1/parking-passes/{body['id']}/renew/", {}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["starts"] == "2027-01-01" and r.json()["bill"]
    r = manager.post(f"/api/v1/parking-passes/{body['id']}/renew/", {}, format="json")
    assert r.status_code == 409
    r = manager.post(
        "/api/v1/parking-passes/",
        {"vehicle": vehicle.pk, "lot": lot.pk, "starts": "2026-12-01"},
        format="json",
    )
    assert r.status_code == 400 and "ends" in r.json()["error"]["fields"]
    r = manager.post(
        "/api/v1/parking-pass-prices/",
        {"lot": lot.pk, "period": "yearly", "amount": "-1"},
        format="json",
    )
    assert r.status_code == 400 and "amount" in r.json()["error"]["fields"]
    assert billing_selectors.house_arrears(world.house) > 0


def test_the_household_renews_its_own_pass_others_may_not(world, lot, vehicle):
    manager = world.users["manager"]
    pass_ = services.save_pass(
        actor=manager, vehicle=vehicle, lot=lot, starts=date(2026, 12, 1), ends=date(2026, 12, 31)
    )
    term = services.renew_pass(actor=world.users["resident"], pass_=pass_, today=date(2026, 12, 20))
    assert term.amount == Decimal("300.00")
    with pytest.raises(DomainError) as caught:
        services.renew_pass(actor=world.users["neighbour"], pass_=pass_)
    assert caught.value.status == 403
