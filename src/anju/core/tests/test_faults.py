"""PostgreSQL restarting: an idle pooled connection is health-checked and replaced, a request
whose connection dies answers 503 with Retry-After (JSON under /api/, a small page elsewhere),
never a 500. The backends are really terminated, with pg_terminate_backend from a second
connection."""

import contextlib

import psycopg
import pytest
from django.conf import settings
from django.db import close_old_connections, connection

from anju.core.testing import api_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_connection():
    """A connection left dead by a failing test must not fail the next one's set-up."""
    connection.close()
    yield
    if connection.connection is not None and not connection.is_usable():
        connection.close()


def _terminate(pid):
    sd = connection.settings_dict
    with psycopg.connect(
        host=sd["HOST"] or None,
        port=sd["PORT"] or None,
        user=sd["USER"] or None,
        password=sd["PASSWORD"] or None,
        dbname=sd["NAME"],
        autocommit=True,
    ) as other:
        killed = other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
    assert killed


def _get(client, url):
    """A request as a server makes it: Django's handler runs close_old_connections when a
    request starts (that is where the health check is armed); the test client skips it."""
    close_old_connections()
    return client.get(url)


def _backend_pid():
    connection.ensure_connection()
    return connection.connection.info.backend_pid


@contextlib.contextmanager
def _dies_in_flight():
    """The request's own backend is terminated just before its first statement runs."""
    state = {"done": False}

    def kill_then_execute(execute, sql, params, many, context):
        if not state["done"]:
            state["done"] = True
            _terminate(context["connection"].connection.info.backend_pid)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(kill_then_execute):
        yield state


def test_connections_are_health_checked():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_idle_pooled_connection_killed_by_a_restart_is_replaced(world):
    client = api_client(world.users["org_admin"])
    assert _get(client, "/api/v1/communities/").status_code == 200
    pid = _backend_pid()
    _terminate(pid)  # PostgreSQL restarted while the pooled connection sat idle
    r = _get(client, "/api/v1/communities/")
    assert r.status_code == 200, r.content
    assert _backend_pid() != pid


def test_request_whose_connection_dies_answers_503_json(world):
    client = api_client(world.users["org_admin"])
    assert _get(client, "/api/v1/communities/").status_code == 200
    with _dies_in_flight() as state:
        r = _get(client, "/api/v1/communities/")
    assert state["done"]
    assert r.status_code == 503, r.content
    assert r["Content-Type"].startswith("application/json")
    assert int(r["Retry-After"]) == settings.ANJU_RETRY_AFTER_SECONDS
    error = r.json()["error"]
    assert error["code"] == "unavailable" and error["message"] and error["fields"] == {}
    assert "terminat" not in r.content.decode()  # no database detail
    assert _get(client, "/api/v1/communities/").status_code == 200  # and the next one works


def test_page_whose_connection_dies_answers_503_html(world, client):
    client.force_login(world.users["org_admin"])
    assert _get(client, "/console/").status_code == 200
    client.raise_request_exception = False  # as a real server: no test-client re-raise
    with _dies_in_flight():
        r = _get(client, "/console/")
    assert r.status_code == 503, r.content[:500]
    assert r["Content-Type"].startswith("text/html")
    assert int(r["Retry-After"]) == settings.ANJU_RETRY_AFTER_SECONDS
    body = r.content.decode()
    assert "<html" in body and "terminat" not in body and "Traceback" not in body
    assert _get(client, "/console/").status_code == 200
