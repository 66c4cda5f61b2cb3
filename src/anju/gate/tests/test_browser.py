"""On a phone (390 px): a resident issues a visitor pass and sees its QR code; the guard opens
the gate desk, taps "scan" and Chromium's fake camera plays that QR code (the way the patrol
scan test feeds a label): the desk says to let the visitor in, and the entry is logged."""

import os
import shutil
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from anju.core.testing import browser_login
from anju.gate.models import VisitorEntry, VisitorPass

segno = pytest.importorskip("segno")
WIDTH, HEIGHT = 640, 480


def qr_video(text, path, frames=6):
    """A Y4M clip (what Chromium's --use-file-for-fake-video-capture plays) of ``text`` as the
    full QR code the pass page shows, on a white page (as facilities' scan test makes it)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="png", scale=8, border=4)
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


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_issues_a_pass_and_the_guard_scans_it(
    live_server, world, phone_page, playwright_driver, tmp_path
):
    page = phone_page
    page.set_default_timeout(60000)  # a loaded test machine: pages may take their time
    browser_login(page, live_server.url, "resident", portal=True)
    page.goto(f"{live_server.url}/app/gate/passes/")
    page.fill("#visitor-name", "王晓明")
    page.fill("input[name=visitor_phone]", "13812345678")
    start = timezone.localtime() - timedelta(minutes=5)
    page.fill("input[name=from_date]", start.date().isoformat())
    page.fill("input[name=from_time]", start.strftime("%H:%M"))
    submit = page.locator("#issue-pass button[type=submit]")
    box = submit.bounding_box()
    assert box["height"] >= 44
    submit.click()
    expect(page.locator("#pass-qr")).to_be_visible(timeout=60000)
    visitor_pass = VisitorPass.objects.get()
    expect(page.locator("#pass-code")).to_have_text(visitor_pass.code)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width

    chromium = os.environ.get("ANJU_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
    video = qr_video(visitor_pass.qr_text, tmp_path / "pass.y4m")
    camera = playwright_driver.chromium.launch(
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
    try:
        context = camera.new_context(
            locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )
        problems = []
        context.on(
            "console",
            lambda m: (
                problems.append(m.text)
                if "Content Security Policy" in m.text or "Permissions-Policy" in m.text
                else None
            ),
        )
        guard = context.new_page()
        guard.set_default_timeout(60000)
        browser_login(guard, live_server.url, "guard")
        guard.goto(f"{live_server.url}/console/gate/desk/")
        scan = guard.locator("#pass-form button[data-scan]")
        scan_box = scan.bounding_box()
        assert scan_box["height"] >= 44 and scan_box["width"] >= 44
        scan.click()
        try:
            expect(guard.locator("#verdict")).to_contain_text("王晓明", timeout=120000)
        except AssertionError:
            guard.screenshot(path=str(tmp_path / "desk.png"))
            raise
        expect(guard.locator("#verdict")).to_contain_text(world.house.number)
        expect(guard.locator("#verdict")).not_to_contain_text("13812345678")
        assert guard.evaluate("document.documentElement.scrollWidth") <= 390
        assert not problems, problems
    finally:
        camera.close()
    entry = VisitorEntry.objects.get()
    assert entry.visitor_pass_id == visitor_pass.pk and entry.by == world.users["guard"]
