"""Paying a stay online through billing (the test provider and the WeChat Pay fake), the
resident's parking pages and the guard's booth page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from anju.billing.models import Bill, Payment, Wallet
from anju.billing.tests.test_online_pay import _notify, keys, wxpay  # noqa: F401 (fixtures)
from anju.core.models import AuditEntry
from anju.core.testing import PASSWORD, api_client, make_world
from anju.governance.models import IncomeEntry
from anju.parking import services
from anju.parking.models import Pass, Vehicle

pytestmark = pytest.mark.django_db
CALLBACK = "/api/v1/payments/callback/test/"
VISITOR = "沪B66666"


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def lot(world):
    manager = world.users["manager"]
    lot = services.save_lot(
        actor=manager, community=world.community, name="地下车库", kind="underground"
    )
    services.save_rule(
        actor=manager,
        lot=lot,
        free_minutes=30,
        first_hour=Decimal("5.00"),
        per_hour=Decimal("2.00"),
        day_cap=Decimal("30.00"),
        grace_minutes=15,
    )
    services.save_gate(actor=manager, lot=lot, name="东门出口", direction="out")
    return lot


def _client(username):
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _enter(world, lot, plate=VISITOR, minutes_ago=125):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return services.record_event(
        actor=world.users["guard"], lot=lot, plate=plate, direction="in", at=at
    ).session


def _leave(world, lot, plate=VISITOR, after=0):
    at = timezone.now() + timedelta(minutes=after)
    return services.record_event(
        actor=world.users["guard"], lot=lot, plate=plate, direction="out", at=at
    )


def _bill_from_redirect(response):
    assert response.status_code == 302, response.content
    assert response["Location"].startswith("/app/billing/pay/?bills=")
    return Bill.objects.get(pk=int(response["Location"].rsplit("=", 1)[1]))


def _start_order(world, bill, channel="native"):
    r = api_client(world.users["resident"]).post(
        "/api/v1/payments/online/", {"bills": [bill.pk], "channel": channel}, format="json"
    )
    assert r.status_code in (200, 201), r.content
    return r.json()["order"]


def test_a_resident_pays_a_visitors_stay_and_it_leaves_within_the_grace(world, lot, settings):
    settings.ANJU_PAYMENT_PROVIDER = "test"
    session = _enter(world, lot)
    resident = _client("resident")
    page = resident.get("/app/parking/pay/?plate=沪b 66666").content.decode()
    assert "9.00" in page and f"pay-stay-{session.pk}" in page
    bill = _bill_from_redirect(resident.post("/app/parking/pay/", {"session": session.pk}))
    assert bill.house_id == world.house.pk and bill.balance == Decimal("9.00")
    assert bill.lines.get().source.startswith(f"parking.session:{session.pk}@")
    order = _start_order(world, bill)
    body = {"out_trade_no": order["out_trade_no"], "amount_fen": 900, "transaction_id": "T1"}
    r = resident.post(CALLBACK, body, content_type="application/json")
    assert r.status_code == 200, r.content
    session.refresh_from_db()
    assert session.state == "paid" and session.paid_amount == Decimal("9.00")
    assert session.paid_method == "wechat"
    assert IncomeEntry.objects.filter(community=world.community).count() == 1
    # the provider notifies again: nothing more happens
    assert resident.post(CALLBACK, body, content_type="application/json").status_code == 200
    session.refresh_from_db()
    assert session.paid_amount == Decimal("9.00")
    assert IncomeEntry.objects.filter(community=world.community).count() == 1
    assert AuditEntry.objects.filter(action="parking.session.paid_online").count() == 1
    _leave(world, lot, after=10)
    session.refresh_from_db()
    assert session.state == "closed" and session.owed == 0


def test_a_wechat_notification_pays_the_stay_exactly_once(world, lot, wxpay, client):  # noqa: F811
    session = _enter(world, lot, minutes_ago=50)
    user = world.users["resident"]
    bill, quote = services.start_online_pay(actor=user, session=session, house=world.house)
    assert quote.amount == Decimal("5.00")
    order = _start_order(world, bill, channel="native")
    for _attempt in range(2):  # WeChat retries with a fresh nonce
        headers, body = wxpay.notification(order["out_trade_no"])
        assert _notify(client, headers, body).status_code == 200
    session.refresh_from_db()
    assert session.state == "paid" and session.paid_amount == Decimal("5.00")
    assert Payment.objects.get(house=world.house).status == "succeeded"
    assert AuditEntry.objects.filter(action="parking.session.paid").count() == 1


def test_a_charge_paid_after_the_booth_took_cash_goes_to_the_homes_prepayment(world, lot, settings):
    settings.ANJU_PAYMENT_PROVIDER = "test"
    session = _enter(world, lot)
    user = world.users["resident"]
    bill, quote = services.start_online_pay(actor=user, session=session, house=world.house)
    order = _start_order(world, bill)
    services.collect_cash(actor=world.users["guard"], session=session, amount=quote.amount)
    body = {"out_trade_no": order["out_trade_no"], "amount_fen": 900, "transaction_id": "T2"}
    assert (
        _client("resident").post(CALLBACK, body, content_type="application/json").status_code == 200
    )
    session.refresh_from_db()
    assert session.paid_amount == Decimal("9.00") and session.paid_method == "cash"
    assert Wallet.objects.get(house=world.house).balance == Decimal("9.00")
    assert AuditEntry.objects.filter(action="parking.session.online_credited").exists()


def test_a_new_quote_credits_the_abandoned_charge(world, lot):
    session = _enter(world, lot)
    user = world.users["resident"]
    first, _q = services.start_online_pay(
        actor=user, session=session, house=world.house, at=timezone.now() - timedelta(minutes=3)
    )
    second, _q = services.start_online_pay(actor=user, session=session, house=world.house)
    assert first.pk != second.pk
    first.refresh_from_db()
    assert first.balance == 0 and second.balance == Decimal("9.00")


def test_paying_online_is_refused_clearly(world, lot):
    from anju.core.errors import DomainError, InvalidTransition

    user = world.users["resident"]
    session = _enter(world, lot, minutes_ago=10)  # within the free minutes
    with pytest.raises(DomainError) as caught:
        services.start_online_pay(actor=user, session=session, house=world.house)
    assert caught.value.status == 409
    with pytest.raises(DomainError) as caught:
        services.start_online_pay(actor=user, session=session, house=world.houses[2])
    assert "house" in caught.value.fields
    _leave(world, lot)
    with pytest.raises(InvalidTransition):
        services.start_online_pay(actor=user, session=session, house=world.house)
    # a car that has left is not found on the pay page
    page = _client("resident").get("/app/parking/pay/?plate=沪B66666").content.decode()
    assert 'id="no-stay"' in page


# The resident's pages ------------------------------------------------------------------------


def test_my_vehicles_add_with_errors_on_the_field_and_remove(world, settings):
    settings.ANJU_PARKING_VEHICLES_PER_HOUSE = 2
    resident = _client("resident")
    assert resident.get("/app/parking/").status_code == 200
    page = resident.post("/app/parking/", {"plate": "京Q1"}).content.decode()
    assert 'id="error-plate"' in page and not Vehicle.objects.exists()
    r = resident.post("/app/parking/", {"plate": "京a 12345", "house": world.house.pk})
    assert r.status_code == 302
    vehicle = Vehicle.objects.get(plate="京A12345")
    assert vehicle.house == world.house and vehicle.person == world.people["owner"]
    resident.post("/app/parking/", {"plate": "京B12345", "house": world.house.pk})
    page = resident.get("/app/parking/").content.decode()
    assert "京A12345" in page and "京B12345" in page and 'id="add-vehicle"' not in page
    r = resident.post(f"/app/parking/vehicles/{vehicle.pk}/remove/")
    assert r.status_code == 302
    vehicle.refresh_from_db()
    assert not vehicle.active
    other = services.save_vehicle(
        actor=world.users["manager"], house=world.houses[2], plate="粤B12345"
    )
    assert resident.post(f"/app/parking/vehicles/{other.pk}/remove/").status_code == 404
    assert AuditEntry.objects.filter(
        action="parking.vehicle.created", actor=world.users["resident"]
    )


def test_my_passes_and_the_home_section(world, lot):
    manager = world.users["manager"]
    vehicle = services.save_vehicle(actor=manager, house=world.house, plate="京A12345")
    today = timezone.localdate()
    services.save_pass(
        actor=manager,
        vehicle=vehicle,
        lot=lot,
        starts=today - timedelta(days=20),
        ends=today + timedelta(days=5),
    )
    resident = _client("resident")
    page = resident.get("/app/parking/passes/").content.decode()
    assert "京A12345" in page and "/app/bills/" in page
    assert Pass.objects.count() == 1
    home = resident.get("/app/").content.decode()
    assert "京A12345" in home and "/app/parking/passes/" in home


# The booth -----------------------------------------------------------------------------------


def test_the_booth_looks_up_collects_and_opens_with_a_reason(world, lot):
    session = _enter(world, lot)
    guard = _client("guard")
    page = guard.get("/console/parking/booth/?plate=沪b·66666").content.decode()
    assert f"booth-collect-{session.pk}" in page and "9.00" in page
    r = guard.post(
        "/console/parking/booth/", {"verb": "collect", "session": session.pk, "amount": "8.00"}
    )
    assert r.status_code == 200 and "9.00" in r.content.decode()
    r = guard.post(
        "/console/parking/booth/", {"verb": "collect", "session": session.pk, "amount": "9.00"}
    )
    assert r.status_code == 302
    session.refresh_from_db()
    assert session.state == "paid" and session.paid_method == "cash"
    gate = lot.gates.get()
    page = guard.post(
        "/console/parking/booth/", {"verb": "open", "gate": gate.pk, "reason": " "}
    ).content.decode()
    assert 'id="booth-reason-error"' in page
    r = guard.post(
        "/console/parking/booth/",
        {"verb": "open", "gate": gate.pk, "reason": "救护车", "plate": "京A54321"},
    )
    assert r.status_code == 302
    assert AuditEntry.objects.filter(action="parking.barrier.opened", actor=world.users["guard"])
    _enter(world, lot, plate="苏E12345")
    _leave(world, lot, plate="苏E12345")
    page = guard.get("/console/parking/booth/").content.decode()
    assert "苏E12345" in page
    assert _client("cleaner").get("/console/parking/booth/").status_code == 403
    assert _client("resident").get("/console/parking/booth/").status_code == 302


def test_a_visitor_sees_the_fee_without_logging_in(world, lot):
    session = _enter(world, lot)
    booth = _client("guard").get("/console/parking/booth/").content.decode()
    start = booth.index("/app/parking/visit/")
    url = booth[start : booth.index('"', start)]
    page = Client().get(url, {"plate": "沪b66666"})
    assert page.status_code == 200, page.status_code
    text = page.content.decode()
    assert 'id="visit-due"' in text and "9.00" in text and session.plate in text
    assert 'id="visit-none"' in Client().get(url, {"plate": "京A00000"}).content.decode()
    assert Client().get("/app/parking/visit/forged/").status_code == 404


def test_the_daily_report(world, lot):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from anju.parking import selectors

    tz = ZoneInfo("Asia/Shanghai")
    guard, day = world.users["guard"], datetime(2026, 11, 2, 10, 0, tzinfo=tz)

    def event(plate, direction, at):
        return services.record_event(actor=guard, lot=lot, plate=plate, direction=direction, at=at)

    paid = event("京A11111", "in", day).session
    services.collect_cash(actor=guard, session=paid, amount="7.00", at=day + timedelta(minutes=120))
    event("京A11111", "out", day + timedelta(minutes=125))
    event("京A22222", "in", day + timedelta(hours=1))
    event("京A22222", "out", day + timedelta(hours=4))  # left without paying
    event("京A33333", "in", day + timedelta(hours=13))  # 23:00, still inside
    report = selectors.daily_report(lot, day.date(), day.date() + timedelta(days=1))
    first, second = report[day.date()], report[day.date() + timedelta(days=1)]
    assert first == {
        "income": Decimal("7.00"),
        "entries": 3,
        "exits": 2,
        "occupancy": 1,
        "unpaid": 1,
    }
    assert second == {"income": 0, "entries": 0, "exits": 0, "occupancy": 1, "unpaid": 0}
