"""Real browser at 390 px: a resident reports a repair, the service desk dispatches it and the
technician accepts it (through the services); the resident's Me tab shows the unread count and
the inbox tells the steps in Chinese."""

import pytest

from anju.core.testing import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_sees_the_ticket_steps_in_the_inbox(world, live_server, phone_page):
    from anju.servicedesk import services

    resident, agent, tech = (world.users[n] for n in ("resident", "agent", "technician"))
    tech.first_name = "王师傅"
    tech.save(update_fields=["first_name"])
    ticket = services.create_ticket(
        actor=resident,
        community=world.community,
        kind="repair",
        category="water",
        description="厨房水管漏水",
        channel="portal",
        house=world.house,
        reporter=world.people["owner"],
        priority="P3",
    )
    services.assign(actor=agent, ticket=ticket, assignee=tech)
    services.accept(actor=tech, ticket=ticket)

    browser_login(phone_page, live_server.url, "13900001111", portal=True)
    badge = phone_page.locator("[data-me-tab] .badge")
    assert badge.inner_text() == "2"
    phone_page.click("[data-me-tab]")
    phone_page.click("a.inbox-link")
    phone_page.wait_for_selector("[data-inbox]")
    items = phone_page.locator(".inbox-item.unread")
    assert items.count() == 2
    text = phone_page.locator("[data-inbox]").inner_text()
    assert f"{ticket.number}：已派维修师傅王师傅上门" in text and "王师傅已接单" in text
    assert "未读" in text
    for box in [items.nth(i).locator("button").bounding_box() for i in range(2)]:
        assert box["height"] >= 44 and box["width"] <= 390
    wide = phone_page.evaluate(
        """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)
        .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390, wide
    items.first.locator("button").click()
    phone_page.wait_for_load_state("networkidle")
    assert phone_page.url.endswith(f"/app/tickets/{ticket.pk}/")
    assert phone_page.locator("[data-me-tab] .badge").inner_text() == "1"
