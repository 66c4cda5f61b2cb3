"""Billing rules end to end through the services."""

import contextlib
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase
from openpyxl import Workbook

from anju.billing import reports, services
from anju.billing.choices import Method
from anju.billing.models import Allocation, Bill, BillLine, LateCharge, Payment, Wallet, WalletEntry
from anju.core.choices import Relation
from anju.core.errors import DomainError
from anju.core.models import Occupancy

pytestmark = pytest.mark.django_db


def _run(world, period, community=None, **kw):
    admin = world.users["org_admin"]
    run = services.create_billing_run(
        actor=admin, community=community or world.community, period=period, **kw
    )
    return services.post_billing_run(actor=admin, run=run)


def test_rerun_changes_nothing_and_db_constraint_holds(world, fees, posted):
    before = list(BillLine.objects.order_by("id").values_list("id", "amount"))
    again = _run(world, "2027-01")
    assert again.result["lines"] == 0
    assert list(BillLine.objects.order_by("id").values_list("id", "amount")) == before
    line = BillLine.objects.first()
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        BillLine.objects.bulk_create(
            [
                BillLine(
                    organization=line.organization,
                    community=line.community,
                    bill=line.bill,
                    house=line.house,
                    fee_item=line.fee_item,
                    period=line.period,
                    amount=Decimal("1"),
                )
            ]
        )


def test_posted_rows_are_immutable(world, posted):
    line = BillLine.objects.first()
    line.amount = Decimal("1.00")
    with pytest.raises(ValidationError):
        line.save()
    with pytest.raises(ValidationError):
        line.delete()
    bill = Bill.objects.first()
    bill.total = Decimal("1.00")
    with pytest.raises(ValidationError):
        bill.save()


def test_proration_from_delivery_and_payer_rules(world, fees):
    h0, h1, h2, h3 = world.houses[:4]
    h2.delivered_on = date(2027, 1, 17)  # delivered on the 17th: 15 of 31 days
    h2.save()
    h3.sold = False  # unsold: the developer pays, for the whole period
    h3.save()
    world.community.developer = "甲置业有限公司"
    world.community.save()
    Occupancy.objects.filter(house=h0, relation=Relation.TENANT).update(is_payer=True)
    _run(world, "2027-01")
    area = fees["area"]
    line = BillLine.objects.get(house=h2, fee_item=area, kind="regular")
    assert line.amount == Decimal("123.39")  # 255 * 15 / 31 = 123.387 -> 123.39
    assert line.detail["days"] == 15 and line.detail["pdays"] == 31
    assert line.detail["from_delivery"] == "2027-01-17" and line.bill.payer_kind == "owner"
    # The 16 days before delivery are the developer's (物业服务收费管理办法第16条), on a bill
    # of its own: 255 * 16 / 31 = 131.613 -> 131.61; the two add up to the full month.
    before = BillLine.objects.get(house=h2, fee_item=area, kind="before")
    assert before.amount == Decimal("131.61") and before.detail["days"] == 16
    assert before.detail["until_delivery"] == "2027-01-17"
    assert (before.bill.payer_kind, before.bill.payer_name) == ("developer", "甲置业有限公司")
    assert before.bill.run_id == line.bill.run_id and before.bill_id != line.bill_id
    assert line.amount + before.amount == Decimal("255.00")
    assert "2027-01-17" in reports.explain_line(before)
    dev = Bill.objects.get(house=h3)
    assert dev.payer_kind == "developer" and dev.payer_name == "甲置业有限公司"
    tenant_bill = Bill.objects.get(house=h0)
    assert tenant_bill.payer_kind == "tenant" and tenant_bill.payer == world.people["tenant"]
    assert tenant_bill.liable == world.people["owner"]  # the owner stays liable (条例第41条)


