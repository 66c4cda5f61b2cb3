"""Real browser, real camera path: Chromium's fake camera plays a video of a printed QR label
(made with segno), the guard taps "扫码" and the scan is recorded; a technician scans an asset
label from the field home and lands on the asset's page. The decoder (jsQR, or the native
BarcodeDetector where the browser has one) runs under the page's Content-Security-Policy and
Permissions-Policy, which must let the page use the camera."""

import io
import os
import shutil
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from anju.facilities import services
from anju.facilities.models import PatrolScan

segno = pytest.importorskip("segno")
PIL = pytest.importorskip("PIL.Image")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 640, 480


def qr_video(text, path, frames=6):
    """A Y4M clip (what Chromium's --use-file-for-fake-video-capture plays) of ``text`` as a QR
    code on a white page, the way a label looks to a phone held in front of it."""
    from PIL import Image

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=8, border=4)
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    side = min(HEIGHT - 60, code.width)
    code = code.resize((side, side), Image.NEAREST)
    page = Image.new("L", (WIDTH, HEIGHT), 255)
    page.paste(code, ((WIDTH - side) // 2, (HEIGHT - side) // 2))
    y, cb, cr = page.convert("RGB").convert("YCbCr").split()
    half = (WIDTH // 2, HEIGHT // 2)
    frame = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + frame)
    return path


@pytest.fixture
def camera_phone(tmp_path, playwright_driver):
    """A phone-sized page in a Chromium whose camera plays the clip made by the test."""
    chromium = os.environ.get("ANJU_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
    opened = []

    def launch(text):
        video = qr_video(text, tmp_path / "qr.y4m")
        browser = playwright_driver.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        context = browser.new_context(
            locale="zh-CN",
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
        )
        problems = []

        def seen(message):
            text = message.text
            if "Content Security Policy" in text or "Permissions-Policy" in text:
                problems.append(text)

        context.on("console", seen)
        page = context.new_page()
        page.set_default_timeout(20000)
        opened.append(browser)
        return page, problems

    yield launch
    for browser in opened:
        browser.close()


def login(page, base, username):
    from anju.core.testing import browser_login

    browser_login(page, base, username)


def test_guard_scans_checkpoint_with_camera(live_server, world, camera_phone):
    manager, guard = world.users["manager"], world.users["guard"]
    route = services.create_patrol_route(
        actor=manager,
        community=world.community,
        name="外围巡更",
        checkpoints=[
            {"name": "东门岗亭", "opens_after_minutes": 0, "closes_after_minutes": 120},
            {"name": "北门", "opens_after_minutes": 0, "closes_after_minutes": 120},
        ],
    )
    east = route.checkpoints.order_by("order").first()
    now = timezone.now()
    services.create_shift(
        actor=manager,
        route=route,
        guard=guard,
        name="白班",
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(minutes=110),
    )
    page, problems = camera_phone(east.qr_text)
    login(page, live_server.url, "guard")
    page.goto(f"{live_server.url}/console/facilities/m/patrol/")
    scan = page.locator("button[data-scan]")
    expect(scan).to_be_visible()
    box = scan.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    scan.click()
    # The camera opens, the code is read and goes the way a typed code goes (the queue, then
    # the API): the page says it was recorded and the checkpoint is on time.
    expect(page.locator("#scan-result")).to_contain_text("东门岗亭")
    expect(page.locator(".scan-overlay")).to_have_count(0)
    expect(page.locator("#queue-count")).to_have_text("0")
    recorded = PatrolScan.objects.get(checkpoint=east)
    assert recorded.by_id == guard.pk
    expect(page.locator("#checkpoints li").first).to_have_attribute("data-state", "on_time")
    assert not problems, problems


def test_technician_scans_asset_label_from_field_home(live_server, world, camera_phone):
    asset = services.create_asset(
        actor=world.users["manager"],
        community=world.community,
        name="1幢1单元客梯",
        category="elevator",
        code="DT-01",
        building=world.building,
    )
    label = f"{live_server.url}/app/facilities/a/{asset.qr_token}/"
    page, problems = camera_phone(label)
    login(page, live_server.url, "technician")
    page.goto(f"{live_server.url}/console/facilities/m/")
    page.locator("button[data-scan]").click()
    page.wait_for_url(f"**/console/facilities/m/assets/{asset.pk}/")
    expect(page.locator("main")).to_contain_text("1幢1单元客梯")
    assert not problems, problems
