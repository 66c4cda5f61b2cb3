"""/healthz for a load balancer's plain-HTTP probe with production settings: ok or unavailable,
nothing more (it used to show the raw database error, and to redirect to HTTPS)."""

import contextlib
import sqlite3

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def production(settings):
    """What SECRET_KEY switches on (settings.py): HTTPS redirect, secure cookies, HSTS."""
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000


@contextlib.contextmanager
def database_unreachable():
    """The database really cannot be reached: PostgreSQL on a port nobody listens on, or a
    SQLite file in a folder that does not exist."""
    saved = dict(connection.settings_dict)
    keeper = None
    if connection.vendor == "postgresql":
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    else:
        # The test database lives in memory while a connection to it is open: keep one.
        keeper = sqlite3.connect(saved["NAME"], uri=True)
        connection.settings_dict["NAME"] = "/nonexistent-anju-dir/db.sqlite3"
        connection.close()  # no longer "in memory", so really closed
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
        connection.ensure_connection()
        if keeper is not None:
            keeper.close()


def test_healthz_ok_over_plain_http_in_production(production, client):
    assert client.get("/console/login/").status_code == 301  # the redirect is on ...
    r = client.get("/healthz")  # ... but not for the probe
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_healthz_unavailable_without_detail(client):
    with database_unreachable():
        r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json() == {"status": "unavailable"}
    assert client.get("/healthz").json() == {"status": "ok"}
