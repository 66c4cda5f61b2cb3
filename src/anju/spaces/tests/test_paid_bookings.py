"""A paid space booked by a resident: the fee becomes a bill of the house, paid online through
billing's own flow (the test provider in dev); the booking is confirmed once it is paid, and a
cancelled booking owes nothing."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from anju.billing import selectors as billing_selectors
from anju.billing import services as billing
from anju.billing.models import Bill, Payment
from anju.core.testing import PASSWORD
from anju.governance.models import IncomeEntry
from anju.spaces import services
from anju.spaces.models import Booking

pytestmark = pytest.mark.django_db


def _space(world, **values):
    defaults = {
        "name": "羽毛球场",
        "kind": "sports",
        "place": "会所一楼",
        "capacity": 4,
        "opens_at": time(8, 0),
        "closes_at": time(21, 0),
        "slot_minutes": 60,
        "max_slots": 2,
        "book_days_ahead": 7,
        "per_house_limit": 2,
        "price_per_slot": Decimal("25.50"),
    }
    return services.save_space(
        actor=world.users["manager"], community=world.community, **(defaults | values)
    )


def _at(days, hour):
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def _book(world, space, hour=15):
    return services.book(
        actor=world.users["resident"],
        space=space,
        starts_at=_at(1, hour),
        purpose="羽毛球",
        house=world.house,
    )


def test_the_fee_is_a_bill_and_paying_it_online_confirms_the_booking(world, settings):
    settings.ANJU_PAYMENT_PROVIDER = "test"
    space = _space(world)
    booking = _book(world, space)
    assert booking.status == "unpaid" and booking.amount == Decimal("25.50")
    bill = services.fee_bill(booking)
    assert bill is not None and bill.house_id == world.house.pk and bill.total == Decimal("25.50")

    client = Client()
    assert client.login(username="resident", password=PASSWORD)
    page = client.get("/app/spaces/").content.decode()
    assert f'id="pay-booking-{booking.pk}"' in page and "服务中心" not in page
    # Billing's own online flow: start, the provider's page, confirm.
    started = client.post("/app/bills/pay/", {"house": world.house.pk})
    assert started.status_code == 302
    payment = Payment.objects.get(status="pending")
    client.post(f"/app/bills/pay/test/{payment.pk}/")
    booking.refresh_from_db()
    assert booking.status == "confirmed" and booking.paid_at and booking.paid_method == "test"
    assert Bill.objects.get(pk=bill.pk).status == "paid"
    # A space in the common parts: the fee is public income, as when collected at the desk.
    entry = IncomeEntry.objects.get()
    assert entry.amount == Decimal("25.50") and booking.number in entry.description


def test_a_desk_payment_confirms_too_and_the_desk_does_not_collect_it_twice(world):
    booking = _book(world, _space(world))
    with pytest.raises(Exception) as refused:
        services.collect_fee(actor=world.users["cashier"], booking=booking, method="cash")
    assert "收银台" in str(refused.value) or "cashier desk" in str(refused.value)
    billing.record_payment(
        actor=world.users["cashier"], house=world.house, amount="25.50", method="cash"
    )
    booking.refresh_from_db()
    assert booking.status == "confirmed" and booking.paid_method == "cash"


def test_cancelling_an_unpaid_booking_takes_the_charge_back(world):
    booking = _book(world, _space(world))
    assert billing_selectors.house_arrears(world.house) == Decimal("25.50")
    services.cancel(actor=world.users["resident"], booking=booking)
    assert billing_selectors.house_arrears(world.house) == Decimal("0.00")
    assert Booking.objects.get(pk=booking.pk).status == "cancelled"


def test_an_unpaid_booking_lapses_at_its_start(world):
    booking = _book(world, _space(world), hour=9)
    counts = services.sweep(now=_at(1, 9) + timedelta(minutes=1))
    booking.refresh_from_db()
    assert booking.status == "cancelled" and counts["cancelled"] == 1
    assert billing_selectors.house_arrears(world.house) == Decimal("0.00")


def test_an_approval_space_waits_for_its_fee_after_approval(world):
    space = _space(world, needs_approval=True)
    booking = _book(world, space)
    assert booking.status == "pending"
    booking = services.approve(actor=world.users["manager"], booking=booking)
    assert booking.status == "unpaid"


def test_the_booking_page_says_the_fee_is_paid_online(world):
    space = _space(world)
    client = Client()
    assert client.login(username="resident", password=PASSWORD)
    page = client.get(f"/app/spaces/{space.pk}/").content.decode()
    assert "在线" in page and "服务中心缴" not in page


@pytest.mark.parametrize("who", ["manager", "cashier"])
def test_bookings_today_card_counts_the_rows_it_opens(world, who):
    from django.apps import apps
    from django.test import RequestFactory

    space = _space(world, price_per_slot=Decimal("0"))
    # At nine in the morning today, whatever the clock of the test run says: two slots remain.
    with time_machine.travel(_at(0, 9), tick=False):
        kept = services.book(
            actor=world.users["agent"], space=space, starts_at=_at(0, 10), purpose="会议"
        )
        other = services.book(
            actor=world.users["agent"], space=space, starts_at=_at(0, 11), purpose="培训"
        )
        services.cancel(actor=world.users["manager"], booking=other, reason="取消")
        request = RequestFactory().get("/console/")
        request.user, request.community_id = world.users[who], None
        card = apps.get_app_config("spaces").dashboard_cards(request)[0]
        client = Client()
        assert client.login(username=world.users[who].username, password=PASSWORD)
        page = client.get(card["link"])
        assert page.context["paginator"].count == card["value"] == 1
        assert [b.pk for b in page.context["object_list"]] == [kept.pk]