def test_vacancy_only_by_rule_with_written_notice(world, fees):
    admin = world.users["org_admin"]
    rule = services.create_vacancy_rule(
        actor=admin,
        fee_item=fees["area"],
        payable_rate="0.6",
        min_days=180,
        basis="滨州市物业管理条例第38条",
    )
    with pytest.raises(DomainError):
        services.register_vacancy_notice(
            actor=admin,
            house=world.houses[1],
            rule=rule,
            notice_date=date(2026, 6, 1),
            notice_reference="",
            start=date(2026, 6, 1),
        )
    services.register_vacancy_notice(
        actor=admin,
        house=world.houses[1],
        rule=rule,
        notice_date=date(2026, 6, 1),
        notice_reference="空置申报书 2026-018",
        start=date(2026, 6, 1),
    )
    services.register_vacancy_notice(
        actor=admin,
        house=world.houses[2],
        rule=rule,
        notice_date=date(2026, 12, 1),
        notice_reference="空置申报书 2026-031",
        start=date(2026, 12, 1),
    )
    _run(world, "2027-01")
    discounted = BillLine.objects.get(house=world.houses[1], fee_item=fees["area"])
    assert discounted.amount == Decimal("151.50")  # 101 m² * 2.5 * 0.6
    assert "滨州" in discounted.detail["vacancy"]["basis"]
    short = BillLine.objects.get(house=world.houses[2], fee_item=fees["area"])
    assert short.amount == Decimal("255.00")  # vacant for less than the minimum: full fee


def test_metered_tiers_readings_and_flags(world):
    admin = world.users["org_admin"]
    water = services.create_fee_item(
        actor=admin,
        community=world.community,
        name="水费",
        method=Method.METERED,
        meter_kind="water",
        unit_price="3.5",
        unit="元/吨",
        pass_through=True,
        tiers=[{"upto": "15", "price": "3.5"}, {"upto": None, "price": "5.25"}],
        basis="市水务价格文件",
        effective_from=date(2026, 1, 1),
        published=True,
    )
    h = world.house
    services.enter_reading(
        actor=admin, house=h, kind="water", read_on=date(2026, 10, 31), value="100"
    )
    services.enter_reading(
        actor=admin, house=h, kind="water", read_on=date(2026, 11, 30), value="110"
    )
    services.enter_reading(
        actor=admin, house=h, kind="water", read_on=date(2026, 12, 31), value="121"
    )
    with pytest.raises(DomainError) as exc:
        services.enter_reading(
            actor=admin, house=h, kind="water", read_on=date(2027, 1, 31), value="90"
        )
    assert "value" in exc.value.fields
    r = services.enter_reading(
        actor=admin,
        house=h,
        kind="water",
        read_on=date(2027, 1, 31),
        value="20",
        replaced=True,
        start_value="0",
    )
    assert r.usage == Decimal("20.00")
    jump = services.enter_reading(
        actor=admin, house=world.houses[1], kind="water", read_on=date(2026, 12, 31), value="10"
    )
    assert jump.status == "ok"
    services.enter_reading(
        actor=admin, house=world.houses[1], kind="water", read_on=date(2027, 1, 10), value="20"
    )
    flagged = services.enter_reading(
        actor=admin, house=world.houses[1], kind="water", read_on=date(2027, 1, 31), value="200"
    )
    assert flagged.status == "flagged"
    run = services.create_billing_run(
        actor=admin, community=world.community, period="2027-01", items=[water]
    )
    assert any("水费" in w and "1" in w for w in run.preview["warnings"])
    services.post_billing_run(actor=admin, run=run)
    line = BillLine.objects.get(house=h, fee_item=water)
    assert line.amount == Decimal("15") * Decimal("3.5") + Decimal("5") * Decimal("5.25")
    assert line.detail["replaced"] is True
    assert not BillLine.objects.filter(house=world.houses[1], fee_item=water).exists()
    services.confirm_reading(actor=admin, reading=flagged)
    _run(world, "2027-01", items=[water])
    assert BillLine.objects.get(house=world.houses[1], fee_item=water).amount > 0


