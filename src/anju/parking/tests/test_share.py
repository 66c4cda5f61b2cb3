"""Shared spaces (共享车位): publishing rules, overlaps, bookings (one at a time, on PostgreSQL
under threads), payment through billing and its split (exact, with hypothesis), the public
income posting and its reversal, green points, the gate letting the booked plate in, the API
and the pages."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from anju.billing import services as billing
from anju.billing.models import Wallet
from anju.core.choices import HouseUsage
from anju.core.errors import Conflict, DomainError, InvalidTransition
from anju.core.models import AuditEntry, House
from anju.core.testing import PASSWORD, api_client, make_world
from anju.governance.models import IncomeEntry
from anju.green.models import PointsAccount
from anju.parking import services
from anju.parking.choices import ShareRest
from anju.parking.models import Session, ShareBooking, ShareSplit, ShareWindow

pytestmark = pytest.mark.django_db
PLATE = "浙A12345"


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def lot(world):
    manager = world.users["manager"]
    lot = services.save_lot(
        actor=manager, community=world.community, name="地下车库", kind="underground"
    )
    services.save_rule(
        actor=manager,
        lot=lot,
        free_minutes=30,
        first_hour=Decimal("5.00"),
        per_hour=Decimal("2.00"),
        day_cap=Decimal("30.00"),
        grace_minutes=15,
    )
    return lot


@pytest.fixture
def space(world, lot):
    """An owned space the resident (张三, of house 1-0101) bought."""
    unit = House.objects.create(
        organization=world.org,
        community=world.community,
        building=world.building,
        number="B1-001",
        floor=-1,
        area=Decimal("12.00"),
        usage=HouseUsage.PARKING,
    )
    space = services.save_space(
        actor=world.users["manager"], lot=lot, number="B1-001", kind="owned", house=unit
    )
    services.sell_space(
        actor=world.users["manager"],
        space=space,
        person=world.people["owner"],
        house=world.house,
        amount="150000.00",
        on=timezone.localdate() - timedelta(days=30),
    )
    space.refresh_from_db()
    return space


@pytest.fixture
def rule(world):
    return services.save_share_rule(
        actor=world.users["manager"],
        community=world.community,
        owner_percent=Decimal("70"),
        rest_to=ShareRest.PUBLIC,
        cost_percent=Decimal("10"),
        price_per_hour=Decimal("4.00"),
    )


def _hours(n, minutes=0):
    base = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=minutes)
    return base + timedelta(hours=n)


def _window(world, space, a=1, b=9, **kw):
    return services.publish_window(
        actor=world.users["resident"], space=space, starts=_hours(a), ends=_hours(b), **kw
    )


def _book(world, window, who="neighbour", a=None, b=None, plate=PLATE):
    return services.book(
        actor=world.users[who],
        window=window,
        plate=plate,
        house=world.houses[1],
        starts=a,
        ends=b,
    )


def _pay(world, booking):
    bill = services.start_share_pay(actor=world.users["neighbour"], booking=booking)
    bill.refresh_from_db()
    if bill.status != "open":  # settled at once from the home's prepayment
        booking.refresh_from_db()
        return bill
    payment, _created = billing.start_bills_payment(
        actor=world.users["neighbour"], bills=[bill], channel="", provider="test"
    )
    billing.confirm_online_payment(
        payment_id=payment.pk, provider_ref=f"T-{payment.pk}", amount_fen=int(payment.amount * 100)
    )
    booking.refresh_from_db()
    return bill


# Publishing ----------------------------------------------------------------------------------


def test_publishing_needs_the_communitys_rule_and_the_owner(world, space):
    with pytest.raises(DomainError) as refused:
        _window(world, space)
    assert "space" in refused.value.fields  # no rule yet
    services.save_share_rule(actor=world.users["manager"], community=world.community)
    for who in ("neighbour", "tenant"):  # not the buyer
        with pytest.raises(DomainError) as refused:
            services.publish_window(
                actor=world.users[who], space=space, starts=_hours(1), ends=_hours(2)
            )
        assert "space" in refused.value.fields
    with pytest.raises(DomainError) as refused:  # no price given, none published
        _window(world, space)
    assert "price_per_hour" in refused.value.fields
    window = _window(world, space, price_per_hour="6")
    assert window.house == world.house and window.price_per_hour == Decimal("6.00")
    assert AuditEntry.objects.filter(action="parking.share.published").count() == 1


def test_times_and_overlaps_are_refused_on_the_field(world, space, rule):
    window = _window(world, space, 1, 5)
    assert window.price_per_hour == Decimal("4.00")  # the community's published price
    for a, b, field in ((4, 8, "starts"), (0, 2, "starts"), (3, 3, "ends"), (-3, -1, "starts")):
        with pytest.raises(DomainError) as refused:
            _window(world, space, a, b)
        assert field in refused.value.fields, (a, b)
    assert _window(world, space, 5, 7).pk  # touching is not overlapping
    services.withdraw_window(actor=world.users["resident"], window=window)
    assert _window(world, space, 2, 4).pk  # a withdrawn window frees its time


def test_a_space_on_the_common_parts_is_not_lent_by_one_household(world, lot, rule):
    public = services.save_space(actor=world.users["manager"], lot=lot, number="P-1", kind="public")
    with pytest.raises(DomainError) as refused:
        _window(world, public)
    assert "275" in refused.value.fields["space"][0]


def test_a_tenant_shares_only_where_the_rule_allows(world, lot, rule):
    space = services.save_space(actor=world.users["manager"], lot=lot, number="R-1", kind="rented")
    services.rent_space(
        actor=world.users["manager"],
        space=space,
        person=world.people["neighbour"],
        house=world.houses[1],
        starts=timezone.localdate() - timedelta(days=1),
        months=12,
        amount="3600.00",
    )
    space.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        services.publish_window(
            actor=world.users["neighbour"], space=space, starts=_hours(1), ends=_hours(3)
        )
    assert "space" in refused.value.fields
    services.save_share_rule(actor=world.users["manager"], rule=rule, tenants_may_share=True)
    window = services.publish_window(
        actor=world.users["neighbour"], space=space, starts=_hours(1), ends=_hours(3)
    )
    assert window.house == world.houses[1]


def test_the_rule_is_refused_on_its_fields(world):
    manager = world.users["manager"]
    for field, value in (
        ("owner_percent", "101"),
        ("cost_percent", "-1"),
        ("rest_to", "x"),
    ):
        with pytest.raises(DomainError) as refused:
            services.save_share_rule(actor=manager, community=world.community, **{field: value})
        assert field in refused.value.fields
    with pytest.raises(DomainError):
        services.save_share_rule(actor=world.users["resident"], community=world.community)


# Booking -------------------------------------------------------------------------------------


def test_booking_inside_the_window_once(world, space, rule):
    window = _window(world, space, 1, 9)
    booking = _book(world, window, a=_hours(1), b=_hours(3, 10))
    assert booking.amount == Decimal("12.00")  # 2h10 → three started hours at ¥4
    window.refresh_from_db()
    assert window.status == "booked"
    with pytest.raises(Conflict):
        _book(world, window, a=_hours(3), b=_hours(4))
    later = _book(world, window, a=_hours(4), b=_hours(5), plate="浙A54321")
    assert later.amount == Decimal("4.00")
    with pytest.raises(DomainError) as refused:
        _book(world, window, a=_hours(8), b=_hours(10))
    assert "starts" in refused.value.fields
    with pytest.raises(DomainError) as refused:  # the lender does not book their own space
        services.book(actor=world.users["resident"], window=window, plate=PLATE, house=world.house)
    assert "window" in refused.value.fields
    with pytest.raises(DomainError) as refused:
        _book(world, window, a=_hours(6), b=_hours(7), plate="京Q1")
    assert "plate" in refused.value.fields
    with pytest.raises(Conflict):  # booked: not withdrawn
        services.withdraw_window(actor=world.users["resident"], window=window)
    services.cancel_booking(actor=world.users["neighbour"], booking=booking)
    services.cancel_booking(actor=world.users["neighbour"], booking=later)
    window.refresh_from_db()
    assert window.status == "open"
    with pytest.raises(InvalidTransition):
        services.cancel_booking(actor=world.users["neighbour"], booking=booking)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_bookings_of_the_same_time_at_once_make_one(world, space, rule):
    from django.db import connection

    window = _window(world, space, 1, 4)
    barrier = threading.Barrier(3)
    outcomes = []
    who = [
        ("neighbour", world.houses[1]),
        ("neighbour", world.houses[1]),
        ("neighbour", world.houses[1]),
    ]

    def tap(user, house, plate):
        try:
            barrier.wait()
            services.book(actor=user, window=window, plate=plate, house=house)
            outcomes.append("booked")
        except Conflict:
            outcomes.append("refused")
        finally:
            connection.close()

    plates = ["浙A11111", "浙A22222", "浙A33333"]
    threads = [
        threading.Thread(target=tap, args=(world.users[name], house, plate))
        for (name, house), plate in zip(who, plates, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["booked", "refused", "refused"]
    assert ShareBooking.objects.filter(window=window).count() == 1


# Payment and the split -----------------------------------------------------------------------


@given(
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2),
    owner=st.decimals(min_value=0, max_value=100, places=2),
    cost=st.decimals(min_value=0, max_value=100, places=2),
    rest_to=st.sampled_from(ShareRest.values),
)
@hsettings(max_examples=300, deadline=None)
def test_the_split_sums_exactly_to_the_amount(amount, owner, cost, rest_to):
    parts = services.split_amount(amount, owner, rest_to, cost)
    assert parts.owner + parts.company + parts.cost + parts.public == amount
    assert min(parts.owner, parts.company, parts.cost, parts.public) >= 0
    assert all(p == p.quantize(Decimal("0.01")) for p in vars(parts).values())
    if rest_to == ShareRest.COMPANY:
        assert parts.public == parts.cost == 0
    else:
        assert parts.company == 0


def test_paying_splits_posts_public_income_and_awards_green_points(world, space, rule):
    from anju.green import services as green
    from anju.green.choices import EarnReason

    points = green.points_for(world.house, EarnReason.SPACE_LENT)  # the company's points rule
    assert points > 0
    window = _window(world, space, 1, 9)
    booking = _book(world, window, a=_hours(1), b=_hours(6))  # five hours at ¥4
    assert booking.amount == Decimal("20.00")
    bill = _pay(world, booking)
    assert bill.house_id == world.houses[1].pk
    assert booking.status == "paid" and booking.paid_at
    split = ShareSplit.objects.get(booking=booking)
    assert (split.owner_amount, split.company_amount) == (Decimal("14.00"), Decimal("0.00"))
    assert (split.cost_amount, split.public_amount) == (Decimal("0.60"), Decimal("5.40"))
    assert split.house == world.house
    entry = IncomeEntry.objects.get(community=world.community)
    assert entry.amount == Decimal("5.40") and entry.category == "parking"
    assert split.income_entry == entry
    assert PointsAccount.objects.get(house=world.house).balance == points
    # billing settles once: a second notification changes nothing
    services.share_paid(source=services.share_source(booking), bill=bill)
    assert ShareSplit.objects.filter(booking=booking).count() == 1
    assert PointsAccount.objects.get(house=world.house).balance == points
    # the owner sees what they earned
    page = _client("resident").get("/app/parking/share/").content.decode()
    assert "14.00" in page


def test_company_income_posts_nothing_to_the_public_ledger(world, space, rule):
    services.save_share_rule(actor=world.users["manager"], rule=rule, rest_to=ShareRest.COMPANY)
    booking = _book(world, _window(world, space, 1, 3))
    _pay(world, booking)
    split = ShareSplit.objects.get(booking=booking)
    assert split.company_amount == booking.amount - split.owner_amount
    assert not IncomeEntry.objects.exists()


def test_a_paid_booking_cancelled_before_its_start_is_refunded_and_reversed(world, space, rule):
    booking = _book(world, _window(world, space, 1, 3))
    _pay(world, booking)
    services.cancel_booking(actor=world.users["neighbour"], booking=booking)
    booking.refresh_from_db()
    assert booking.status == "refunded"
    assert Wallet.objects.get(house=world.houses[1]).balance == booking.amount
    rows = list(ShareSplit.objects.filter(booking=booking).order_by("pk"))
    assert len(rows) == 2 and rows[1].reverses == rows[0] and rows[1].amount == -booking.amount
    assert sum(e.amount for e in IncomeEntry.objects.all()) == 0
    # a paid booking that has started is the office's to cancel
    other = _book(world, _window(world, space, 4, 6))
    _pay(world, other)
    later = timezone.now() + timedelta(hours=5)
    with pytest.raises(DomainError):
        services.cancel_booking(actor=world.users["neighbour"], booking=other, now=later)
    with pytest.raises(DomainError) as refused:
        services.cancel_booking(actor=world.users["manager"], booking=other, now=later)
    assert "reason" in refused.value.fields
    services.cancel_booking(
        actor=world.users["manager"], booking=other, reason="车位故障", now=later
    )


# The gate ------------------------------------------------------------------------------------


def test_the_booked_plate_enters_on_its_booking_and_pays_only_beyond_it(world, lot, space, rule):
    window = services.publish_window(
        actor=world.users["resident"],
        space=space,
        starts=timezone.now() - timedelta(minutes=2),
        ends=_hours(3),
    )
    booking = _book(world, window, b=_hours(2))
    _pay(world, booking)
    guard = world.users["guard"]
    entered = timezone.now()
    event = services.record_event(actor=guard, lot=lot, plate=PLATE, direction="in", at=entered)
    session = Session.objects.get(pk=event.session_id)
    booking.refresh_from_db()
    assert booking.status == "used" and session.share_booking == booking
    assert services.quote(session, booking.ends - timedelta(minutes=1)).amount == 0
    assert services.quote(session, booking.ends + timedelta(minutes=10)).amount == 0  # grace
    assert services.quote(session, booking.ends + timedelta(minutes=50)).amount == Decimal("5.00")
    services.record_event(
        actor=guard, lot=lot, plate=PLATE, direction="out", at=booking.ends - timedelta(minutes=5)
    )
    session.refresh_from_db()
    assert session.state == "closed" and session.owed == 0
    # an unpaid booking does not let the plate in on it
    other = _book(world, window, a=_hours(2), b=_hours(3), plate="浙A54321")
    later = services.record_event(
        actor=guard, lot=lot, plate="浙A54321", direction="in", at=_hours(2, 1)
    )
    assert later.session.share_booking is None
    other.refresh_from_db()
    assert other.status == "booked"


# API -----------------------------------------------------------------------------------------


def test_the_api_publishes_books_pays_and_cancels(world, space, rule):
    owner, neighbour = api_client(world.users["resident"]), api_client(world.users["neighbour"])
    r = owner.post(
        "/api/v1/parking-share-windows/",
        {"space": space.pk, "starts": _hours(1).isoformat(), "ends": _hours(4).isoformat()},
        format="json",
    )
    assert r.status_code == 201, r.content
    window = r.json()
    assert window["status"] == "open" and window["mine"] and window["price_per_hour"] == "4.00"
    r = neighbour.post(
        "/api/v1/parking-share-windows/",
        {"space": space.pk, "starts": _hours(5).isoformat(), "ends": _hours(6).isoformat()},
        format="json",
    )
    assert r.status_code == 404  # not a space of theirs
    listed = neighbour.get("/api/v1/parking-share-windows/").json()["results"]
    assert [w["id"] for w in listed] == [window["id"]] and not listed[0]["mine"]
    r = neighbour.post(
        "/api/v1/parking-share-bookings/",
        {"window": window["id"], "plate": "浙a 12345"},
        format="json",
    )
    assert r.status_code == 201, r.content
    booking = r.json()
    assert booking["plate"] == PLATE and booking["amount"] == "12.00"
    assert booking["allowed_actions"] == ["pay", "cancel"]
    r = neighbour.post(
        "/api/v1/parking-share-bookings/",
        {"window": window["id"], "plate": "浙A54321"},
        format="json",
    )
    assert r.status_code == 409
    assert owner.get(f"/api/v1/parking-share-bookings/{booking['id']}/").status_code == 404
    r = neighbour.post(f"/api/v1/parking-share-bookings/{booking['id']}/pay/")
    assert r.status_code == 200 and r.json()["pay_url"].startswith("/app/billing/pay/?bills=")
    r = neighbour.post(f"/api/v1/parking-share-bookings/{booking['id']}/cancel/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = owner.post(f"/api/v1/parking-share-windows/{window['id']}/withdraw/")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    stranger = api_client(world.users["stranger"])
    assert stranger.get(f"/api/v1/parking-share-windows/{window['id']}/").status_code == 404
    manager = api_client(world.users["manager"])
    r = manager.patch(
        f"/api/v1/parking-share-rules/{rule.pk}/", {"owner_percent": "101"}, format="json"
    )
    assert r.status_code == 400 and "owner_percent" in r.json()["error"]["fields"]
    r = manager.patch(
        f"/api/v1/parking-share-rules/{rule.pk}/", {"owner_percent": "60"}, format="json"
    )
    assert r.status_code == 200 and r.json()["owner_percent"] == "60.00"
    assert (
        neighbour.patch(
            f"/api/v1/parking-share-rules/{rule.pk}/", {"owner_percent": "90"}, format="json"
        ).status_code
        == 403
    )


# Pages ---------------------------------------------------------------------------------------


def _client(username):
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_the_portal_pages_publish_book_and_pay(world, space, rule):
    owner = _client("resident")
    assert owner.get("/app/parking/share/").status_code == 200
    starts, ends = _hours(1), _hours(5)
    page = owner.post(
        "/app/parking/share/",
        {"space": space.pk, "starts": f"{timezone.localtime(ends):%Y-%m-%dT%H:%M}", "ends": ""},
    ).content.decode()
    assert 'id="error-ends"' in page and not ShareWindow.objects.exists()
    r = owner.post(
        "/app/parking/share/",
        {
            "space": space.pk,
            "starts": f"{timezone.localtime(starts):%Y-%m-%dT%H:%M}",
            "ends": f"{timezone.localtime(ends):%Y-%m-%dT%H:%M}",
        },
    )
    assert r.status_code == 302
    window = ShareWindow.objects.get()
    neighbour = _client("neighbour")
    page = neighbour.get("/app/parking/find/").content.decode()
    assert f'id="book-{window.pk}"' in page
    r = neighbour.post("/app/parking/find/", {"window": window.pk, "plate": PLATE})
    assert r.status_code == 302
    booking = ShareBooking.objects.get()
    r = neighbour.post(f"/app/parking/find/bookings/{booking.pk}/pay/")
    assert r.status_code == 302 and r["Location"].startswith("/app/billing/pay/?bills=")
    assert owner.post(f"/app/parking/find/bookings/{booking.pk}/pay/").status_code == 404
    page = owner.get("/app/parking/share/").content.decode()
    assert f'id="withdraw-{window.pk}"' not in page  # booked


def test_the_console_lists_bookings_and_the_split(
    world, space, rule, django_assert_max_num_queries
):
    window = _window(world, space, 1, 9)
    for i in range(3):
        _pay(
            world,
            _book(world, window, a=_hours(1 + 2 * i), b=_hours(2 + 2 * i), plate=f"浙A1234{i}"),
        )
    manager = _client("manager")
    with django_assert_max_num_queries(25):
        page = manager.get("/console/parking/share/").content.decode()
    assert "浙A12340" in page
    page = manager.get("/console/parking/share/split/").content.decode()
    assert 'id="share-split"' in page and "8.40" in page  # 3 × ¥4 × 70%
    assert _client("resident").get("/console/parking/share/split/").status_code in (302, 403)
