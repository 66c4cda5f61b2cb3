"""Headless Chromium on a phone: a resident reports a leak with a photo on the portal and sees it
on the ticket page (the thumbnail really loads, a tap opens the full photo); a neighbour who
guesses the photo's address gets 404."""

import pytest

from anju.core.models import Attachment
from anju.core.testing import browser_login
from anju.core.tests import samples

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _phone(browser):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def test_the_reporter_sees_the_photo_on_the_portal(world, live_server, browser):
    base = live_server.url
    context, phone = _phone(browser)
    try:
        browser_login(phone, base, "13900001111", portal=True)
        phone.goto(f"{base}/app/tickets/new/")
        phone.select_option("#id_category", "water")
        phone.fill("#id_description", "厨房水管漏水，地上有积水")
        phone.set_input_files(
            "#id_photos",
            files=[
                {"name": "漏水.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg(gps=True)}
            ],
        )
        phone.click("button:has-text('提交')")
        phone.wait_for_load_state("networkidle")
        assert "已提交，您的单号是 BX-" in phone.content()
        attachment = Attachment.objects.get()
        thumbnail = phone.locator(f'img[src="/files/{attachment.pk}/thumbnail/"]')
        thumbnail.wait_for()
        loaded = thumbnail.evaluate("img => img.complete && img.naturalWidth")
        assert loaded == 640  # the thumbnail itself, served by the scoped view
        box = thumbnail.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44  # a finger's worth
        with context.expect_page() as opened:
            thumbnail.click()
        full = opened.value
        full.wait_for_load_state()
        assert full.url.endswith(f"/files/{attachment.pk}/")
        assert full.evaluate("document.images[0].naturalWidth") == 1200

        neighbour_ctx, neighbour = _phone(browser)
        browser_login(neighbour, base, "13900003333", portal=True)
        assert neighbour.goto(f"{base}/files/{attachment.pk}/").status == 404
        neighbour_ctx.close()
    finally:
        context.close()