def test_meter_import_xlsx(world):
    wb = Workbook()
    ws = wb.active
    ws.append(["楼栋", "房号", "表", "日期", "读数"])
    ws.append(["1幢", world.house.number, "水", "2027-01-31", "12.5"])
    ws.append(["1幢", "no-such", "水", "2027-01-31", "3"])
    buf = BytesIO()
    wb.save(buf)
    buf.seek(0)
    created, errors = services.import_readings(
        actor=world.users["cashier"], community=world.community, fileobj=buf
    )
    assert created == 1 and errors and errors[0][0] == 3


def test_shared_consumption_shares_add_up_with_designated_remainder(world):
    admin = world.users["org_admin"]
    shared = services.create_fee_item(
        actor=admin,
        community=world.community,
        name="公摊电费",
        method=Method.SHARED,
        unit_price="0.5383",
        unit="元/度",
        pass_through=True,
        effective_from=date(2026, 1, 1),
        published=True,
        basis="电力公司电价",
    )
    services.record_shared_usage(
        actor=admin,
        fee_item=shared,
        period="2027-01",
        usage="1234.57",
        remainder_house=world.houses[2],
    )
    _run(world, "2027-01", items=[shared])
    lines = list(BillLine.objects.filter(fee_item=shared))
    assert len(lines) == 4
    total = Decimal("1234.57") * Decimal("0.5383")
    assert sum(ln.amount for ln in lines) == total.quantize(Decimal("0.01"))
    assert [ln.house_id for ln in lines if ln.detail["remainder"]] == [world.houses[2].pk]


def test_one_off_charge_idempotent_per_source(world):
    admin = world.users["org_admin"]
    repair = services.create_fee_item(
        actor=admin,
        community=world.community,
        name="有偿维修",
        method=Method.ONE_OFF,
        unit_price="0",
        unit="元/次",
        effective_from=date(2026, 1, 1),
        published=True,
    )
    b1 = services.add_one_off_charge(
        actor=admin,
        house=world.house,
        fee_item=repair,
        amount="80.00",
        description="更换水龙头",
        source="servicedesk.ticket:17",
    )
    b2 = services.add_one_off_charge(
        actor=admin,
        house=world.house,
        fee_item=repair,
        amount="80.00",
        description="更换水龙头",
        source="servicedesk.ticket:17",
    )
    assert b1.pk == b2.pk and BillLine.objects.filter(fee_item=repair).count() == 1
    unpublished = services.create_fee_item(
        actor=admin,
        community=world.community,
        name="未公示",
        method=Method.ONE_OFF,
        unit_price="0",
        effective_from=date(2026, 1, 1),
    )
    with pytest.raises(DomainError):
        services.add_one_off_charge(
            actor=admin, house=world.house, fee_item=unpublished, amount="5", description="x"
        )


def test_payments_settle_oldest_first_and_prepay_cap(world, fees, posted, settings):
    _run(world, "2027-02")
    cashier = world.users["cashier"]
    h = world.house  # 260.00 a month
    p = services.record_payment(actor=cashier, house=h, amount="300.00", method="cash")
    jan, feb = Bill.objects.filter(house=h).order_by("period_start")
    assert jan.paid == Decimal("260.00") and jan.status == "paid"
    assert feb.paid == Decimal("40.00") and p.to_wallet == 0
    settings.ANJU_PREPAY_MAX_MONTHS = 2
    with pytest.raises(DomainError) as exc:  # owed 220 + cap 2 * 260 = 740 max
        services.record_payment(actor=cashier, house=h, amount="740.01", method="cash")
    assert "amount" in exc.value.fields
    p2 = services.record_payment(actor=cashier, house=h, amount="740.00", method="bank")
    assert p2.to_wallet == Decimal("520.00")
    assert Wallet.objects.get(house=h).balance == Decimal("520.00")
    # the next run settles from the wallet automatically
    _run(world, "2027-03")
    march = Bill.objects.get(house=h, period="2027-03")
    assert march.status == "paid" and Wallet.objects.get(house=h).balance == Decimal("260.00")
    # refund of prepaid fees for periods not served
    entry = services.refund_prepayment(
        actor=world.users["finance"], house=h, amount="260.00", reason="服务合同于2027-03-31终止"
    )
    assert entry.balance_after == 0
    with pytest.raises(DomainError):
        services.refund_prepayment(actor=world.users["finance"], house=h, amount="0.01", reason="x")
    for payment in Payment.objects.all():
        allocated = sum(a.amount for a in Allocation.objects.filter(payment=payment))
        assert allocated + payment.to_wallet == payment.amount


