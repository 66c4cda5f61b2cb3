"""Test setup shared by the whole suite.

Services: tests marked ``postgres``, ``replica``, ``redis``, ``mqtt`` or ``browser`` run when the service is there.
Without it they are skipped with the reason, unless ``ANJU_REQUIRE_SERVICES=1`` (set by
.ci/run), which turns a missing service into a failure.
"""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

os.environ.setdefault(
    "DJANGO_ALLOW_ASYNC_UNSAFE", "true"
)  # Playwright sync API shares the test thread
REQUIRE = os.environ.get("ANJU_REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("ANJU_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


def _reachable(url, default_port):
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1
        ):
            return True
    except OSError:
        return False


def _missing(item):
    from django.db import connection

    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        return "needs PostgreSQL (set DATABASE_URL=postgres://...)"
    if item.get_closest_marker("redis"):
        url = os.environ.get("ANJU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
        if not _reachable(url, 6379):
            return f"needs Redis at {url}"
    if item.get_closest_marker("mqtt"):
        url = os.environ.get("ANJU_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")
        if not _reachable(url, 1883):
            return f"needs an MQTT broker at {url}"
    if item.get_closest_marker("replica"):
        url = os.environ.get("ANJU_TEST_REPLICA_URL", "")
        if connection.vendor != "postgresql" or not url or not _reachable(url, 5432):
            return "needs PostgreSQL and its streaming replica (set ANJU_TEST_REPLICA_URL)"
    if item.get_closest_marker("browser") and not os.path.exists(CHROMIUM):
        return f"needs Chromium at {CHROMIUM}"
    return None


def pytest_configure(config):
    from django.conf import settings

    # Tests create many logins; the production hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_runtest_setup(item):
    reason = _missing(item)
    if reason:
        if REQUIRE:
            pytest.fail(f"required service missing: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def migration_data(request):
    """Rows that data migrations ship (solar terms, holidays and reminder templates; the vote
    rule sets): a transactional test flushes them, and under xdist such a test of any app may run
    before any other, so put them back for every test that reaches the database."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None:  # the database the marker asks for, set up before we read it
        request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    elif not any(name in request.fixturenames for name in ("db", "transactional_db", "world")):
        return
    from anju.core.testing import restore_migration_data

    restore_migration_data()


@pytest.fixture
def world(db):
    from anju.core.testing import make_world

    return make_world()


@pytest.fixture
def api():
    from anju.core.testing import api_client

    return api_client


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright driver per test process: a second ``sync_playwright()`` started while
    another is open finds its event loop running and refuses, so every browser test launches
    from this one."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_driver):
    b = playwright_driver.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    )
    yield b
    b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """Every browser test also checks that no page broke the Content-Security-Policy: Chromium
    reports each refused script, style or image on the console."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    violations, new_context = [], browser.new_context

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)

        def seen(message):
            text = message.text
            if "Content Security Policy" in text or "Permissions-Policy" in text:
                violations.append(f"{message.type}: {text}")

        context.on("console", seen)
        return context

    browser.new_context = watched_context
    try:
        yield
    finally:
        browser.new_context = new_context
    assert not violations, "\n".join(violations)


# Under a loaded CI machine generation speed says nothing about the code: the health check for
# slow input generation and the per-example deadline would fail at random.
from hypothesis import HealthCheck  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

hypothesis_settings.register_profile(
    "anju", suppress_health_check=[HealthCheck.too_slow], deadline=None
)
hypothesis_settings.load_profile("anju")
