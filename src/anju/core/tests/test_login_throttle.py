"""Login throttling (issue 16): every login path is limited per account and per address with
django-axes, with the production limits of settings.py; failures are audited and a lockout
tells the account's owner."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from anju.core.models import AuditEntry, Notification
from anju.core.notifications import LogSmsBackend
from anju.core.testing import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    # DRF's anonymous rate limit counts in the cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


def token(client, username, password, **extra):
    return client.post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        content_type="application/json",
        **extra,
    )


def test_production_limits_are_in_force(settings):
    assert settings.AXES_ENABLED
    assert settings.ANJU_LOGIN_FAILURE_LIMIT <= 10
    assert settings.ANJU_LOGIN_COOLOFF_MINUTES >= 5


def test_180_wrong_passwords_then_the_right_one_does_not_log_in(world, client, settings):
    """The attack of the issue, on the API token endpoint: one attempt a second (under DRF's
    anonymous rate limit), 180 wrong, then the right password."""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        codes = []
        for _ in range(180):
            codes.append(token(client, "org_admin", "guess-again").status_code)
            clock.shift(1)
        limit = settings.ANJU_LOGIN_FAILURE_LIMIT
        assert codes[: limit - 1] == [400] * (limit - 1)
        assert set(codes[limit:]) == {429}
        response = token(client, "org_admin", PASSWORD)
        assert response.status_code == 429, response.content
        error = response.json()["error"]
        assert error["code"] == "throttled" and error["message"] and error["fields"] == {}
        wait = int(response["Retry-After"])
        assert 0 < wait <= settings.ANJU_LOGIN_COOLOFF_MINUTES * 60
        # Someone else, elsewhere, is not concerned.
        other = token(client, "13900001111", PASSWORD, REMOTE_ADDR="198.51.100.7")
        assert other.status_code == 200
        clock.shift(wait + 1)
        assert token(client, "org_admin", PASSWORD).status_code == 200


def test_the_wait_counts_down(world, client, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(settings.ANJU_LOGIN_FAILURE_LIMIT):
            token(client, "agent", "nope")
        clock.shift(120)
        response = token(client, "agent", PASSWORD)
        assert response.status_code == 429
        assert int(response["Retry-After"]) == settings.ANJU_LOGIN_COOLOFF_MINUTES * 60 - 120


def test_phone_and_username_are_one_account(world, client, settings):
    limit = settings.ANJU_LOGIN_FAILURE_LIMIT
    for i in range(limit):
        token(client, "resident" if i % 2 else "139 0000 1111", "nope")
    assert token(client, "resident", PASSWORD).status_code == 429
    assert token(client, "+8613900001111", PASSWORD).status_code == 429


def test_one_address_trying_many_accounts_is_stopped(world, client, settings):
    limit = settings.ANJU_LOGIN_ADDRESS_FAILURE_LIMIT
    for i in range(limit):
        token(client, f"nobody{i}", "nope")
    assert token(client, "agent", PASSWORD).status_code == 429
    # Another address is not concerned.
    assert token(client, "agent", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 200


def test_another_address_cannot_unlock_a_locked_account(world, client, settings):
    for i in range(settings.ANJU_LOGIN_FAILURE_LIMIT):
        token(client, "agent", "nope", REMOTE_ADDR=f"198.51.100.{i + 1}")
    assert token(client, "agent", PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429


@pytest.mark.parametrize(
    ("path", "username"), [("/console/login/", "org_admin"), ("/app/login/", "13900001111")]
)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_30_wrong_passwords_on_the_pages_then_a_message(world, path, username, language):
    browser = Client(HTTP_ACCEPT_LANGUAGE=language)
    for _ in range(30):
        response = browser.post(path, {"username": username, "password": "guess-again"})
        assert response.status_code in (200, 429)
    response = browser.post(path, {"username": username, "password": PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert f'value="{username}"' in page  # what was typed stays
    expected = "分钟后再试" if language == "zh-hans" else "Try again in"
    assert expected in page, page
    assert "_auth_user_id" not in browser.session


def test_the_admin_site_login_is_throttled_too(world, settings):
    browser = Client()
    for _ in range(settings.ANJU_LOGIN_FAILURE_LIMIT):
        browser.post("/admin/login/", {"username": "root", "password": "nope"})
    response = browser.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in browser.session


def test_each_failure_is_audited_without_the_password(world, client):
    token(client, "13900001111", "secret-guess-1")
    token(client, "nobody-at-all", "secret-guess-2")
    entries = list(AuditEntry.objects.filter(action="core.login.failed").order_by("id"))
    assert len(entries) == 2
    text = " ".join(f"{e.before} {e.after} {e.object_repr} {e.actor_label}" for e in entries)
    assert "secret-guess" not in text
    assert "13900001111" not in text and "139****1111" in text
    # The resident's company sees the failure in its audit log; the unknown name, nobody's.
    assert [e.organization_id for e in entries] == [world.org.pk, None]
    assert entries[0].after["user"] == world.users["resident"].pk
    assert entries[0].after["path"] == "/api/v1/auth/token/"


def test_a_lockout_tells_the_owner(world, client, settings, django_capture_on_commit_callbacks):
    LogSmsBackend.sent.clear()
    resident = world.users["resident"]
    with django_capture_on_commit_callbacks(execute=True):  # the SMS leaves after commit
        for _ in range(settings.ANJU_LOGIN_FAILURE_LIMIT + 3):
            token(client, "resident", "nope")
    notes = Notification.objects.filter(user=resident)
    assert notes.count() == 1  # once per lockout, not once per attempt
    assert [phone for phone, _ in LogSmsBackend.sent] == ["13900001111"]
    assert AuditEntry.objects.filter(action="core.login.locked").count() == 1


def test_a_successful_login_is_not_audited_as_failed(world, client):
    assert token(client, "agent", PASSWORD).status_code == 200
    assert not AuditEntry.objects.filter(action="core.login.failed").exists()


def test_throttling_survives_the_cooloff_boundary(world, client, settings):
    """Once the cool-off has passed the account can be tried (and locked) again."""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(settings.ANJU_LOGIN_FAILURE_LIMIT):
            token(client, "agent", "nope")
        clock.shift(timedelta(minutes=settings.ANJU_LOGIN_COOLOFF_MINUTES, seconds=1))
        assert token(client, "agent", "nope").status_code == 400
        assert token(client, "agent", PASSWORD).status_code == 200


def test_behind_a_proxy_the_forwarded_address_counts_and_cannot_be_spoofed(world, client, settings):
    """ANJU_PROXY_COUNT=1: the address the proxy appended is the client's; what the client put
    in X-Forwarded-For itself changes nothing."""
    settings.ANJU_PROXY_COUNT = 1
    for i in range(settings.ANJU_LOGIN_ADDRESS_FAILURE_LIMIT):
        token(client, f"nobody{i}", "nope", HTTP_X_FORWARDED_FOR=f"10.9.{i}.1, 198.51.100.7")
    spoofed = token(client, "agent", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5, 198.51.100.7")
    assert spoofed.status_code == 429
    elsewhere = token(client, "agent", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert elsewhere.status_code == 200
