"""A visitor's car enters through the gate (a gateway's event), the resident pays its stay on
the phone through the test provider, and the car leaves within the grace period owing nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from anju.core.testing import api_client, browser_login, make_world
from anju.iot import services as iot
from anju.parking import services
from anju.parking.models import Session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PLATE = "沪B66666"


def _gate_event(key, lot, direction, at):
    r = api_client().post(
        "/api/v1/parking/events/",
        {"lot": lot.pk, "plate": PLATE, "direction": direction, "at": at.isoformat()},
        format="json",
        HTTP_AUTHORIZATION=f"Gateway {key}",
    )
    assert r.status_code == 201, r.content
    return r.json()


def test_resident_pays_a_visitors_stay_on_the_phone(live_server, browser, settings):
    settings.ANJU_PAYMENT_PROVIDER = "test"  # as `make run` sets it
    world = make_world()
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
    _gateway, key = iot.create_gateway(actor=manager, community=world.community, name="车场")
    _gate_event(key, lot, "in", timezone.now() - timedelta(minutes=125))
    session = Session.objects.get(lot=lot, plate=PLATE)

    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    browser_login(page, live_server.url, "resident", portal=True)
    page.goto(f"{live_server.url}/app/parking/pay/")
    page.fill("#id_plate", "沪b 66666")
    page.click("#find-stay")
    assert "9.00" in page.locator(f"#due-{session.pk}").inner_text()
    page.click(f"#pay-stay-{session.pk}")
    page.wait_for_url("**/app/billing/pay/?bills=*")
    assert "9.00" in page.locator("main").inner_text()
    page.click("#pay-native")
    page.wait_for_url("**/bills/pay/test/**")
    page.click("#confirm-pay")
    page.wait_for_url("**/app/billing/pay/*/")
    context.close()

    session.refresh_from_db()
    assert session.state == "paid" and session.paid_amount == Decimal("9.00")
    _gate_event(key, lot, "out", timezone.now() + timedelta(minutes=10))  # within the grace
    session.refresh_from_db()
    assert session.state == "closed" and session.owed == 0
    assert not Session.objects.filter(lot=lot, state="unpaid_exit").exists()
