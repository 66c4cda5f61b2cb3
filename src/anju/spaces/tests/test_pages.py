"""Console and portal pages of shared spaces: roles, scoping, kept input, query counts, Excel."""

import io
from datetime import datetime, time, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from anju.core.testing import PASSWORD
from anju.spaces import services
from anju.spaces.models import Booking, Space
from anju.spaces.tests.factories import meeting_room

pytestmark = pytest.mark.django_db


def _client(username):
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _at(days, hour):
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def hall(world):
    return meeting_room(world)


def test_console_pages_by_role(world, hall):
    booking = services.book(
        actor=world.users["resident"], space=hall, starts_at=_at(1, 10), purpose="业主小组讨论"
    )
    manager = _client("manager")
    for url in (
        "/console/spaces/",
        f"/console/spaces/{hall.pk}/",
        f"/console/spaces/{hall.pk}/?date={_at(1, 0).date().isoformat()}",
        "/console/spaces/new/",
        f"/console/spaces/{hall.pk}/edit/",
        "/console/bookings/?status=pending",
        f"/console/bookings/{booking.pk}/",
    ):
        page = manager.get(url)
        assert page.status_code == 200, url
    assert (
        "业主小组讨论"
        in manager.get(f"/console/spaces/{hall.pk}/?date={_at(1, 0).date()}").content.decode()
    )
    # The cashier sees bookings (to collect fees), not the space form; the cleaner neither.
    cashier = _client("cashier")
    assert cashier.get("/console/bookings/").status_code == 200
    assert cashier.get("/console/spaces/new/").status_code == 403
    assert _client("cleaner").get("/console/bookings/").status_code == 403
    # Another community's manager: not found.
    other = _client("manager2")
    assert other.get(f"/console/bookings/{booking.pk}/").status_code == 404
    assert other.get(f"/console/spaces/{hall.pk}/").status_code == 404
    assert other.post(f"/console/bookings/{booking.pk}/approve/").status_code == 404
    assert Booking.objects.get(pk=booking.pk).status == "pending"


def test_console_actions_and_refusals(world, hall):
    booking = services.book(
        actor=world.users["resident"], space=hall, starts_at=_at(1, 10), purpose="讨论"
    )
    manager = _client("manager")
    refused = manager.post(f"/console/bookings/{booking.pk}/reject/", {"reason": " "}, follow=True)
    assert "请填写原因" in refused.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == "pending"
    manager.post(f"/console/bookings/{booking.pk}/approve/")
    # Approved, it waits for its fee: a bill of the house, paid online or at the cashier desk.
    assert Booking.objects.get(pk=booking.pk).status == "unpaid"
    page = _client("cashier").get(f"/console/bookings/{booking.pk}/").content.decode()
    assert "收取场地费" not in page
    from anju.billing import services as billing

    billing.record_payment(
        actor=world.users["cashier"], house=booking.house, amount="30.00", method="cash"
    )
    booking = Booking.objects.get(pk=booking.pk)
    assert (booking.status, booking.paid_method) == ("confirmed", "cash")
    # Booked at the service centre for a resident: the fee is collected at the desk.
    desk = services.book(
        actor=world.users["agent"],
        space=hall,
        starts_at=_at(1, 12),
        purpose="讨论",
        person=world.people["owner"],
        house=world.house,
    )
    page = _client("cashier").get(f"/console/bookings/{desk.pk}/").content.decode()
    assert "收取场地费 ¥30.00" in page
    _client("cashier").post(f"/console/bookings/{desk.pk}/collect/", {"method": "cash"})
    assert Booking.objects.get(pk=desk.pk).paid_method == "cash"


