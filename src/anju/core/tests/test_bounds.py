"""Domain bounds (issue 16): nonsense values refused by the services, the field named."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from anju.billing import services as billing
from anju.billing.models import Method
from anju.core import services
from anju.core.errors import DomainError
from anju.governance import services as governance
from anju.governance.choices import Matter
from anju.notices import services as notices

pytestmark = pytest.mark.django_db


def _refused(field, call, *args, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert list(caught.value.fields) == [field], caught.value.fields


def _fee(world, **extra):
    return billing.create_fee_item(
        actor=world.users["org_admin"],
        community=world.community,
        name="物业服务费",
        method=Method.AREA,
        unit_price=Decimal("2.5"),
        effective_from=date(2026, 1, 1),
        **extra,
    )


def test_a_late_charge_rate_of_500_percent_a_day_is_refused(world):
    _refused("late_daily_rate", _fee, world, late_daily_rate=Decimal("5"))
    _refused("late_daily_rate", _fee, world, late_daily_rate=Decimal("-0.0001"))
    assert _fee(world, late_daily_rate=Decimal("0.0005")).late_daily_rate == Decimal("0.0005")


@override_settings(ANJU_LATE_DAILY_RATE_MAX="0.001")
def test_the_late_charge_ceiling_is_a_setting(world):
    assert _fee(world, late_daily_rate=Decimal("0.001")).pk


def test_a_late_charge_rate_is_refused_on_update_and_through_the_api(world, api):
    item = _fee(world)
    _refused(
        "late_daily_rate",
        billing.update_fee_item,
        actor=world.users["org_admin"],
        item=item,
        data={"late_daily_rate": Decimal("5")},
    )
    response = api(world.users["org_admin"]).patch(
        f"/api/v1/fee-items/{item.pk}/", {"late_daily_rate": "5"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "late_daily_rate" in response.json()["error"]["fields"]


def test_money_amounts_have_a_ceiling(world):
    with pytest.raises(DomainError) as caught:
        billing.create_fee_item(
            actor=world.users["org_admin"],
            community=world.community,
            name="x",
            method=Method.FIXED,
            unit_price=Decimal("1000000000"),
        )
    assert "unit_price" in caught.value.fields


def _vote(world, opens_at, closes_at):
    return governance.create_vote(
        actor=world.users["committee"],
        community=world.community,
        title="测试表决",
        matter=Matter.RULES_OF_PROCEDURE,
        opens_at=opens_at,
        closes_at=closes_at,
    )


def test_a_vote_opening_in_9999_or_lasting_years_is_refused(world):
    now = timezone.now()
    far = now.replace(year=9999)
    _refused("opens_at", _vote, world, far, far + timedelta(days=7))
    _refused("opens_at", _vote, world, now + timedelta(days=366), now + timedelta(days=370))
    _refused("closes_at", _vote, world, now + timedelta(days=1), now + timedelta(days=9999))
    assert _vote(world, now + timedelta(days=30), now + timedelta(days=60)).pk


def test_a_house_floor_and_area_have_bounds(world):
    admin = world.users["org_admin"]
    create = services.create_house
    _refused("floor", create, actor=admin, building=world.building, number="X1", area=90, floor=500)
    _refused("floor", create, actor=admin, building=world.building, number="X2", area=90, floor=-11)
    _refused("area", create, actor=admin, building=world.building, number="X3", area=Decimal("0.5"))
    _refused("area", create, actor=admin, building=world.building, number="X4", area=200000)
    house = world.house
    _refused("floor", services.update_object, house, {"floor": 999}, actor=admin)
    _refused("area", services.update_object, house, {"area": Decimal("100001")}, actor=admin)
    assert create(actor=admin, building=world.building, number="X5", area=12, floor=-2).pk


def test_weather_temperatures_have_bounds_and_min_is_not_above_max(world):
    record = notices.record_weather
    args = {"actor": world.users["manager"], "community": world.community, "day": date(2026, 7, 1)}
    _refused("min_temp", record, **args, min_temp=Decimal("900"), max_temp=Decimal("30"))
    _refused("max_temp", record, **args, min_temp=Decimal("20"), max_temp=Decimal("-500"))
    _refused("min_temp", record, **args, min_temp=Decimal("30"), max_temp=Decimal("20"))
    assert record(**args, min_temp=Decimal("-5"), max_temp=Decimal("38")).pk


@pytest.mark.parametrize("where", ["payment", "online", "charge", "fund", "income"])
def test_every_money_entry_has_the_ceiling_and_names_the_field(world, where, settings):
    """Payments, online payments, one-off charges, fund top-ups and public income share the
    ANJU_MONEY_MAX ceiling: a refusal naming ``amount``, never a database error."""
    from anju.governance.services import fund, income

    settings.ANJU_MONEY_MAX = 1000
    admin, house, big = world.users["org_admin"], world.house, Decimal("1000.01")
    calls = {
        "payment": lambda: billing.record_payment(
            actor=admin, house=house, amount=big, method="cash"
        ),
        "online": lambda: billing.start_online_payment(actor=admin, house=house, amount=big),
        "charge": lambda: billing.add_one_off_charge(
            actor=admin,
            house=house,
            fee_item=billing.create_fee_item(
                actor=admin,
                community=world.community,
                name="有偿维修",
                method=Method.ONE_OFF,
                unit_price="0",
                unit="元/次",
                effective_from=timezone.localdate(),
                published=True,
            ),
            amount=big,
            description="x",
        ),
        "fund": lambda: fund.top_up_fund(
            actor=admin,
            account=fund.open_fund_accounts(
                actor=admin, community=world.community, rate_per_m2=Decimal("1"), houses=[house]
            )[0],
            amount=big,
        ),
        "income": lambda: income.record_income(
            actor=admin,
            community=world.community,
            kind="income",
            category="lift_ads",
            amount=big,
            occurred_on=timezone.localdate(),
            description="电梯广告",
        ),
    }
    with pytest.raises(DomainError) as caught:
        calls[where]()
    assert "amount" in caught.value.fields