def test_credit_note_on_paid_line_moves_money_to_wallet(world, fees, posted):
    h = world.house
    services.record_payment(actor=world.users["cashier"], house=h, amount="260.00", method="cash")
    line = BillLine.objects.get(house=h, fee_item=fees["fixed"])
    note = services.issue_credit_note(
        actor=world.users["finance"], line=line, amount="10.00", reason="重复收费"
    )
    bill = Bill.objects.get(pk=line.bill_id)
    assert note.number.startswith("HC-")
    assert (
        bill.balance == 0 and bill.credited == Decimal("10.00") and bill.paid == Decimal("250.00")
    )
    assert Wallet.objects.get(house=h).balance == Decimal("10.00")
    assert sum(a.amount for a in Allocation.objects.filter(bill=bill)) == bill.paid
    with pytest.raises(DomainError):
        services.issue_credit_note(
            actor=world.users["finance"], line=line, amount="0.01", reason="x"
        )


def test_late_charges_only_with_rate_partial_payments_and_waiver(world):
    admin = world.users["org_admin"]
    item = services.create_fee_item(
        actor=admin,
        community=world.community,
        name="物业费",
        method=Method.AREA,
        unit_price="10",
        unit="元/m²·月",
        effective_from=date(2026, 1, 1),
        published=True,
        due_days=14,
        late_daily_rate="0.0005",
        late_grace_days=5,
        late_cap_rate="0.1",
    )
    plain = services.create_fee_item(
        actor=admin,
        community=world.community,
        name="无违约金",
        method=Method.FIXED,
        unit_price="100",
        effective_from=date(2026, 1, 1),
        published=True,
        due_days=14,
    )
    _run(world, "2027-01")  # due 2027-01-15, interest from 2027-01-21
    h = world.house
    line = BillLine.objects.get(house=h, fee_item=item)  # 1000.00
    with time_machine.travel("2027-01-31 12:00 +0800"):
        services.record_payment(
            actor=world.users["cashier"], house=h, amount="600.00", method="cash"
        )
    services.accrue_late_charges(as_of=date(2027, 2, 9))
    lc = LateCharge.objects.get(line=line)
    # 400 unpaid 2027-01-21..30 (10 days at 1000 → but 600 paid on 01-31): 1000*0.0005*10 + 400*0.0005*10
    assert lc.amount == Decimal("5.00") + Decimal("2.00")
    assert not LateCharge.objects.filter(line__fee_item=plain).exists()
    bill = Bill.objects.get(pk=line.bill_id)
    assert bill.late_fee == lc.amount
    services.accrue_late_charges(as_of=date(2027, 2, 9))  # idempotent
    assert LateCharge.objects.get(line=line).amount == lc.amount
    services.waive_late_charge(
        actor=world.users["manager"], late_charge=lc, reason="首次逾期，减免"
    )
    bill.refresh_from_db()
    assert bill.late_fee == 0 and bill.balance == Decimal("500.00")


def test_limitation_clock_restarts_with_delivered_demand(world, fees, posted):
    bill = Bill.objects.get(house=world.house)
    assert services.limitation(bill)["expires"] == date(2030, 1, 31)
    with time_machine.travel("2027-06-01 10:00 +0800"):
        action = services.create_collection_action(
            actor=world.users["cashier"], house=world.house, kind="demand_notice"
        )
        services.deliver_collection_action(
            actor=world.users["cashier"], action=action, method="EMS", proof="EMS998877"
        )
    assert services.limitation(bill)["expires"] == date(2030, 6, 1)