def test_space_form_keeps_input_on_refusal(world, hall):
    manager = _client("manager")
    data = {
        "community": world.community.pk,
        "name": "乒乓球室",
        "kind": "sports",
        "capacity": 4,
        "opens_at": "08:00",
        "closes_at": "20:30",
        "slot_minutes": 60,
        "max_slots": 2,
        "book_days_ahead": 3,
        "per_house_limit": 1,
        "price_per_slot": "0",
        "active": "on",
        "common_part": "on",
    }
    page = manager.post("/console/spaces/new/", data)
    assert page.status_code == 200
    body = page.content.decode()
    assert "整数倍" in body and "乒乓球室" in body
    data["closes_at"] = "20:00"
    assert manager.post("/console/spaces/new/", data).status_code == 302
    assert Space.objects.filter(name="乒乓球室", closes_at=time(20, 0)).exists()


def test_booking_list_queries_do_not_grow_and_export(world, hall, django_assert_max_num_queries):
    manager = _client("manager")
    manager.get("/console/bookings/")  # warm the session and caches
    for hour in range(9, 12):
        services.book(
            actor=world.users["agent"],
            space=hall,
            starts_at=_at(2, hour),
            purpose="代订",
            person=world.people["owner"],
            house=world.house,
        )
    with django_assert_max_num_queries(14) as few:
        manager.get("/console/bookings/")
    for day in (3, 4, 5):
        for hour in range(9, 17):
            services.book(
                actor=world.users["agent"],
                space=hall,
                starts_at=_at(day, hour),
                purpose="代订",
                person=world.people["neighbour"],
                house=world.houses[1],
            )
    with django_assert_max_num_queries(len(few.captured_queries)):
        manager.get("/console/bookings/")
    api = _client("manager")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get("/api/v1/bookings/").status_code == 200
    export = manager.get("/console/bookings/?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len([r for r in rows if r and str(r[0]).startswith("YY-")]) == 27
    assert "预约编号" in [str(c) for r in rows[:3] for c in r if c]


def test_portal_booking_keeps_what_was_typed(world, hall):
    resident = _client("resident")
    assert resident.get("/app/spaces/").status_code == 200
    day = _at(1, 0).date().isoformat()
    page = resident.get(f"/app/spaces/{hall.pk}/?date={day}")
    assert page.status_code == 200 and "点选空闲时段" in page.content.decode()
    missing = resident.post(
        f"/app/spaces/{hall.pk}/", {"date": day, "purpose": "读书会", "attendees": "5"}
    )
    body = missing.content.decode()
    assert missing.status_code == 200 and "请先点选一个空闲时段" in body
    assert 'value="读书会"' in body and 'value="5"' in body
    too_many = resident.post(
        f"/app/spaces/{hall.pk}/",
        {"date": day, "start": "10:00", "purpose": "读书会", "attendees": "50"},
    )
    assert "最多容纳10人" in too_many.content.decode() and not Booking.objects.exists()
    done = resident.post(
        f"/app/spaces/{hall.pk}/",
        {"date": day, "start": "10:00", "slots": "2", "purpose": "读书会", "attendees": "5"},
    )
    assert done.status_code == 302
    booking = Booking.objects.get()
    assert (booking.status, booking.amount) == ("pending", Decimal("60.00"))
    listing = resident.get("/app/spaces/").content.decode()
    assert booking.number in listing and "待审核" in listing
    # Neither the neighbour nor a stranger can touch it; the stranger cannot see the space.
    assert _client("neighbour").post(f"/app/bookings/{booking.pk}/cancel/").status_code == 404
    assert _client("stranger").get(f"/app/spaces/{hall.pk}/").status_code == 404
    resident.post(f"/app/bookings/{booking.pk}/cancel/")
    assert Booking.objects.get().status == "cancelled"


def test_resident_home_offers_booking(world):
    page = _client("resident").get("/app/").content.decode()
    assert "/app/spaces/" in page and "预约场地" in page


def test_committee_sees_the_grid_not_who_booked(world, hall):
    services.book(
        actor=world.users["resident"], space=hall, starts_at=_at(1, 10), purpose="业主小组讨论"
    )
    day = _at(1, 0).date().isoformat()
    page = _client("committee").get(f"/console/spaces/{hall.pk}/?date={day}")
    body = page.content.decode()
    assert page.status_code == 200 and "已约" in body
    assert "张三" not in body and "业主小组讨论" not in body
    assert _client("committee").get("/console/bookings/").status_code == 403
