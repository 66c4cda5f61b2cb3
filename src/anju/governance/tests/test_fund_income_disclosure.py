"""Maintenance fund (分户账, use flow, emergency, 30% alert), public income (第282条, 北京第74条)
and disclosures (第943条: eight sections, frozen versions, PDF)."""

import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anju.core.errors import DomainError, InvalidTransition
from anju.core.models import Notification
from anju.core.tests import samples
from anju.governance import selectors, services
from anju.governance.models import Disclosure, FundAccount, FundEntry, IncomeEntry

from .factories import cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(world):
    return services.open_fund_accounts(
        actor=world.users["finance"], community=world.community, rate_per_m2=Decimal("50")
    )


def test_accounts_open_from_area_and_ledger_adds_up(world, accounts):
    assert [a.initial_deposit for a in accounts] == [
        Decimal("5000.00"),
        Decimal("5050.00"),
        Decimal("5100.00"),
        Decimal("5150.00"),
    ]
    assert all(a.balance == a.initial_deposit for a in accounts)
    assert FundEntry.objects.filter(kind="initial").count() == 4
    again = services.open_fund_accounts(
        actor=world.users["finance"], community=world.community, rate_per_m2=Decimal("50")
    )
    assert again == []  # idempotent


def _request(world, **extra):
    data = {
        "community": world.community,
        "title": "1幢屋面防水",
        "houses": world.houses[:3],
        "estimated_cost": Decimal("1000.00"),
        "remainder_house": world.houses[1],
    }
    data.update(extra)
    return services.create_fund_request(actor=world.users["manager"], **data)


def test_use_request_needs_a_passed_vote_then_disburses_by_area(world, accounts):
    request = _request(world)
    with pytest.raises(InvalidTransition):
        services.start_works(request, actor=world.users["manager"])
    now = timezone.now()
    request = services.start_fund_vote(
        request,
        actor=world.users["manager"],
        opens_at=now + timedelta(days=16),
        closes_at=now + timedelta(days=23),
    )
    vote = request.vote
    assert vote.matter == "use_maintenance_fund" and set(vote.houses.all()) == set(world.houses[:3])
    from anju.core.models import Occupancy, Person, User

    third = Person.objects.create(organization=world.org, name="三号业主")
    Occupancy.objects.create(
        organization=world.org,
        community=world.community,
        house=world.houses[2],
        person=third,
        relation="owner",
        is_representative=True,
    )
    User.objects.create(username="third", person=third)
    services.publish_notice(vote, actor=world.users["committee"], now=now)
    vote = services.open_vote(vote, actor=world.users["committee"], now=vote.opens_at)
    assert vote.electors.count() == 3  # only the houses in scope (列支范围)
    cast(vote, world.people["owner"], "yes", vote.opens_at)
    cast(vote, world.people["neighbour"], "yes", vote.opens_at)
    cast(vote, third, "no", vote.opens_at)
    vote = services.close_vote(vote, actor=world.users["committee"], now=vote.closes_at)
    assert vote.result["passed"] is True  # 201 of 303 m² and 2 of 3 heads: more than half of both
    request = services.start_works(
        request, actor=world.users["manager"], contractor="杭州防水工程公司"
    )
    request = services.apply_for_disbursement(
        request, actor=world.users["manager"], actual_cost=Decimal("1000.00")
    )
    request = services.approve_fund_request(request, actor=world.users["finance"])
    request = services.disburse_fund_request(request, actor=world.users["finance"])
    debits = {e.house_id: e.amount for e in FundEntry.objects.filter(request=request)}
    assert sum(debits.values()) == Decimal("-1000.00")
    # 100 : 101 : 102 of 1000 = 330.03, 333.33, 336.63 -> remainder 0.01 on the designated house
    assert debits[world.houses[0].pk] == Decimal("-330.03")
    assert debits[world.houses[2].pk] == Decimal("-336.63")
    assert debits[world.houses[1].pk] == Decimal("-333.34")


def test_vote_only_two_of_three_heads_but_not_quorum_blocks_the_works(world, accounts):
    request = _request(world)
    now = timezone.now()
    request = services.start_fund_vote(
        request,
        actor=world.users["manager"],
        opens_at=now + timedelta(days=16),
        closes_at=now + timedelta(days=23),
    )
    vote = request.vote
    services.publish_notice(vote, actor=world.users["committee"], now=now)
    vote = services.open_vote(vote, actor=world.users["committee"], now=vote.opens_at)
    cast(vote, world.people["owner"], "yes", vote.opens_at)  # 1 of 3 heads: no quorum
    services.close_vote(vote, actor=world.users["committee"], now=vote.closes_at)
    with pytest.raises(InvalidTransition):
        services.start_works(request, actor=world.users["manager"])


