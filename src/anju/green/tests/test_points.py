"""The green-points ledger: never negative (hypothesis, the service and the database), every
entry with its reason and source, expiry as rule data written once, the read-only API."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anju.core.errors import DomainError
from anju.core.testing import api_client
from anju.green import selectors, services
from anju.green.choices import EntryKind
from anju.green.models import PointsAccount, PointsEntry, PointsRule

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")

OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["award", "spend"]), st.integers(min_value=1, max_value=60)),
    max_size=25,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=OPERATIONS)
def test_points_are_never_negative(world, operations):
    manager, house = world.users["manager"], world.houses[2]
    with transaction.atomic():
        expected = selectors.balance_of(house)
        for kind, points in operations:
            if kind == "award":
                services.award(actor=manager, house=house, points=points, reason="测试")
                expected += points
            elif points > expected:
                before = PointsEntry.objects.filter(house=house).count()
                with pytest.raises(DomainError) as refused:
                    services.spend(actor=manager, house=house, points=points, reason="兑换")
                assert "points" in refused.value.fields
                assert PointsEntry.objects.filter(house=house).count() == before
            else:
                services.spend(actor=manager, house=house, points=points, reason="兑换")
                expected -= points
            balance = selectors.balance_of(house)
            assert balance == expected >= 0
        entries = list(PointsEntry.objects.filter(house=house))
        assert sum(e.points for e in entries) == selectors.balance_of(house)
        assert all(e.balance_after >= 0 and e.reason for e in entries)
        transaction.set_rollback(True)


def test_the_database_refuses_a_negative_balance(world):
    services.award(actor=None, house=world.house, points=3, reason="测试")
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsAccount.objects.filter(house=world.house).update(balance=-1)


def test_bad_amounts_and_reasons_are_refused_by_name(world):
    for points, reason, field in [
        (0, "x", "points"),
        (-5, "x", "points"),
        ("abc", "x", "points"),
        (10**9, "x", "points"),
        (5, " ", "reason"),
    ]:
        with pytest.raises(DomainError) as refused:
            services.award(actor=None, house=world.house, points=points, reason=reason)
        assert field in refused.value.fields
    assert not PointsEntry.objects.exists()


def test_points_expire_once_by_the_rule(world):
    house = world.house
    PointsRule.objects.create(
        organization=world.org, effective_from=date(2020, 1, 1), valid_months=12, note="12 个月有效"
    )
    earned = datetime(2026, 1, 15, 10, 0, tzinfo=TZ)
    services.award(actor=None, house=house, points=100, reason="参加活动", at=earned)
    services.award(
        actor=None,
        house=house,
        points=40,
        reason="正确分类",
        at=datetime(2026, 6, 1, 10, 0, tzinfo=TZ),
    )
    assert PointsEntry.objects.get(points=100).expires_on == date(2027, 1, 15)
    services.spend(actor=None, house=house, points=30, reason="兑换大米")
    assert services.expire_points(today=date(2027, 1, 14)) == 0
    assert services.expire_points(today=date(2027, 1, 15)) == 1
    expiry = PointsEntry.objects.get(kind=EntryKind.EXPIRE)
    assert expiry.points == -70  # the oldest points were spent first
    assert services.expire_points(today=date(2027, 1, 15)) == 0
    assert services.expire_points(today=date(2027, 1, 16)) == 0
    assert selectors.balance_of(house) == 40
    assert services.expire_points(today=date(2027, 6, 1)) == 1
    assert selectors.balance_of(house) == 0
    assert PointsEntry.objects.filter(kind=EntryKind.EXPIRE).count() == 2


def test_the_points_api_reads_a_households_ledger_and_takes_no_writes(world):
    services.award(actor=None, house=world.houses[0], points=8, reason="正确分类")
    services.award(actor=None, house=world.houses[1], points=9, reason="正确分类")
    resident = api_client(world.users["resident"])
    mine = resident.get(f"/api/v1/points/?house={world.houses[0].pk}").json()["results"]
    assert [(e["points"], e["balance_after"], e["reason"]) for e in mine] == [(8, 8, "正确分类")]
    assert resident.get(f"/api/v1/points/?house={world.houses[1].pk}").json()["results"] == []
    assert (
        resident.post("/api/v1/points/", {"house": world.houses[0].pk, "points": 100}).status_code
        == 405
    )
    staff = (
        api_client(world.users["agent"]).get(f"/api/v1/points/?house={world.houses[1].pk}").json()
    )
    assert staff["results"][0]["points"] == 9
    assert api_client(world.users["outsider"]).get("/api/v1/points/").json()["results"] == []


def test_points_per_reason_come_from_the_companys_rule(world):
    house = world.houses[0]
    # The platform default rule until the company publishes its own.
    default = selectors.points_rule_for(world.org.pk)
    assert default.organization_id is None
    assert services.points_for(house, "event") == default.event_points > 0
    PointsRule.objects.create(
        organization=world.org,
        effective_from=date(2020, 1, 1),
        valid_months=12,
        sorting_points=3,
        event_points=20,
        survey_points=0,
        space_lent_points=7,
    )
    assert [services.points_for(house, r) for r in services.EARNED_BY_RULE] == [3, 20, 0, 7]
    entry = services.award_for(
        actor=None, house=house, earned_for="event", reason="参加活动", source="life.signup:1"
    )
    assert (entry.points, entry.balance_after) == (20, 20)
    # Once per source, whatever the rule says later.
    again = services.award_for(
        actor=None, house=house, earned_for="event", reason="参加活动", source="life.signup:1"
    )
    assert again.pk == entry.pk and selectors.balance_of(house) == 20
    # A reason the rule gives nothing for writes nothing.
    assert (
        services.award_for(
            actor=None, house=house, earned_for="survey", reason="问卷", source="x.y:1"
        )
        is None
    )
    assert PointsEntry.objects.filter(house=house).count() == 1
    with pytest.raises(ValueError):
        services.points_for(house, "other")


def test_a_rule_cannot_give_more_than_the_bound(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsRule.objects.create(
            organization=world.org,
            effective_from=date(2021, 1, 1),
            valid_months=12,
            event_points=1001,
        )


def test_an_answered_survey_earns_the_survey_points_once(world):
    from anju.notices import services as notices
    from anju.notices.tests.test_surveys import answers_for, quarterly

    PointsRule.objects.create(
        organization=world.org, effective_from=date(2020, 1, 1), valid_months=12, survey_points=4
    )
    survey = quarterly(world)
    response = notices.submit_response(
        actor=world.users["resident"], survey=survey, answers=answers_for(survey)
    )
    entry = PointsEntry.objects.get(source=f"notices.surveyresponse:{response.pk}")
    assert (entry.house_id, entry.points, entry.kind) == (response.house_id, 4, EntryKind.EARN)
    assert survey.title in entry.reason
    with pytest.raises(DomainError):
        notices.submit_response(
            actor=world.users["resident"], survey=survey, answers=answers_for(survey)
        )
    assert PointsEntry.objects.filter(house_id=response.house_id).count() == 1
