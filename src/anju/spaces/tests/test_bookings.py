"""Shared spaces and bookings: the booking rules, the states, fees as public income, scoping."""

import threading
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anju.core.errors import Conflict, DomainError
from anju.core.models import Notification
from anju.governance.models import IncomeEntry
from anju.spaces import services
from anju.spaces.models import Booking, Space

pytestmark = pytest.mark.django_db


def _space(world, **values):
    defaults = {
        "name": "多功能活动室",
        "kind": "activity",
        "place": "会所二楼",
        "capacity": 20,
        "opens_at": time(8, 0),
        "closes_at": time(21, 0),
        "slot_minutes": 60,
        "max_slots": 2,
        "book_days_ahead": 7,
        "per_house_limit": 2,
        "price_per_slot": Decimal("0"),
    }
    return services.save_space(
        actor=world.users["manager"], community=world.community, **(defaults | values)
    )


def _at(days, hour, minute=0):
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def test_resident_books_a_free_slot_and_the_grid_shows_it_taken(world, api):
    space = _space(world, price_per_slot=Decimal("30.00"))
    resident = api(world.users["resident"])
    answer = resident.post(
        "/api/v1/bookings/",
        {
            "space": space.pk,
            "starts_at": _at(1, 19).isoformat(),
            "slots": 2,
            "purpose": "太极拳练习",
            "attendees": 8,
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    # A paid space: the fee is billed to the house and the booking waits for it (paid online).
    assert body["status"] == "unpaid" and body["amount"] == "60.00"
    assert body["number"].startswith("YY-") and body["house"] == world.house.pk
    assert body["person_name"] == "张三" and body["allowed_actions"] == ["cancel"]
    grid = resident.get(
        f"/api/v1/spaces/{space.pk}/availability/", {"date": _at(1, 0).date().isoformat()}
    ).json()
    taken = [slot["starts_at"][11:16] for slot in grid if not slot["free"]]
    assert taken == ["19:00", "20:00"] and len(grid) == 13
    # The neighbour sees the grid, not who booked; the same time is refused with 409.
    neighbour = api(world.users["neighbour"])
    clash = neighbour.post(
        "/api/v1/bookings/",
        {"space": space.pk, "starts_at": _at(1, 20).isoformat(), "purpose": "读书会"},
        format="json",
    )
    assert clash.status_code == 409 and "starts_at" in clash.json()["error"]["fields"]
    assert neighbour.get(f"/api/v1/bookings/{body['id']}/").status_code == 404
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("starts_at", "slots", "field"),
    [
        (lambda: _at(1, 19, 30), 1, "starts_at"),  # off the slot grid
        (lambda: _at(1, 7), 1, "starts_at"),  # before opening
        (lambda: _at(1, 20), 2, "slots"),  # past closing
        (lambda: _at(1, 10), 3, "slots"),  # longer than allowed
        (lambda: _at(-1, 10), 1, "starts_at"),  # passed
        (lambda: _at(8, 10), 1, "starts_at"),  # beyond the booking window
    ],
)
def test_bad_bookings_name_the_field_and_change_nothing(world, starts_at, slots, field):
    space = _space(world)
    with pytest.raises(DomainError) as refused:
        services.book(
            actor=world.users["resident"],
            space=space,
            starts_at=starts_at(),
            slots=slots,
            purpose="活动",
        )
    assert field in refused.value.fields
    assert not Booking.objects.exists()


def test_house_limit_and_no_show_limit(world):
    space = _space(world, per_house_limit=1)
    resident, tenant = world.users["resident"], world.users["tenant"]
    services.book(actor=resident, space=space, starts_at=_at(1, 9), purpose="会客")
    with pytest.raises(DomainError) as refused:  # the tenant lives in the same house
        services.book(actor=tenant, space=space, starts_at=_at(1, 11), purpose="会客")
    assert "space" in refused.value.fields
    # Three no-shows in 30 days: the house books at the service centre for a while.
    other = _space(world, name="共享会议室", kind="meeting", per_house_limit=5)
    for hour in (9, 11, 13):
        services.book(actor=tenant, space=other, starts_at=_at(1, hour), purpose="开会")
    services.sweep(now=_at(1, 23))
    assert Booking.objects.filter(status="no_show").count() == 4
    with pytest.raises(DomainError, match="30"):
        services.book(actor=tenant, space=other, starts_at=_at(2, 9), purpose="开会")
    # Staff may still book for the house.
    staff_booking = services.book(
        actor=world.users["agent"],
        space=other,
        starts_at=_at(2, 9),
        purpose="代订",
        person=world.people["tenant"],
        house=world.house,
    )
    assert staff_booking.status == "confirmed"


def test_approval_flow_and_who_may_decide(world, api):
    space = _space(world, needs_approval=True)
    booking = services.book(
        actor=world.users["resident"], space=space, starts_at=_at(2, 14), purpose="生日会"
    )
    assert booking.status == "pending"
    assert Notification.objects.filter(user=world.users["manager"]).exists()
    resident = api(world.users["resident"])
    assert resident.post(f"/api/v1/bookings/{booking.pk}/approve/").status_code == 403
    manager = api(world.users["manager"])
    assert manager.post(f"/api/v1/bookings/{booking.pk}/reject/", {}).status_code == 400
    approved = manager.post(f"/api/v1/bookings/{booking.pk}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "confirmed"
    again = manager.post(f"/api/v1/bookings/{booking.pk}/approve/")
    assert again.status_code == 409
    assert set(again.json()["error"]["allowed"]) == {"cancel", "check-in", "collect"}
    assert Notification.objects.filter(user=world.users["resident"]).count() == 1
    # Manager of another community: not found.
    other = api(world.users["manager2"])
    assert other.post(f"/api/v1/bookings/{booking.pk}/approve/").status_code == 404


def test_cancel_rules(world, api):
    space = _space(world)
    resident = world.users["resident"]
    soon = services.book(actor=resident, space=space, starts_at=_at(1, 9), purpose="会客")
    with pytest.raises(DomainError, match="60"):
        services.cancel(actor=resident, booking=soon, now=_at(1, 8, 30))
    assert services.cancel(actor=resident, booking=soon, now=_at(1, 7)).status == "cancelled"
    later = services.book(actor=resident, space=space, starts_at=_at(1, 9), purpose="再订")
    neighbour = api(world.users["neighbour"])
    assert neighbour.post(f"/api/v1/bookings/{later.pk}/cancel/").status_code == 404
    agent = api(world.users["agent"])
    assert agent.post(f"/api/v1/bookings/{later.pk}/cancel/", {}).status_code == 400
    done = agent.post(f"/api/v1/bookings/{later.pk}/cancel/", {"reason": "场地漏水检修"})
    assert done.status_code == 200 and done.json()["note"] == "场地漏水检修"
    assert Notification.objects.filter(user=resident, title__contains="取消").exists()


def test_check_in_window_and_sweep(world):
    space = _space(world)
    resident = world.users["resident"]
    booking = services.book(actor=resident, space=space, starts_at=_at(1, 9), purpose="会客")
    with pytest.raises(DomainError, match="15"):
        services.check_in(actor=resident, booking=booking, now=_at(1, 8, 30))
    booking = services.check_in(actor=resident, booking=booking, now=_at(1, 8, 50))
    assert booking.status == "checked_in"
    lapsed = services.book(
        actor=world.users["agent"],
        space=_space(world, name="会议室", needs_approval=True),
        starts_at=_at(1, 10),
        purpose="代订",
    )
    pending = services.book(
        actor=world.users["neighbour"],
        space=Space.objects.get(name="会议室"),
        starts_at=_at(1, 12),
        purpose="讲座",
    )
    assert lapsed.status == "confirmed" and pending.status == "pending"
    counts = services.sweep(now=_at(1, 12, 30))
    assert counts == {"no_show": 1, "completed": 1, "rejected": 1, "cancelled": 0}
    assert services.sweep(now=_at(1, 12, 30)) == {
        "no_show": 0,
        "completed": 0,
        "rejected": 0,
        "cancelled": 0,
    }


def test_fee_is_public_income_and_a_refund_reverses_it(world, api):
    # Booked at the service centre for the resident: the fee is collected at the desk (a
    # resident's own booking is billed to the house instead: test_paid_bookings).
    space = _space(world, price_per_slot=Decimal("25.50"))
    booking = services.book(
        actor=world.users["agent"],
        space=space,
        starts_at=_at(1, 15),
        purpose="羽毛球",
        person=world.people["owner"],
        house=world.house,
    )
    assert (
        api(world.users["agent"])
        .post(f"/api/v1/bookings/{booking.pk}/collect/", {"method": "cash"})
        .status_code
        == 403
    )
    cashier = api(world.users["cashier"])
    assert (
        cashier.post(f"/api/v1/bookings/{booking.pk}/collect/", {"method": "test"}).status_code
        == 400
    )
    paid = cashier.post(f"/api/v1/bookings/{booking.pk}/collect/", {"method": "wechat"})
    assert paid.status_code == 200 and paid.json()["paid_method"] == "wechat"
    entry = IncomeEntry.objects.get()
    assert (entry.category, entry.kind, entry.amount) == ("venue", "income", Decimal("25.50"))
    assert booking.number in entry.description and entry.community_id == world.community.pk
    again = cashier.post(f"/api/v1/bookings/{booking.pk}/collect/", {"method": "cash"})
    assert again.status_code == 400 and IncomeEntry.objects.count() == 1
    services.cancel(actor=world.users["manager"], booking=booking, reason="场地维修")
    assert IncomeEntry.objects.filter(reverses=entry, amount=Decimal("-25.50")).exists()
    # A space outside the common parts earns the company's own income: no ledger row.
    private = _space(world, name="收费会议室", price_per_slot=Decimal("10"), common_part=False)
    own = services.book(
        actor=world.users["agent"],
        space=private,
        starts_at=_at(1, 15),
        purpose="开会",
        person=world.people["owner"],
        house=world.house,
    )
    services.collect_fee(actor=world.users["cashier"], booking=own, method="cash")
    assert IncomeEntry.objects.count() == 2


def test_spaces_scoping_and_roles(world, api):
    space = _space(world)
    assert api(world.users["stranger"]).get(f"/api/v1/spaces/{space.pk}/").status_code == 404
    assert api(world.users["outsider"]).get(f"/api/v1/spaces/{space.pk}/").status_code == 404
    assert api(world.users["manager2"]).get(f"/api/v1/spaces/{space.pk}/").status_code == 404
    listed = api(world.users["resident"]).get("/api/v1/spaces/").json()
    assert [s["id"] for s in listed["results"]] == [space.pk]
    agent = api(world.users["agent"])
    assert agent.patch(f"/api/v1/spaces/{space.pk}/", {"capacity": 5}).status_code == 403
    assert (
        api(world.users["resident"])
        .post("/api/v1/spaces/", {"community": world.community.pk, "name": "x", "kind": "other"})
        .status_code
        == 403
    )
    manager = api(world.users["manager"])
    bad = manager.patch(f"/api/v1/spaces/{space.pk}/", {"closes_at": "07:00"})
    assert bad.status_code == 400 and "closes_at" in bad.json()["error"]["fields"]
    good = manager.patch(f"/api/v1/spaces/{space.pk}/", {"capacity": 12})
    assert good.status_code == 200 and good.json()["capacity"] == 12
    other = manager.post(
        "/api/v1/spaces/",
        {"community": world.community2.pk, "name": "x", "kind": "other"},
        format="json",
    )
    assert other.status_code == 404 and not Space.objects.filter(name="x").exists()
    booking = services.book(
        actor=world.users["resident"], space=space, starts_at=_at(1, 9), purpose="会客"
    )
    assert api(world.users["manager2"]).get(f"/api/v1/bookings/{booking.pk}/").status_code == 404
    guard = api(world.users["guard"]).get(f"/api/v1/bookings/{booking.pk}/").json()
    assert guard["person_phone"] == "139****1111"
    assert (
        api(world.users["agent"]).get(f"/api/v1/bookings/{booking.pk}/").json()["person_phone"]
        == "13900001111"
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    attempts=st.lists(
        st.tuples(
            st.integers(0, 12), st.integers(1, 3), st.sampled_from(["resident", "neighbour"])
        ),
        min_size=1,
        max_size=12,
    )
)
def test_holding_bookings_never_overlap(world, attempts):
    Booking.objects.all().delete()
    space = Space.objects.filter(name="网球场").first() or _space(
        world, name="网球场", kind="sports", max_slots=3, per_house_limit=20
    )
    made = 0
    for hour, slots, who in attempts:
        try:
            services.book(
                actor=world.users[who],
                space=space,
                starts_at=_at(1, 8 + hour),
                slots=slots,
                purpose="打球",
            )
            made += 1
        except DomainError:
            pass
    held = list(Booking.objects.filter(space=space).order_by("starts_at"))
    assert len(held) == made
    for earlier, later in zip(held, held[1:], strict=False):
        assert earlier.ends_at <= later.starts_at


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_residents_tapping_the_same_slot_get_one_booking(world):
    from django.db import connection

    space = _space(world)
    barrier = threading.Barrier(2)
    outcomes = []

    def tap(who):
        try:
            barrier.wait()
            services.book(actor=world.users[who], space=space, starts_at=_at(1, 18), purpose="聚会")
            outcomes.append("booked")
        except Conflict:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=tap, args=(w,)) for w in ("resident", "neighbour")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["booked", "refused"]
    assert Booking.objects.filter(space=space).count() == 1


def test_who_a_booking_is_for(world):
    space = _space(world, price_per_slot=Decimal("20.00"))
    agent = world.users["agent"]
    with pytest.raises(DomainError) as refused:  # the neighbour does not live in house 1
        services.book(
            actor=agent,
            space=space,
            starts_at=_at(1, 9),
            purpose="代订",
            person=world.people["neighbour"],
            house=world.house,
        )
    assert "person" in refused.value.fields
    with pytest.raises(DomainError) as refused:
        services.book(
            actor=world.users["resident"],
            space=space,
            starts_at=_at(1, 9),
            purpose="代订",
            person=world.people["neighbour"],
        )
    assert "person" in refused.value.fields
    own_use = services.book(actor=agent, space=space, starts_at=_at(1, 9), purpose="员工培训")
    assert own_use.person_id is None and own_use.amount == Decimal("0.00")
    assert not Booking.objects.exclude(pk=own_use.pk).exists()
