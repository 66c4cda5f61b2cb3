"""Handover and a tenant's move-out: readings become billing's baseline, defects become
warranty tickets, card deposits go into the ledger and come back, the tenancy ends."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from anju.billing.models import MeterReading
from anju.core.errors import DomainError
from anju.core.models import Occupancy
from anju.core.testing import make_world
from anju.servicedesk.models import Ticket
from anju.works import rules, services
from anju.works.choices import DepositState

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def test_a_handover_with_a_defect_readings_and_cards(w):
    manager, house = w.users["manager"], w.houses[2]
    move = services.start_move_in(actor=manager, house=house, person=w.people["neighbour"])
    codes = [code for code, _label, _part in services.checklist_of(move)]
    results = {code: {"ok": True} for code in codes}
    results["waterproofing"] = {"ok": False, "note": "主卫天花板渗水"}
    with pytest.raises(DomainError):
        services.check_items(
            actor=manager, move=move, results={"plumbing": {"ok": False, "note": ""}}
        )
    services.check_items(actor=manager, move=move, results=results)
    ticket = Ticket.objects.get(house=house)
    assert ticket.category == "roof_leak" and "主卫天花板渗水" in ticket.description
    assert rules.WARRANTY_ARTICLE in ticket.description
    services.record_readings(
        actor=manager, move=move, readings={"water": "12.5", "electricity": "80"}
    )
    baseline = MeterReading.objects.filter(house=house).order_by("meter__kind")
    assert [(r.meter.kind, r.value, r.usage) for r in baseline] == [
        ("electricity", Decimal("80"), Decimal("0")),
        ("water", Decimal("12.5"), Decimal("0")),
    ]
    services.issue_keys(actor=manager, move=move, keys=2, cards=2, method="cash")
    card = move.deposits.get()
    assert card.state == DepositState.HELD and card.amount == Decimal("100.00")
    move = services.complete(actor=manager, move=move)
    assert move.state == "done"


def test_warranty_periods_by_part(settings):
    settings.ANJU_WORKS_WARRANTY_YEARS = {"structure": None, "waterproofing": 5, "plumbing": 2}
    delivered = date(2024, 3, 1)
    assert rules.under_warranty("waterproofing", delivered, date(2029, 2, 28))
    assert not rules.under_warranty("waterproofing", delivered, date(2029, 3, 1))
    assert not rules.under_warranty("plumbing", delivered, date(2026, 3, 1))
    assert rules.under_warranty("structure", delivered, date(2090, 1, 1))


def test_a_tenants_move_out_ends_the_tenancy(w):
    manager, cashier = w.users["manager"], w.users["cashier"]
    tenancy = Occupancy.objects.get(person=w.people["tenant"])
    owner = Occupancy.objects.get(person=w.people["owner"], house=tenancy.house)
    with pytest.raises(DomainError):
        services.start_move_out(actor=manager, occupancy=owner)
    card = services.collect_deposit(
        actor=cashier,
        house=tenancy.house,
        kind="card",
        amount="50",
        method="cash",
        payer=w.people["tenant"],
    )
    leave_on = timezone.localdate() + timedelta(days=2)
    move = services.start_move_out(actor=manager, occupancy=tenancy, on=leave_on)
    with pytest.raises(DomainError) as caught:
        services.complete(actor=manager, move=move)
    assert "readings" in caught.value.fields
    services.record_readings(actor=manager, move=move, readings={"water": "30"})
    with pytest.raises(DomainError) as caught:
        services.complete(actor=manager, move=move)
    assert "cards" in caught.value.fields
    services.return_cards(actor=manager, move=move, cards=1)
    move = services.complete(actor=manager, move=move, method="cash")
    card.refresh_from_db()
    tenancy.refresh_from_db()
    assert card.state == DepositState.REFUNDED
    assert tenancy.until == leave_on
    assert move.arrears == Decimal("0.00")
    # The tenant's rights follow the occupancy: after the date the house is no longer theirs.
    assert tenancy.house_id not in set(
        Occupancy.objects.filter(person=w.people["tenant"])
        .active(on=leave_on + timedelta(days=1))
        .values_list("house_id", flat=True)
    )
