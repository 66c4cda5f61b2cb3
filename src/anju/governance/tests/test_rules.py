"""民法典第278条 thresholds at every boundary: quorum 2/3 (以上, inclusive), 3/4 for items 6-8
(以上), more than 1/2 for the others (过半数, strict); area and heads each decide alone."""

from decimal import Decimal

import pytest

from anju.governance.models import RuleSet
from anju.governance.tally import decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def national():
    return RuleSet.objects.get(jurisdiction="000000")


def counts(total_area, total_heads, yes=(0, 0), no=(0, 0), abstain=(0, 0)):
    c = {"total_area": Decimal(total_area), "total_heads": total_heads}
    for name, (area, heads) in (("yes", yes), ("no", no), ("abstain", abstain)):
        c[f"{name}_area"], c[f"{name}_heads"] = Decimal(area), heads
    c["voted_area"] = c["yes_area"] + c["no_area"] + c["abstain_area"]
    c["voted_heads"] = c["yes_heads"] + c["no_heads"] + c["abstain_heads"]
    return c


def test_seeded_national_rule_cites_article_278(national):
    assert "第二百七十八条" in national.citation
    assert national.is_major("raise_maintenance_fund") and national.is_major("rebuild")
    assert national.is_major("change_common_use") and not national.is_major("use_maintenance_fund")
    assert "四分之三以上" in national.rule_text("rebuild") and "过半数" in national.rule_text(
        "other_major"
    )


@pytest.mark.parametrize(
    ("voted_area", "voted_heads", "met"),
    [
        ("200.00", 2, True),  # exactly 2/3 of 300 m² and of 3 heads
        ("199.99", 2, False),  # area a cent short, heads exactly 2/3
        ("300.00", 1, False),  # all the area, heads below 2/3
        ("200.00", 3, True),
    ],
)
def test_quorum_boundary(national, voted_area, voted_heads, met):
    c = counts("300.00", 3, yes=(voted_area, voted_heads))
    assert decide(national, "other_major", c)["quorum_met"] is met


def test_quorum_counts_abstentions(national):
    c = counts("300.00", 3, yes=("100.00", 1), abstain=("100.00", 1))
    result = decide(national, "rules_of_procedure", c)
    assert result["quorum_met"] is True
    assert result["passed"] is False  # 1 of 2 heads is not more than half


@pytest.mark.parametrize(
    ("yes_area", "yes_heads", "passed"),
    [
        ("300.00", 3, True),  # exactly 3/4 of 400 m² and of 4 heads: 以上 includes the boundary
        ("299.99", 3, False),  # area short alone
        ("300.00", 2, False),  # heads short alone (2 of 4 < 3/4)
        ("400.00", 4, True),
    ],
)
@pytest.mark.parametrize("matter", ["raise_maintenance_fund", "rebuild", "change_common_use"])
def test_major_matters_need_three_quarters(national, matter, yes_area, yes_heads, passed):
    yes_area_d = Decimal(yes_area)
    c = counts(
        "400.00",
        4,
        yes=(yes_area, yes_heads),
        no=(str(Decimal("400.00") - yes_area_d), 4 - yes_heads),
    )
    assert decide(national, matter, c)["passed"] is passed


@pytest.mark.parametrize(
    ("yes", "no", "passed"),
    [
        (("200.00", 3), ("200.00", 1), False),  # area exactly half: 过半数 fails on area alone
        (("250.00", 2), ("150.00", 2), False),  # heads exactly half: fails on heads alone
        (("200.01", 3), ("199.99", 1), True),  # a cent more than half and 3 of 4 heads
        (("300.00", 3), ("100.00", 1), True),
    ],
)
@pytest.mark.parametrize(
    "matter",
    [
        "rules_of_procedure",
        "management_statute",
        "committee_election",
        "hire_or_dismiss_manager",
        "use_maintenance_fund",
        "other_major",
    ],
)
def test_ordinary_matters_need_more_than_half(national, matter, yes, no, passed):
    c = counts("400.00", 4, yes=yes, no=no)
    assert decide(national, matter, c)["passed"] is passed


def test_use_and_raise_of_the_fund_differ_on_the_same_ballots(national):
    c = counts("400.00", 4, yes=("280.00", 3), no=("120.00", 1))  # 70% of area, 75% of heads
    assert decide(national, "use_maintenance_fund", c)["passed"] is True
    assert decide(national, "raise_maintenance_fund", c)["passed"] is False


def test_no_electorate_never_passes(national):
    assert decide(national, "other_major", counts("0.00", 0))["passed"] is False


def test_local_rule_set_is_data_and_most_specific_wins(world, national):
    RuleSet.objects.create(
        **{
            f.name: getattr(national, f.name)
            for f in RuleSet._meta.concrete_fields
            if f.name
            not in (
                "id",
                "created_at",
                "jurisdiction",
                "effective_from",
                "name",
                "count_parking_area",
            )
        },
        jurisdiction="330100",
        effective_from=national.effective_from,
        name="杭州测试",
        count_parking_area=False,
    )
    assert (
        RuleSet.objects.for_community(world.community).name == "杭州测试"
    )  # 330106 -> city 330100
    assert RuleSet.objects.for_community(world.community2).jurisdiction == "310000"  # Shanghai


def test_rule_set_validates_fractions(national):
    from django.core.exceptions import ValidationError

    national.quorum_area = "two thirds"
    with pytest.raises(ValidationError):
        national.clean()
