"""On a phone (390 px, Chinese): a resident orders a cleaning, accepts the technician's quote
for materials, pays online after the work (the test provider, as in billing's browser tests)
and rates it; a resident signs up for a full event, waits, and is moved up when another
household cancels."""

from datetime import timedelta

import pytest
from django.utils import timezone

from anju.billing.models import Payment
from anju.core.models import Notification
from anju.core.testing import browser_login, make_world
from anju.life import services
from anju.life.models import ServiceOrder, Signup
from anju.servicedesk.models import Ticket

from .helpers import event, finish, offering, on_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _phone(browser):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(60000)  # a loaded shared machine
    return context, page


def test_resident_orders_a_cleaning_accepts_the_quote_pays_and_rates(
    live_server, browser, transactional_db, settings
):
    settings.ANJU_PAYMENT_PROVIDER = "test"
    world = make_world()
    cleaning = offering(world)
    context, page = _phone(browser)
    browser_login(page, live_server.url, "resident", portal=True)
    page.goto(f"{live_server.url}/app/life/services/")
    body = page.locator("main").inner_text()
    assert "深度保洁" in body and "¥180.00" in body and "材料另计" in body
    page.click(f"#offering-{cleaning.pk}")
    when = timezone.localtime() + timedelta(days=1)
    page.fill("#appointment-at", f"{when:%Y-%m-%d}T10:00")
    page.fill("input[name=note]", "两个卧室")
    page.click("#place-order")
    page.wait_for_url("**/app/life/orders/")
    order = ServiceOrder.objects.get()
    assert order.ticket.category == "home_service"
    assert order.number in page.locator(".messages").inner_text()

    # The desk dispatches; the technician, on site, quotes the materials.
    on_site(world, order)
    services.quote(
        actor=world.users["technician"], order=order, amount="35.00", note="油烟机清洗剂"
    )
    page.reload()
    assert "¥35.00" in page.locator(f"#order-{order.pk}").inner_text()
    page.click(f"#accept-quote-{order.pk}")
    page.wait_for_url("**/app/life/orders/")
    order.refresh_from_db()
    assert order.quote_decision == "accepted"
    assert Ticket.objects.get(pk=order.ticket_id).status == "in_progress"

    finish(world, order)
    page.reload()
    page.click(f"#pay-order-{order.pk}")
    page.wait_for_url("**/app/billing/pay/?bills=*")
    assert "215.00" in page.locator("#pay-total").inner_text()
    page.click("#pay-form button[name=channel]")
    page.wait_for_url("**/bills/pay/test/**")
    page.click("#confirm-pay")
    page.wait_for_url("**/app/billing/pay/*/")
    assert Payment.objects.get(house=world.house).status == "succeeded"
    order.refresh_from_db()
    assert order.status == "paid" and order.amount == 215

    page.goto(f"{live_server.url}/app/life/orders/")
    page.click(f"#score-{order.pk}-5")
    page.fill(f"#order-{order.pk} input[name=comment]", "很干净")
    page.click(f"#rate-order-{order.pk}")
    page.wait_for_url("**/app/life/orders/")
    ticket = Ticket.objects.get(pk=order.ticket_id)
    assert ticket.rating == 5 and ticket.status == "confirmed"
    heights = page.evaluate(
        "Array.from(document.querySelectorAll('main button, main a.btn'))"
        ".map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    context.close()


def test_resident_on_the_waitlist_moves_up_when_another_cancels(
    live_server, browser, transactional_db
):
    world = make_world()
    e = event(world, capacity=2)
    theirs = services.sign_up(
        actor=world.users["neighbour"], event=e, house=world.houses[1], people=2
    )
    context, page = _phone(browser)
    browser_login(page, live_server.url, "resident", portal=True)
    page.goto(f"{live_server.url}/app/life/events/")
    assert "2 / 2" in page.locator(f"#event-{e.pk}").inner_text()
    page.click(f"#event-{e.pk}")
    assert "加入候补" in page.locator("#sign-up").inner_text()
    page.fill("#people", "2")
    page.click("#sign-up")
    page.wait_for_url(f"**/app/life/events/{e.pk}/")
    assert "候补" in page.locator("#signup-status").inner_text()
    mine = Signup.objects.get(house=world.house)
    assert mine.status == "waitlisted"

    services.cancel_signup(actor=world.users["neighbour"], signup=theirs)
    page.reload()
    assert "已报名" in page.locator("#signup-status").inner_text()
    assert Notification.objects.filter(
        user=world.users["resident"], event="life.signup.promoted"
    ).exists()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    context.close()
