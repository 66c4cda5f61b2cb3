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
