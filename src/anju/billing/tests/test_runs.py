"""Billing runs: the preview stages its lines and posting writes them set-based (SQLite and,
with DATABASE_URL, PostgreSQL, where posting is one INSERT ... SELECT with RETURNING)."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from anju.billing import reports, services
from anju.billing.choices import Method, RunStatus
from anju.billing.models import Bill, BillingRun, BillLine, RunLine
from anju.core.choices import Relation
from anju.core.models import House, Occupancy

pytestmark = pytest.mark.django_db


def _houses(world):
    return House.objects.filter(community=world.community).count()


@pytest.fixture
def varied(world, fees):
    """Proration, a developer-held house, a tenant payer, a vacancy discount, a metered and a
    shared item: every kind of line a run writes."""
    admin = world.users["org_admin"]
    h0, h1, h2, h3 = world.houses[:4]
    h2.delivered_on = date(2027, 1, 17)
    h2.save()
    h3.sold = False
    h3.save()
    world.community.developer = "甲置业有限公司"
    world.community.save()
    Occupancy.objects.filter(house=h0, relation=Relation.TENANT).update(is_payer=True)
    rule = services.create_vacancy_rule(
        actor=admin, fee_item=fees["area"], payable_rate="0.6", min_days=180, basis="条例第38条"
    )
    services.register_vacancy_notice(
        actor=admin,
        house=h1,
        rule=rule,
        notice_date=date(2026, 6, 1),
        notice_reference="空置申报书 2026-018",
        start=date(2026, 6, 1),
    )
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
        effective_from=date(2026, 1, 1),
        published=True,
        due_days=10,
    )
    for day, value in ((date(2026, 12, 31), "100"), (date(2027, 1, 31), "121")):
        services.enter_reading(actor=admin, house=h0, kind="water", read_on=day, value=value)
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
    )
    services.record_shared_usage(actor=admin, fee_item=shared, period="2027-01", usage="1234.57")
    return {**fees, "water": water, "shared": shared, "delivered": h2}


def _computed(world, period):
    """What the run computer makes of the period, house by house (the pre-staging posting
    wrote exactly this)."""
    computer = services.RunComputer(world.community, period)
    out = {}
    for chunk in computer.chunks():
        for h, payer, lines, kind in chunk:
            out[h["id"], payer[0], kind] = (
                payer,
                # as stored: JSON (tuples come back as lists)
                {
                    item.pk: (amount, json.loads(json.dumps(detail)))
                    for item, amount, detail in lines
                },
                computer.period.start + timedelta(days=min(item.due_days for item, *_ in lines)),
            )
    return out


def test_posting_writes_exactly_the_computed_bills_and_lines(world, varied):
    expected = _computed(world, "2027-01")
    # Every house once, and the house delivered on 17 January a second time: the developer's
    # bill for the 16 days before.
    assert len({key[0] for key in expected}) == _houses(world) == len(expected) - 1
    assert any(len(v[1]) == 4 for v in expected.values())
    assert [key for key in expected if key[2] == "before"] == [
        (varied["delivered"].pk, "developer", "before")
    ]
    admin = world.users["org_admin"]
    run = services.create_billing_run(actor=admin, community=world.community, period="2027-01")
    assert run.preview["staged"] and RunLine.objects.filter(run=run).count() == sum(
        len(v[1]) for v in expected.values()
    )
    run = services.post_billing_run(actor=admin, run=run)
    assert not RunLine.objects.filter(run=run).exists()  # working rows are gone
    bills = {(b.house_id, b.payer_kind): b for b in Bill.objects.filter(run=run)}
    assert set(bills) == {key[:2] for key in expected}
    grand = Decimal(0)
    for (house_id, _payer, line_kind), (
        (kind, payer_id, liable_id, name),
        lines,
        due,
    ) in expected.items():
        bill = bills[house_id, kind]
        assert (bill.payer_kind, bill.payer_id, bill.liable_id, bill.payer_name) == (
            kind,
            payer_id,
            liable_id,
            name,
        )
        assert (bill.period, bill.period_start, bill.period_end) == (
            "2027-01",
            date(2027, 1, 1),
            date(2027, 1, 31),
        )
        assert bill.due_date == due and bill.status == "open"
        assert (bill.paid, bill.credited, bill.late_fee) == (0, 0, 0)
        got = {
            line.fee_item_id: (line.amount, line.detail)
            for line in BillLine.objects.filter(bill=bill)
        }
        assert got == lines
        assert bill.total == sum((a for a, _d in lines.values()), Decimal(0))
        # lines in item order, each a line of the bill's house, period and kind
        assert list(bill.lines.values_list("fee_item_id", flat=True)) == sorted(lines)
        assert set(bill.lines.values_list("house_id", "period", "kind")) == {
            (house_id, "2027-01", line_kind)
        }
        grand += bill.total
    assert run.result == {
        "bills": len(expected),
        "lines": sum(len(v[1]) for v in expected.values()),
        "total": str(grand),
    }
    assert Decimal(run.preview["total"]) == grand
    assert run.status == RunStatus.POSTED


def test_rerun_loads_no_house_and_a_new_item_bills_only_itself(world, fees, posted):
    computer = services.RunComputer(world.community, "2027-01")
    assert computer.todo() == []  # every house is complete for the period
    admin = world.users["org_admin"]
    lift = services.create_fee_item(
        actor=admin,
        community=world.community,
        name="电梯运行费",
        method=Method.AREA,
        unit_price="0.3500",
        effective_from=date(2026, 1, 1),
        published=True,
    )
    run = services.create_billing_run(actor=admin, community=world.community, period="2027-01")
    assert run.preview["already_billed"] == 2 * _houses(world)
    run = services.post_billing_run(actor=admin, run=run)
    assert run.result["lines"] == _houses(world)
    assert set(BillLine.objects.filter(bill__run=run).values_list("fee_item_id", flat=True)) == {
        lift.pk
    }


def test_rerun_preview_query_count_does_not_grow_with_houses(
    world, fees, posted, django_assert_max_num_queries
):
    admin = world.users["org_admin"]
    with django_assert_max_num_queries(12):
        run = services.create_billing_run(actor=admin, community=world.community, period="2027-01")
    assert run.preview["lines"] == 0


def test_two_previews_of_a_period_post_once(world, fees):
    admin = world.users["org_admin"]
    first = services.create_billing_run(actor=admin, community=world.community, period="2027-01")
    second = services.create_billing_run(actor=admin, community=world.community, period="2027-01")
    assert second.preview["lines"] == first.preview["lines"] > 0
    services.post_billing_run(actor=admin, run=first)
    before = list(BillLine.objects.order_by("id").values_list("id", "amount"))
    second = services.post_billing_run(actor=admin, run=second)
    assert second.result == {"bills": 0, "lines": 0, "total": "0.00"}
    assert list(BillLine.objects.order_by("id").values_list("id", "amount")) == before
    assert not RunLine.objects.exists()


def test_a_run_previewed_before_staging_is_computed_at_post(world, fees):
    admin = world.users["org_admin"]
    run = services.create_billing_run(actor=admin, community=world.community, period="2027-01")
    # As a run previewed by the previous version: a summary, nothing staged.
    RunLine.objects.filter(run=run).delete()
    run.preview.pop("staged")
    run.save(update_fields=["preview"])
    run = services.post_billing_run(actor=admin, run=run)
    assert run.result["lines"] == 2 * _houses(world)
    assert Bill.objects.filter(run=run).count() == _houses(world)


def test_previews_left_unposted_drop_their_staged_lines_and_post_later_as_computed(
    world, fees, settings
):
    from django.utils import timezone

    from anju.billing import tasks
    from anju.core.models import AuditEntry

    admin = world.users["org_admin"]
    old = services.create_billing_run(actor=admin, community=world.community, period="2027-01")
    fresh = services.create_billing_run(actor=admin, community=world.community, period="2027-02")
    posted = services.create_billing_run(actor=admin, community=world.community, period="2027-03")
    posted = services.post_billing_run(actor=admin, run=posted)
    BillingRun.objects.filter(pk__in=[old.pk, posted.pk]).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    staged_fresh = RunLine.objects.filter(run=fresh).count()
    assert RunLine.objects.filter(run=old).count() == staged_fresh > 0

    settings.ANJU_BILLING_PREVIEW_KEEP_DAYS = 7
    assert tasks.drop_stale_previews() == 1  # the periodic job
    assert not RunLine.objects.filter(run=old).exists()
    assert RunLine.objects.filter(run=fresh).count() == staged_fresh  # within the days kept
    old.refresh_from_db()
    assert old.preview["staged"] is False and old.preview["lines"] == staged_fresh
    assert AuditEntry.objects.filter(action="billing.run.unstaged", object_id=str(old.pk)).exists()
    assert services.drop_stale_previews() == 0  # nothing left to drop

    # Posting the old preview computes its lines again: the same bills as staging would give.
    old = services.post_billing_run(actor=admin, run=old)
    assert old.result["lines"] == 2 * _houses(world)
    assert Bill.objects.filter(run=old).count() == _houses(world)
    assert not RunLine.objects.filter(run=old).exists()


def test_aging_counts_a_household_once_across_buckets(world, fees):
    admin = world.users["org_admin"]
    for period in ("2026-06", "2026-10"):
        services.post_billing_run(
            actor=admin,
            run=services.create_billing_run(actor=admin, community=world.community, period=period),
        )
    bills = Bill.objects.filter(community=world.community)
    aging = reports.arrears_aging(bills, as_of=date(2026, 12, 15), group="building")
    houses = _houses(world)
    assert aging["households"] == houses
    assert sum(r["households"] for r in aging["rows"]) == houses
    june = sum(b.total for b in bills.filter(period="2026-06"))
    october = sum(b.total for b in bills.filter(period="2026-10"))
    assert sum(Decimal(r["91-180"]) for r in aging["rows"]) == june  # due 2026-07-01
    assert sum(Decimal(r["31-90"]) for r in aging["rows"]) == october  # due 2026-10-31
    assert Decimal(aging["total"]) == june + october
    by_period = reports.arrears_aging(bills, as_of=date(2026, 12, 15), group="period")
    assert [r["group"] for r in by_period["rows"]] == ["2026-06", "2026-10"]
    assert by_period["households"] == houses
    assert [r["households"] for r in by_period["rows"]] == [houses, houses]


def test_posted_totals_are_exact_decimals_a_full_payment_clears(world):
    """A bill's total is its lines' exact sum on every backend (SQLite keeps decimals as REAL,
    where 0.70 + 0.10 sums to 0.7999...): paying the total in full clears the bill."""
    admin = world.users["org_admin"]
    for name, price in (("甲", "0.7000"), ("乙", "0.1000")):
        services.create_fee_item(
            actor=admin,
            community=world.community,
            name=name,
            method=Method.FIXED,
            unit_price=Decimal(price),
            effective_from=date(2026, 1, 1),
            published=True,
        )
    run = services.create_billing_run(actor=admin, community=world.community, period="2027-01")
    services.post_billing_run(actor=admin, run=run)
    run.refresh_from_db()
    assert Decimal(run.result["total"]) == sum(
        (b.total for b in Bill.objects.filter(run=run)), Decimal(0)
    )
    bill = Bill.objects.get(run=run, house=world.house)
    assert bill.total == Decimal("0.80")
    assert bill.total == sum((line.amount for line in bill.lines.all()), Decimal(0))
    services.record_payment(
        actor=world.users["cashier"], house=world.house, amount="0.80", method="cash"
    )
    bill.refresh_from_db()
    assert bill.status == "paid" and bill.balance == 0
