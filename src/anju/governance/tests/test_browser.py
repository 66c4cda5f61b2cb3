"""An owner votes in Chinese on a phone-sized screen, then checks their ballot by its receipt."""

from datetime import timedelta

import pytest
from django.utils import timezone

from anju.core.testing import browser_login, make_world
from anju.governance import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_votes_on_a_phone_and_checks_the_ballot(phone_page, live_server):
    world = make_world()
    committee = world.users["committee"]
    now = timezone.now()
    vote = services.create_vote(
        actor=committee,
        community=world.community,
        title="续聘物业服务企业",
        matter="hire_or_dismiss_manager",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
        text="续聘三年，物业费标准不变。",
    )
    services.publish_notice(vote, actor=committee, now=now - timedelta(days=16))
    services.open_vote(vote, actor=committee, now=now)

    page = phone_page
    browser_login(page, live_server.url, "resident", portal=True)
    page.goto(f"{live_server.url}/app/votes/")
    page.get_by_text("续聘物业服务企业").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "续聘物业服务企业"
    # The choices are neutral (none styled as the default) and one tap casts nothing.
    choices = page.locator("label.vote-choice")
    assert choices.count() == 3
    assert page.locator("#vote-pick .primary, #vote-pick button.primary").count() == 0
    yes = page.get_by_label("同意")
    box = page.locator("label.vote-choice").first.bounding_box()
    assert box["height"] >= 44 and box["width"] <= 390
    yes.check()
    page.locator("#vote-next").click()
    page.wait_for_load_state("networkidle")
    assert vote.ballots.count() == 0
    confirm = page.locator("#vote-confirm").inner_text()
    assert "同意" in confirm and "最后一次" in confirm
    page.locator("#vote-cast").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#my-choice").inner_text() == "同意"
    receipt = page.locator("#my-receipt").inner_text().strip()
    assert len(receipt) == 64
    # Change of mind before the close: the last ballot counts.
    page.get_by_label("反对").check()
    page.locator("#vote-next").click()
    page.wait_for_load_state("networkidle")
    # "Choose again" keeps what was picked.
    page.locator("#vote-back").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_label("反对").is_checked()
    page.locator("#vote-next").click()
    page.wait_for_load_state("networkidle")
    page.locator("#vote-cast").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#my-choice").inner_text() == "反对"
    page.get_by_role("link", name="核对我的投票").first.click()
    page.wait_for_load_state("networkidle")
    result = page.locator("#check-result").inner_text()
    assert "您的投票已计入" in result and "完好" in result
    page.fill("#receipt", receipt)
    page.get_by_role("button", name="核对").click()
    page.wait_for_load_state("networkidle")
    assert "已被同一房屋的后一张票取代" in page.locator("#check-result").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