def test_emergency_path_needs_justification_and_no_vote(world, accounts):
    with pytest.raises(DomainError) as exc:
        _request(world, emergency=True, emergency_kind="lift", justification="")
    assert "justification" in exc.value.fields
    request = _request(
        world,
        emergency=True,
        emergency_kind="lift",
        justification="1幢电梯曳引钢丝绳断股，特检院责令停用，需立即更换。",
    )
    request = services.start_works(request, actor=world.users["manager"], contractor="电梯维保公司")
    assert request.status == "works" and request.vote_id is None


def test_disbursement_refused_when_a_house_balance_does_not_cover_its_share(world, accounts):
    request = _request(
        world,
        emergency=True,
        emergency_kind="roof",
        justification="屋面大面积渗漏，雨季将至。",
        estimated_cost=Decimal("20000"),
    )
    services.start_works(request, actor=world.users["manager"])
    services.apply_for_disbursement(
        request, actor=world.users["manager"], actual_cost=Decimal("20000")
    )
    services.approve_fund_request(request, actor=world.users["finance"])
    with pytest.raises(DomainError):
        services.disburse_fund_request(request, actor=world.users["finance"])
    assert FundEntry.objects.filter(kind="disbursement").count() == 0  # nothing half-written


def test_low_balance_alert_per_house_below_30_percent(world, accounts):
    request = _request(
        world,
        houses=[world.houses[0]],
        remainder_house=None,
        emergency=True,
        emergency_kind="facade",
        justification="外墙瓷砖脱落，危及行人安全。",
        estimated_cost=Decimal("3500"),
    )
    services.start_works(request, actor=world.users["manager"])
    services.apply_for_disbursement(
        request, actor=world.users["manager"], actual_cost=Decimal("3500.01")
    )
    services.approve_fund_request(request, actor=world.users["finance"])
    services.disburse_fund_request(request, actor=world.users["finance"])
    low = list(selectors.low_balance_accounts(world.community))
    assert [a.house_id for a in low] == [world.houses[0].pk]  # 1499.99 < 1500.00
    assert services.alert_low_balances() == 1
    assert Notification.objects.filter(user=world.users["resident"]).exists()
    assert services.alert_low_balances() == 0  # not again within the month
    services.top_up_fund(actor=world.users["finance"], account=low[0], amount=Decimal("0.01"))
    assert list(selectors.low_balance_accounts(world.community)) == []  # exactly 30% is not below


def test_ledger_rows_are_immutable(world, accounts):
    entry = FundEntry.objects.first()
    entry.amount = Decimal("1")
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()


def _evidence():
    return SimpleUploadedFile("invoice.pdf", samples.pdf(), content_type="application/pdf")


def test_public_income_costs_need_evidence_and_net_belongs_to_owners(world, accounts):
    finance = world.users["finance"]
    services.record_income(
        actor=finance,
        community=world.community,
        kind="income",
        category="lift_ads",
        amount=Decimal("12000"),
        occurred_on=date(2026, 10, 5),
        description="电梯广告 Q4",
    )
    with pytest.raises(DomainError) as exc:
        services.record_income(
            actor=finance,
            community=world.community,
            kind="cost",
            category="lift_ads",
            amount=Decimal("1200"),
            occurred_on=date(2026, 10, 6),
            description="广告代理费",
        )
    assert "evidence" in exc.value.fields
    cost = services.record_income(
        actor=finance,
        community=world.community,
        kind="cost",
        category="lift_ads",
        amount=Decimal("1200"),
        occurred_on=date(2026, 10, 6),
        description="广告代理费",
        evidence=_evidence(),
    )
    assert cost.evidence_id
    allocation = services.allocate_income(
        actor=finance,
        community=world.community,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 12, 31),
        fund_share="1/4",
    )
    assert (allocation.net, allocation.to_fund, allocation.retained) == (
        Decimal("10800.00"),
        Decimal("2700.00"),
        Decimal("8100.00"),
    )
    credited = FundEntry.objects.filter(allocation=allocation)
    assert sum(e.amount for e in credited) == Decimal("2700.00")
    assert IncomeEntry.objects.filter(allocation=allocation).count() == 2


def test_beijing_rule_requires_half_to_the_fund_when_below_30_percent(world, accounts):
    world.community.jurisdiction = "110105"
    world.community.save()
    FundAccount.objects.update(balance=Decimal("100.00"))  # far below 30%
    finance = world.users["finance"]
    services.record_income(
        actor=finance,
        community=world.community,
        kind="income",
        category="parking",
        amount=Decimal("1000"),
        occurred_on=date(2026, 11, 1),
        description="共有道路停车费",
    )
    with pytest.raises(DomainError) as exc:
        services.allocate_income(
            actor=finance,
            community=world.community,
            period_start=date(2026, 11, 1),
            period_end=date(2026, 11, 30),
            fund_share="0.4",
        )
    assert "fund_share" in exc.value.fields
    allocation = services.allocate_income(
        actor=finance,
        community=world.community,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
    )
    assert allocation.to_fund == Decimal("500.00") and "北京" in allocation.rule


