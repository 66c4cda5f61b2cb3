"""The law on spaces per jurisdiction: the rules in force, refusals naming the article and
changing nothing, owners first, outsiders only for a surplus (and in Beijing only month by
month), one purchase per household in Shanghai, common spaces not sold, the API."""

from datetime import date
from decimal import Decimal

import pytest

from anju.core.errors import DomainError
from anju.core.testing import api_client, make_world
from anju.parking import law, selectors, services
from anju.parking.models import ParkingSpace, SpaceContract

pytestmark = pytest.mark.django_db
DAY = date(2026, 12, 1)


@pytest.fixture
def world():
    return make_world()


def _garage(world, spaces, jurisdiction=None):
    """A planned underground garage (not on the common parts) of ``spaces`` spaces."""
    if jurisdiction:
        world.community.jurisdiction = jurisdiction
        world.community.save(update_fields=["jurisdiction"])
    manager = world.users["manager"]
    lot = services.save_lot(
        actor=manager,
        community=world.community,
        name="地下车库",
        kind="underground",
        common_part=False,
    )
    rows = [
        services.save_space(actor=manager, lot=lot, number=f"B-{i:03d}", kind="rented")
        for i in range(1, spaces + 1)
    ]
    return lot, rows


def _refused(caught, field, article):
    error = caught.value
    assert error.code == "parking_law" and field in error.fields
    assert article in str(error.message), error.message


def test_rules_are_picked_by_the_most_specific_jurisdiction():
    class C:
        jurisdiction = "110105"

    beijing = law.rules_for(C)
    assert beijing[law.OWNERS_FIRST].jurisdiction == law.BEIJING
    assert beijing[law.OWNERS_FIRST].params["outsider_max_months"] == 1
    assert beijing[law.PUBLIC_INCOME].jurisdiction == law.NATIONAL
    assert law.ONE_PER_HOUSEHOLD not in beijing
    C.jurisdiction = "310115"
    shanghai = law.rules_for(C)
    assert shanghai[law.ONE_PER_HOUSEHOLD].jurisdiction == law.SHANGHAI
    assert shanghai[law.OWNERS_FIRST].jurisdiction == law.NATIONAL
    C.jurisdiction = ""
    assert law.rules_for(C)[law.DISCLOSURE].jurisdiction == law.NATIONAL
    for rule in law.RULES:  # each rule carries its article
        assert str(rule.article).strip()


def test_a_space_on_the_common_parts_is_not_sold(world):
    manager = world.users["manager"]
    lot = services.save_lot(actor=manager, community=world.community, name="地面", kind="ground")
    space = services.save_space(actor=manager, lot=lot, number="G-001", kind="public")
    with pytest.raises(DomainError) as caught:
        services.sell_space(
            actor=manager,
            space=space,
            person=world.people["owner"],
            house=world.house,
            amount="100000",
        )
    _refused(caught, "space", "275")
    assert not SpaceContract.objects.exists()
    assert ParkingSpace.objects.get(pk=space.pk).holder is None


def test_national_owners_first_outsiders_only_for_a_surplus(world):
    lot, spaces = _garage(world, 3)  # 3 spaces, 4 homes: no surplus
    manager, outsider = world.users["manager"], world.people["tenant"]
    with pytest.raises(DomainError) as caught:
        services.sell_space(actor=manager, space=spaces[0], person=outsider, amount="1", on=DAY)
    _refused(caught, "house", "276")
    with pytest.raises(DomainError) as caught:
        services.rent_space(actor=manager, space=spaces[0], person=outsider, amount="1")
    _refused(caught, "house", "276")
    # An owner of the community buys first.
    sale = services.sell_space(
        actor=manager,
        space=spaces[0],
        person=world.people["owner"],
        house=world.house,
        amount="150000",
        on=DAY,
    )
    assert sale.kind == "sale" and ParkingSpace.objects.get(pk=spaces[0].pk).holder_id
    with pytest.raises(DomainError) as caught:
        services.sell_space(actor=manager, space=spaces[0], person=outsider, amount="1")
    assert "space" in caught.value.fields  # sold once
    # Seven more spaces: 9 free, 3 homes without one: a surplus; outsiders may rent, long-term.
    for i in range(4, 11):
        services.save_space(actor=manager, lot=lot, number=f"B-{i:03d}", kind="rented")
    assert selectors.space_surplus(world.community, DAY) == 6
    rental = services.rent_space(
        actor=manager, space=spaces[1], person=outsider, starts=DAY, months=12, amount="3600"
    )
    assert rental.ends == date(2027, 11, 30) and "276" in rental.rule


def test_the_person_must_live_in_the_home_they_buy_for(world):
    lot, spaces = _garage(world, 3)
    with pytest.raises(DomainError) as caught:
        services.sell_space(
            actor=world.users["manager"],
            space=spaces[0],
            person=world.people["neighbour"],
            house=world.house,
            amount="1",
        )
    assert "house" in caught.value.fields