def test_cash_up(world, fees, posted):
    with time_machine.travel("2027-01-20 09:00 +0800"):
        services.record_payment(
            actor=world.users["cashier"], house=world.house, amount="260.00", method="cash"
        )
        services.record_payment(
            actor=world.users["cashier"], house=world.houses[1], amount="100.00", method="pos"
        )
        up = services.close_cash_up(
            actor=world.users["cashier"], community=world.community, day=date(2027, 1, 20)
        )
        assert (
            up.total == Decimal("360.00")
            and up.count == 2
            and up.totals == {"cash": "260.00", "pos": "100.00"}
        )
        with pytest.raises(DomainError):
            services.close_cash_up(
                actor=world.users["cashier"], community=world.community, day=date(2027, 1, 20)
            )


class TestBalancesNeverNegative(HypothesisTestCase):
    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        amounts=st.lists(
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal("400"), places=2),
            min_size=1,
            max_size=6,
        )
    )
    def test_random_payments(self, amounts):
        from anju.core.testing import make_world

        world = make_world()
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
        for period in ("2027-01", "2027-02"):
            _run(world, period)
        h = world.house
        for i, amount in enumerate(amounts):
            with contextlib.suppress(DomainError):
                services.record_payment(
                    actor=world.users["cashier"],
                    house=h,
                    amount=amount,
                    method="cash",
                    idempotency_key=f"k{i}",
                )
        for bill in Bill.objects.filter(house=h):
            assert bill.balance >= 0 and bill.paid >= 0
            assert sum(a.amount for a in bill.allocations.all()) == bill.paid
        wallet = Wallet.objects.filter(house=h).first()
        assert wallet is None or wallet.balance >= 0
        for entry in WalletEntry.objects.all():
            assert entry.balance_after >= 0
        for p in Payment.objects.all():
            assert sum(a.amount for a in p.allocations.all()) + p.to_wallet == p.amount


def test_periodic_task_is_registered_and_idempotent(world):
    from anju.billing import tasks
    from anju.core.jobs import REGISTRY

    assert "anju.billing.tasks.accrue_late_charges" in REGISTRY
    assert tasks.accrue_late_charges() == 0


def _overdue_with_late_charge(world):
    services.create_fee_item(
        actor=world.users["org_admin"],
        community=world.community,
        name="物业费",
        method=Method.AREA,
        unit_price="10",
        unit="元/m²·月",
        effective_from=date(2026, 1, 1),
        published=True,
        due_days=14,
        late_daily_rate="0.0005",
        late_grace_days=5,
    )
    _run(world, "2027-01")  # 1000.00 due 2027-01-15, interest from 2027-01-21
    services.accrue_late_charges(as_of=date(2027, 2, 9))
    return LateCharge.objects.get(house=world.house)


def test_payment_settles_interest_before_principal_by_default(world):
    """民法典第561条: unless agreed otherwise, interest is paid before the principal."""
    lc = _overdue_with_late_charge(world)
    assert lc.amount == Decimal("10.00")  # 1000 × 0.05% × 20 days
    services.record_payment(
        actor=world.users["cashier"], house=world.house, amount="100.00", method="cash"
    )
    lc.refresh_from_db()
    line = BillLine.objects.get(house=world.house)
    assert lc.paid == Decimal("10.00")
    assert sum(a.amount for a in line.allocations.all()) == Decimal("90.00")


def test_payment_order_by_contract_settles_principal_first(world, settings):
    settings.ANJU_PAYMENT_ALLOCATION = "principal_first"
    lc = _overdue_with_late_charge(world)
    services.record_payment(
        actor=world.users["cashier"], house=world.house, amount="100.00", method="cash"
    )
    lc.refresh_from_db()
    line = BillLine.objects.get(house=world.house)
    assert lc.paid == 0
    assert sum(a.amount for a in line.allocations.all()) == Decimal("100.00")


@pytest.mark.postgres
def test_posted_bills_and_lines_cannot_be_deleted_even_in_sql(world, fees, posted):
    from django.db import DatabaseError, connection, transaction

    assert Bill.objects.exists() and BillLine.objects.exists()
    for table in ("billing_billline", "billing_bill"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
    billed_item = BillLine.objects.first().fee_item
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM billing_feeitem WHERE id = %s", [billed_item.pk])
