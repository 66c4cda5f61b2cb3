"""Parking services and API: vehicles and their limit, sessions from gate events, the quote and
the payment, unpaid exits, the barrier, public income, the gateway key, scoping."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from anju.core.errors import DomainError, Forbidden, InvalidTransition
from anju.core.models import AuditEntry
from anju.core.testing import api_client, make_world
from anju.governance.models import IncomeEntry
from anju.iot import services as iot
from anju.parking import services
from anju.parking.models import ParkingEvent, Session, Vehicle

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=TZ)


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
    return lot


def _in(world, lot, plate="京A12345", at=T0, **kw):
    return services.record_event(
        actor=world.users["guard"], lot=lot, plate=plate, direction="in", at=at, **kw
    )


def _out(world, lot, plate="京A12345", at=T0, **kw):
    return services.record_event(
        actor=world.users["guard"], lot=lot, plate=plate, direction="out", at=at, **kw
    )


def test_vehicle_plate_is_normalised_unique_and_limited_per_house(world, settings):
    manager = world.users["manager"]
    house = world.houses[0]
    vehicle = services.save_vehicle(actor=manager, house=house, plate="京a 12345")
    assert vehicle.plate == "京A12345"
    with pytest.raises(DomainError) as caught:
        services.save_vehicle(actor=manager, house=world.houses[1], plate="京A12345")
    assert "plate" in caught.value.fields
    with pytest.raises(DomainError) as caught:
        services.save_vehicle(actor=manager, house=house, plate="京A1234")
    assert "plate" in caught.value.fields
    settings.ANJU_PARKING_VEHICLES_PER_HOUSE = 2
    services.save_vehicle(actor=manager, house=house, plate="京B12345")
    with pytest.raises(DomainError) as caught:
        services.save_vehicle(actor=manager, house=house, plate="京C12345")
    assert "house" in caught.value.fields
    services.save_vehicle(actor=manager, vehicle=vehicle, active=False)
    services.save_vehicle(actor=manager, house=house, plate="京C12345")
    # a deactivated plate may be registered again
    services.save_vehicle(actor=manager, house=world.houses[1], plate="京A12345")
    assert Vehicle.objects.filter(plate="京A12345").count() == 2


def test_an_entry_opens_a_session_and_a_free_exit_closes_it(world, lot):
    event = _in(world, lot)
    session = event.session
    assert session.state == "open" and session.entered_at == T0
    assert _in(world, lot, at=T0 + timedelta(minutes=5)).session == session  # missed exit
    _out(world, lot, at=T0 + timedelta(minutes=30))
    session.refresh_from_db()
    assert session.state == "closed" and session.owed == 0
    assert ParkingEvent.objects.filter(session=session).count() == 3
    # an exit of a plate not inside is only logged
    assert _out(world, lot, at=T0 + timedelta(hours=1)).session is None


def test_pay_then_leave_within_grace_and_public_income(world, lot):
    session = _in(world, lot).session
    at = T0 + timedelta(minutes=125)
    quote = services.quote(session, at)
    assert quote.amount == Decimal("9.00") and quote.minutes == 125 and quote.explanation
    cashier = world.users["cashier"]
    with pytest.raises(DomainError) as caught:
        services.pay(actor=cashier, session=session, method="cash", amount="8.00", at=at)
    assert "amount" in caught.value.fields
    with pytest.raises(DomainError) as caught:
        services.pay(actor=cashier, session=session, method="card", amount="9.00", at=at)
    assert "method" in caught.value.fields
    session = services.pay(actor=cashier, session=session, method="wechat", amount="9.00", at=at)
    assert session.state == "paid" and session.paid_amount == Decimal("9.00")
    income = IncomeEntry.objects.get(community=world.community)
    assert income.category == "parking" and income.amount == Decimal("9.00")
    assert AuditEntry.objects.filter(action="parking.session.paid").exists()
    _out(world, lot, at=at + timedelta(minutes=15))
    session.refresh_from_db()
    assert session.state == "closed"
    with pytest.raises(InvalidTransition) as caught:
        services.pay(actor=cashier, session=session, method="cash", amount="1.00", at=at)
    assert caught.value.status == 409 and caught.value.allowed == []


def test_leaving_late_after_paying_or_without_paying_is_an_unpaid_exit(world, lot):
    session = _in(world, lot).session
    paid_at = T0 + timedelta(hours=1)
    services.pay(
        actor=world.users["cashier"], session=session, method="cash", amount="5.00", at=paid_at
    )
    _out(world, lot, at=paid_at + timedelta(minutes=20))  # past the grace: 5.00 more
    session.refresh_from_db()
    assert session.state == "unpaid_exit" and session.owed == Decimal("5.00")
    other = _in(world, lot, plate="沪B66666").session
    _out(world, lot, plate="沪B66666", at=T0 + timedelta(hours=3))
    other.refresh_from_db()
    assert other.state == "unpaid_exit" and other.owed == Decimal("9.00")
    assert services.quote(other, T0 + timedelta(days=2)).amount == Decimal("9.00")
    cashier = world.users["cashier"]
    with pytest.raises(DomainError) as caught:
        services.pay(actor=cashier, session=other, method="cash", amount="5.00")
    assert "amount" in caught.value.fields
    other = services.pay(actor=cashier, session=other, method="cash", amount="9.00")
    assert other.state == "closed" and other.owed == 0 and other.paid_amount == Decimal("9.00")
    assert AuditEntry.objects.filter(action="parking.session.settled").exists()


def test_a_pass_holder_pays_nothing(world, lot):
    manager = world.users["manager"]
    vehicle = services.save_vehicle(actor=manager, house=world.houses[0], plate="京A12345")
    services.save_pass(
        actor=manager, vehicle=vehicle, lot=lot, starts=T0.date(), ends=T0.date() + timedelta(30)
    )
    session = _in(world, lot).session
    assert services.quote(session, T0 + timedelta(hours=5)).amount == 0
    _out(world, lot, at=T0 + timedelta(hours=5))
    session.refresh_from_db()
    assert session.state == "closed"


def test_gates_and_roles(world, lot):
    manager = world.users["manager"]
    entry = services.save_gate(actor=manager, lot=lot, name="入口", direction="in")
    with pytest.raises(DomainError) as caught:
        _out(world, lot, gate=entry)
    assert "gate" in caught.value.fields
    with pytest.raises(Forbidden):
        services.record_event(
            actor=world.users["cleaner"], lot=lot, plate="京A12345", direction="in", at=T0
        )
    with pytest.raises(DomainError) as caught:
        services.open_barrier(actor=world.users["guard"], gate=entry, reason=" ")
    assert "reason" in caught.value.fields
    event = services.open_barrier(
        actor=world.users["guard"], gate=entry, reason="救护车", plate="京A12345", at=T0
    )
    assert Session.objects.get(pk=event.session_id).opened_by_guard_reason == "救护车"
    assert AuditEntry.objects.filter(action="parking.barrier.opened").exists()


def test_night_rule_needs_all_its_fields(world, lot):
    with pytest.raises(DomainError) as caught:
        services.save_rule(actor=world.users["manager"], rule=lot.fee_rule, night_from=time(22))
    assert "night_flat" in caught.value.fields


# API ---------------------------------------------------------------------------------------


def test_api_contract(world):
    manager = api_client(world.users["manager"])
    r = manager.post(
        "/api/v1/parking-lots/",
        {"community": world.community.pk, "name": "地面停车场", "kind": "ground"},
        format="json",
    )
    assert r.status_code == 201, r.content
    lot = r.json()["id"]
    r = manager.post(
        "/api/v1/parking-spaces/", {"lot": lot, "number": "p-001", "kind": "visitor"}, format="json"
    )
    assert r.status_code == 201 and r.json()["number"] == "P-001", r.content
    r = manager.post(
        "/api/v1/parking-fee-rules/",
        {
            "lot": lot,
            "free_minutes": 15,
            "first_hour": "6.00",
            "per_hour": "3.00",
            "day_cap": "40.00",
            "grace_minutes": 15,
            "night_from": "22:00",
            "night_until": "06:00",
            "night_flat": "10.00",
        },
        format="json",
    )
    assert r.status_code == 201 and r.json()["day_cap"] == "40.00", r.content
    r = manager.post(
        "/api/v1/vehicles/", {"house": world.houses[0].pk, "plate": "京Q1"}, format="json"
    )
    assert r.status_code == 400 and "plate" in r.json()["error"]["fields"], r.content
    r = manager.post(
        "/api/v1/vehicles/",
        {"house": world.houses[0].pk, "plate": "京q·88888", "person": world.people["owner"].pk},
        format="json",
    )
    assert r.status_code == 201 and r.json()["plate"] == "京Q88888", r.content
    vehicle = r.json()["id"]
    r = manager.post(
        "/api/v1/parking-passes/",
        {"vehicle": vehicle, "lot": lot, "starts": "2026-12-01", "ends": "2026-12-31"},
        format="json",
    )
    assert r.status_code == 201, r.content
    r = manager.post(
        "/api/v1/parking-gates/", {"lot": lot, "name": "北门", "direction": "both"}, format="json"
    )
    assert r.status_code == 201, r.content
    gate = r.json()["id"]
    guard = api_client(world.users["guard"])
    assert guard.post("/api/v1/parking-gates/", {}, format="json").status_code == 403
    r = guard.post(f"/api/v1/parking-gates/{gate}/open/", {"reason": ""}, format="json")
    assert r.status_code == 400 and "reason" in r.json()["error"]["fields"], r.content
    r = guard.post(f"/api/v1/parking-gates/{gate}/open/", {"reason": "救护车"}, format="json")
    assert r.status_code == 200 and r.json()["reason"] == "救护车", r.content
    r = guard.post(
        "/api/v1/parking/events/",
        {
            "lot": lot,
            "plate": "沪A12345",
            "direction": "in",
            "at": "2026-12-01T10:00:00+08:00",
            "gate": gate,
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    r = guard.get(f"/api/v1/parking/sessions/?lot={lot}&plate=沪a12345")
    assert r.status_code == 200 and len(r.json()["results"]) == 1, r.content
    session = r.json()["results"][0]["id"]
    r = guard.get(f"/api/v1/parking/sessions/{session}/quote/?at=2026-12-01T11:30:00%2B08:00")
    assert r.status_code == 200, r.content
    assert r.json()["amount"] == "9.00" and r.json()["minutes"] == 90 and r.json()["explanation"]
    # the booth guard takes cash too: an empty payment is refused on its fields
    r = guard.post(f"/api/v1/parking/sessions/{session}/pay/", {}, format="json")
    assert r.status_code == 400 and "amount" in r.json()["error"]["fields"], r.content
    r = api_client(world.users["cleaner"]).post(
        f"/api/v1/parking/sessions/{session}/pay/", {}, format="json"
    )
    assert r.status_code in (403, 404), r.content
    cashier = api_client(world.users["cashier"])
    r = cashier.post(
        f"/api/v1/parking/sessions/{session}/pay/",
        {"method": "alipay", "amount": "8.00", "at": "2026-12-01T11:30:00+08:00"},
        format="json",
    )
    assert r.status_code == 400 and "amount" in r.json()["error"]["fields"], r.content
    r = cashier.post(
        f"/api/v1/parking/sessions/{session}/pay/",
        {"method": "alipay", "amount": "9.00", "at": "2026-12-01T11:30:00+08:00"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["state"] == "paid", r.content
    outsider = api_client(world.users["outsider"])
    assert outsider.get(f"/api/v1/parking/sessions/{session}/quote/").status_code == 404
    assert outsider.get(f"/api/v1/parking-lots/{lot}/").status_code == 404


def test_gateway_key_posts_events_of_its_community_only(world, lot):
    gateway, key = iot.create_gateway(
        actor=world.users["manager"], community=world.community, name="车场"
    )
    client = api_client()
    body = {
        "lot": lot.pk,
        "plate": "京A12345",
        "direction": "in",
        "at": "2026-12-01T10:00:00+08:00",
    }
    r = client.post(
        "/api/v1/parking/events/", body, format="json", HTTP_AUTHORIZATION=f"Gateway {key}"
    )
    assert r.status_code == 201, r.content
    assert Session.objects.filter(lot=lot, plate="京A12345", state="open").exists()
    r = client.get("/api/v1/parking/events/", HTTP_AUTHORIZATION=f"Gateway {key}")
    assert r.status_code in (401, 403)
    r = client.post(
        "/api/v1/parking/events/", body, format="json", HTTP_AUTHORIZATION="Gateway nope"
    )
    assert r.status_code == 401
    other, other_key = iot.create_gateway(
        actor=world.users["manager2"], community=world.community2, name="别处"
    )
    r = client.post(
        "/api/v1/parking/events/", body, format="json", HTTP_AUTHORIZATION=f"Gateway {other_key}"
    )
    assert r.status_code == 404, r.content


def test_the_gate_log_lists_events(world, lot):
    _in(world, lot)
    r = api_client(world.users["guard"]).get(f"/api/v1/parking/events/?lot={lot.pk}")
    assert r.status_code == 200, r.content
    row = r.json()["results"][0]
    assert row["lot"] == lot.pk and row["plate"] == "京A12345" and row["direction"] == "in"


def test_a_visitor_pass_with_the_plate_counts_the_cars_entry(world, lot):
    from anju.gate import services as gate
    from anju.gate.models import VisitorEntry

    visit = gate.issue_pass(
        actor=world.users["resident"],
        house=world.house,
        visitor_name="李四",
        plate="浙A8K2M5",
        valid_from=T0 - timedelta(hours=1),
        valid_until=T0 + timedelta(hours=5),
        entries=2,
        now=T0 - timedelta(hours=2),
    )
    _in(world, lot, plate="浙A8K2M5")
    visit.refresh_from_db()
    assert visit.entries_used == 1
    assert VisitorEntry.objects.get().gate == "地下车库"
    _in(world, lot, plate="浙A8K2M5", at=T0 + timedelta(minutes=5))  # still inside: no new entry
    _in(world, lot, plate="京A12345")  # no pass
    visit.refresh_from_db()
    assert visit.entries_used == 1