def test_beijing_sells_to_owners_only_and_rents_out_a_surplus_month_by_month(world):
    lot, spaces = _garage(world, 10, jurisdiction="110105")  # surplus: 10 spaces, 4 homes
    manager, outsider = world.users["manager"], world.people["tenant"]
    with pytest.raises(DomainError) as caught:
        services.sell_space(actor=manager, space=spaces[0], person=outsider, amount="1")
    _refused(caught, "house", "80")
    with pytest.raises(DomainError) as caught:
        services.rent_space(actor=manager, space=spaces[0], person=outsider, months=3, amount="1")
    _refused(caught, "months", "80")
    assert not SpaceContract.objects.exists()
    monthly = services.rent_space(
        actor=manager, space=spaces[0], person=outsider, starts=DAY, months=1, amount="400"
    )
    assert monthly.ends == date(2026, 12, 31)
    # An owner of the community rents for a year.
    yearly = services.rent_space(
        actor=manager,
        space=spaces[1],
        person=world.people["owner"],
        house=world.house,
        starts=DAY,
        months=12,
        amount="3600",
    )
    assert yearly.kind == "rental"
    with pytest.raises(DomainError) as caught:  # the same space twice in the same time
        services.rent_space(
            actor=manager,
            space=spaces[1],
            person=world.people["neighbour"],
            house=world.houses[1],
            starts=date(2027, 3, 1),
            amount="1",
        )
    assert "space" in caught.value.fields


def test_beijing_no_surplus_no_outsider_even_monthly(world):
    lot, spaces = _garage(world, 4, jurisdiction="110105")
    with pytest.raises(DomainError) as caught:
        services.rent_space(
            actor=world.users["manager"],
            space=spaces[0],
            person=world.people["tenant"],
            months=1,
            amount="400",
        )
    _refused(caught, "house", "80")


def test_shanghai_one_purchase_per_household_where_spaces_are_scarce(world):
    lot, spaces = _garage(world, 3, jurisdiction="310115")  # 3 spaces ≤ 4 homes
    manager, owner = world.users["manager"], world.people["owner"]
    services.sell_space(actor=manager, space=spaces[0], person=owner, house=world.house, amount="1")
    with pytest.raises(DomainError) as caught:
        services.sell_space(
            actor=manager, space=spaces[1], person=owner, house=world.house, amount="1"
        )
    _refused(caught, "house", "61")
    assert SpaceContract.objects.count() == 1


def test_shanghai_one_more_where_spaces_exceed_homes(world):
    lot, spaces = _garage(world, 6, jurisdiction="310115")  # 6 spaces > 4 homes
    manager, owner = world.users["manager"], world.people["owner"]
    for space in spaces[:2]:
        services.sell_space(actor=manager, space=space, person=owner, house=world.house, amount="1")
    with pytest.raises(DomainError) as caught:
        services.sell_space(
            actor=manager, space=spaces[2], person=owner, house=world.house, amount="1"
        )
    _refused(caught, "house", "61")


def test_the_rule_does_not_apply_elsewhere(world):
    lot, spaces = _garage(world, 3)  # Hangzhou: no one-per-household rule
    manager, owner = world.users["manager"], world.people["owner"]
    for space in spaces[:2]:
        services.sell_space(actor=manager, space=space, person=owner, house=world.house, amount="1")
    assert SpaceContract.objects.filter(house=world.house).count() == 2


def test_api_refuses_with_the_article_and_lists_in_scope(world):
    lot, spaces = _garage(world, 4, jurisdiction="110105")
    client = api_client(world.users["manager"])
    r = client.post(
        "/api/v1/parking-space-contracts/",
        {
            "space": spaces[0].pk,
            "kind": "rental",
            "person": world.people["tenant"].pk,
            "months": 1,
            "amount": "400.00",
        },
        format="json",
    )
    assert r.status_code == 400 and "house" in r.json()["error"]["fields"]
    assert "80" in r.json()["error"]["message"]
    r = client.post(
        "/api/v1/parking-space-contracts/",
        {
            "space": spaces[0].pk,
            "kind": "sale",
            "person": world.people["owner"].pk,
            "house": world.house.pk,
            "amount": "180000.00",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["amount"] == "180000.00"
    assert client.get("/api/v1/parking-space-contracts/").json()["count"] == 1
    other = api_client(world.users["manager2"])
    assert other.get("/api/v1/parking-space-contracts/").json()["count"] == 0
    assert other.get(f"/api/v1/parking-space-contracts/{r.json()['id']}/").status_code == 404
    assert Decimal(r.json()["amount"]) == Decimal("180000.00")