def test_income_rows_are_reversed_not_edited(world):
    finance = world.users["finance"]
    row = services.record_income(
        actor=finance,
        community=world.community,
        kind="income",
        category="venue",
        amount=Decimal("300"),
        occurred_on=date(2026, 11, 2),
        description="会所租金",
    )
    with pytest.raises(ValidationError):
        row.delete()
    reversal = services.reverse_income(row, actor=finance, reason="录入重复")
    assert reversal.amount == Decimal("-300.00")
    assert (
        selectors.period_totals(world.community, date(2026, 11, 1), date(2026, 11, 30))["net"] == 0
    )


def test_disclosure_has_eight_sections_is_frozen_and_prints(world, accounts):
    finance = world.users["finance"]
    services.record_income(
        actor=finance,
        community=world.community,
        kind="income",
        category="lift_ads",
        amount=Decimal("8800"),
        occurred_on=timezone.localdate(),
        description="电梯广告",
    )
    d = services.generate_disclosure(
        actor=finance,
        community=world.community,
        period_start=timezone.localdate() - timedelta(days=90),
        period_end=timezone.localdate(),
    )
    assert list(d.sections) == [
        "service_items",
        "responsible_persons",
        "quality_requirements",
        "fee_items",
        "fee_standards",
        "performance",
        "maintenance_fund",
        "common_income",
    ]
    assert d.sections["common_income"]["income"] == "8800.00"
    d = services.publish_disclosure(d, actor=finance)
    assert d.version == 1 and services.is_intact(d)
    d.title = "改过"
    with pytest.raises(ValidationError):
        d.save()
    with pytest.raises(InvalidTransition):
        services.regenerate_disclosure(d, actor=finance)
    Disclosure.objects.filter(pk=d.pk).update(sections={**d.sections, "common_income": {}})
    assert not services.is_intact(Disclosure.objects.get(pk=d.pk))
    d2 = services.generate_disclosure(
        actor=finance,
        community=world.community,
        period_start=d.period_start,
        period_end=d.period_end,
    )
    d2 = services.publish_disclosure(d2, actor=finance)
    assert d2.version == 2 and d2.previous_id == d.pk
    pdf = services.render_pdf(d2)
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        assert world.community.name in text and "8,800.00" in text


def test_disclosure_schedule_follows_the_jurisdiction(world):
    rows = {r["code"]: r["months"] for r in services.schedule(world.community2)}  # Shanghai
    assert rows["common_income"] == 3 and rows["maintenance_fund"] == 6
    assert {r["code"]: r["months"] for r in services.schedule(world.community)}[
        "common_income"
    ] == 6


def test_disclosure_reads_fee_standards_from_billing_when_installed(world):
    from django.apps import apps

    if not apps.is_installed("anju.billing"):
        pytest.skip("billing is not installed")
    try:
        fee_item = apps.get_model("billing", "FeeItem")
    except LookupError:
        pytest.skip("billing has no FeeItem")
    fields = {f.name for f in fee_item._meta.get_fields()}
    data = {
        "organization": world.org,
        "community": world.community,
        "name": "物业服务费",
        "unit_price": Decimal("2.35"),
        "effective_from": date(2026, 1, 1),
    }
    data |= {
        k: v
        for k, v in {"method": "area", "unit": "元/m²·月", "basis": "合同第五条"}.items()
        if k in fields
    }
    fee_item.objects.create(**data)
    d = services.generate_disclosure(
        actor=world.users["finance"],
        community=world.community,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 12, 31),
    )
    assert d.sections["fee_items"]["items"] == ["物业服务费"]
    assert d.sections["fee_standards"]["rows"][0]["standard"] == "2.35"
    assert d.sections["performance"]["available"] is apps.is_installed("anju.servicedesk")


def test_the_alert_share_defaults_to_30_per_cent_where_no_rule_set_is_in_force(
    world, accounts, monkeypatch
):
    """The fallback used to be Decimal('0.3'): no .denominator for the SQL filter, and no
    product with a Fraction for FundAccount.below."""
    from anju.governance.models import RuleSet

    low = accounts[0]
    FundAccount.objects.filter(pk=low.pk).update(balance=Decimal("1000.00"))
    low.refresh_from_db()
    monkeypatch.setattr(type(RuleSet.objects), "for_community", lambda self, *a, **k: None)
    ratio = selectors.alert_ratio(world.community)
    assert list(selectors.low_balance_accounts(world.community)) == [low]
    assert low.below(ratio) and not accounts[1].below(ratio)
