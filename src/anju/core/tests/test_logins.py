"""Logins (issue 16): API tokens that are new per login, stored as a hash, expire and can be
listed and revoked with the console and portal sessions; password changes revoke the others."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.utils import timezone

from anju.core import models
from anju.core.models import User
from anju.core.testing import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Quiet-river-2027"


def login_token(client, username, password=PASSWORD, **headers):
    response = client.post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Token {token}"}


def console_login(username, password=PASSWORD, path="/console/login/"):
    browser = Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Safari")
    response = browser.post(path, {"username": username, "password": password})
    assert response.status_code == 302, response.content
    return browser


def test_every_login_returns_a_new_token_and_both_work(world, client):
    first = login_token(client, "agent")
    second = login_token(client, "agent")
    assert first != second
    for token in (first, second):
        assert client.get("/api/v1/me/", **auth(token)).status_code == 200


def test_a_token_is_stored_only_as_a_hash(world, client):
    token = login_token(client, "agent", HTTP_USER_AGENT="AnjuApp/2.1 (Android 14)")
    row = models.Login.objects.get(user=world.users["agent"], kind=models.Login.Kind.TOKEN)
    assert token not in str(row.__dict__)
    assert row.user_agent == "AnjuApp/2.1 (Android 14)" and row.address == "127.0.0.1"
    assert row.expires_at - row.created_at == timedelta(hours=720)


def test_a_token_expires(world, client, settings):
    settings.ANJU_TOKEN_TTL_HOURS = 2
    token = login_token(client, "agent")
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=59)):
        assert client.get("/api/v1/me/", **auth(token)).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1)):
        response = client.get("/api/v1/me/", **auth(token))
        assert response.status_code == 401
        assert response.json()["error"]["message"]


def test_last_used_is_written_at_most_every_few_minutes(world, client):
    token = login_token(client, "agent")
    row = models.Login.objects.get(user=world.users["agent"])
    created = row.last_used_at
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=1)):
        client.get("/api/v1/me/", **auth(token))
    row.refresh_from_db()
    assert row.last_used_at == created
    with time_machine.travel(start + timedelta(minutes=10)):
        client.get("/api/v1/me/", **auth(token))
    row.refresh_from_db()
    assert row.last_used_at > created + timedelta(minutes=9)


def test_logins_are_listed_with_the_current_one_marked(world, client):
    phone_app = login_token(client, "agent", HTTP_USER_AGENT="AnjuApp/2.1")
    login_token(client, "agent", HTTP_USER_AGENT="curl/8")
    console_login("agent")
    login_token(client, "manager")  # someone else's
    response = client.get("/api/v1/me/logins/", **auth(phone_app))
    assert response.status_code == 200, response.content
    rows = response.json()
    assert sorted(r["kind"] for r in rows) == ["session", "token", "token"]
    current = [r for r in rows if r["current"]]
    assert len(current) == 1 and current[0]["user_agent"] == "AnjuApp/2.1"
    for row in rows:
        assert set(row) >= {"id", "kind", "created", "last_used", "expires", "user_agent"}
        assert row["address"] == "127.0.0.*"


def test_a_login_is_revoked_by_its_owner(world, client):
    keep = login_token(client, "agent")
    other = login_token(client, "agent")
    browser = console_login("agent")
    rows = client.get("/api/v1/me/logins/", **auth(keep)).json()
    token_row = next(r for r in rows if r["kind"] == "token" and not r["current"])
    session_row = next(r for r in rows if r["kind"] == "session")
    assert client.delete(f"/api/v1/me/logins/{token_row['id']}/", **auth(keep)).status_code == 204
    assert client.get("/api/v1/me/", **auth(other)).status_code == 401
    assert client.get("/api/v1/me/", **auth(keep)).status_code == 200
    assert browser.get("/console/", follow=True).status_code == 200
    response = client.delete(f"/api/v1/me/logins/{session_row['id']}/", **auth(keep))
    assert response.status_code == 204
    assert browser.get("/console/").status_code == 302  # back to the login page
    assert not models.Login.objects.filter(pk=session_row["id"]).exists()


def test_another_users_login_is_not_found(world, client):
    mine = login_token(client, "agent")
    theirs = login_token(client, "manager")
    their_row = models.Login.objects.get(user=world.users["manager"])
    response = client.delete(f"/api/v1/me/logins/{their_row.pk}/", **auth(mine))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/me/", **auth(theirs)).status_code == 200


# Password changes -------------------------------------------------------------------------


def test_change_own_password_revokes_the_other_logins(world, client):
    current = login_token(client, "agent")
    other = login_token(client, "agent")
    browser = console_login("agent")
    response = client.post(
        "/api/v1/me/password/",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        content_type="application/json",
        **auth(current),
    )
    assert response.status_code == 204, response.content
    assert client.get("/api/v1/me/", **auth(current)).status_code == 200
    assert client.get("/api/v1/me/", **auth(other)).status_code == 401
    assert browser.get("/console/").status_code == 302
    user = User.objects.get(pk=world.users["agent"].pk)
    assert user.check_password(NEW_PASSWORD)
    assert models.Login.objects.filter(user=user).count() == 1


def test_change_own_password_from_a_session_keeps_that_session(world):
    browser = console_login("agent")
    other = console_login("agent")
    response = browser.post(
        "/api/v1/me/password/",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 204, response.content
    assert browser.get("/console/", follow=True).status_code == 200
    assert other.get("/console/").status_code == 302
    current = models.Login.objects.get(user=world.users["agent"])
    assert current.session_key == browser.session.session_key
    assert SessionStore().exists(current.session_key)


def test_a_wrong_old_password_names_the_field(world, client):
    token = login_token(client, "agent")
    response = client.post(
        "/api/v1/me/password/",
        {"old_password": "not-it", "new_password": NEW_PASSWORD},
        content_type="application/json",
        **auth(token),
    )
    assert response.status_code == 400
    assert "old_password" in response.json()["error"]["fields"]
    assert User.objects.get(pk=world.users["agent"].pk).check_password(PASSWORD)


def test_a_new_password_goes_through_the_validators(world, client):
    token = login_token(client, "agent")
    for weak in ("1", "password", "agent"):
        response = client.post(
            "/api/v1/me/password/",
            {"old_password": PASSWORD, "new_password": weak},
            content_type="application/json",
            **auth(token),
        )
        assert response.status_code == 400, weak
        assert "new_password" in response.json()["error"]["fields"]


def test_an_admin_setting_a_password_revokes_all_the_users_logins(world, client, api):
    token = login_token(client, "agent")
    browser = console_login("agent")
    response = api(world.users["org_admin"]).patch(
        f"/api/v1/users/{world.users['agent'].pk}/", {"password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    assert client.get("/api/v1/me/", **auth(token)).status_code == 401
    assert browser.get("/console/").status_code == 302
    assert not models.Login.objects.filter(user=world.users["agent"]).exists()


def test_deactivating_a_user_revokes_their_logins(world, client, api):
    token = login_token(client, "agent")
    response = api(world.users["org_admin"]).patch(
        f"/api/v1/users/{world.users['agent'].pk}/", {"is_active": False}, format="json"
    )
    assert response.status_code == 200, response.content
    assert client.get("/api/v1/me/", **auth(token)).status_code == 401
    assert not models.Login.objects.filter(user=world.users["agent"]).exists()


# Pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("login", "page", "post"),
    [
        ("agent", "/console/me/", "/console/me/password/"),
        ("13900001111", "/app/me/", "/app/me/password/"),
    ],
)
def test_password_pages(world, login, page, post):
    path = "/app/login/" if page.startswith("/app/") else "/console/login/"
    browser = console_login(login, path=path)
    other = console_login(login, path=path)
    response = browser.get(page)
    assert response.status_code == 200
    assert b'name="old_password"' in response.content
    new = {"new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    response = browser.post(post, {"old_password": "wrong", **new})
    assert response.status_code == 200
    assert b"errorlist" in response.content
    response = browser.post(
        post, {"old_password": PASSWORD, "new_password": "1", "new_password2": "1"}
    )
    assert response.status_code == 200 and b"errorlist" in response.content
    response = browser.post(
        post, {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": "other"}
    )
    assert response.status_code == 200 and b"errorlist" in response.content
    response = browser.post(post, {"old_password": PASSWORD, **new})
    assert response.status_code == 302
    assert browser.get(page).status_code == 200
    assert other.get(page).status_code == 302


@pytest.mark.parametrize(
    ("login", "page", "login_path"),
    [("agent", "/console/me/", "/console/login/"), ("13900001111", "/app/me/", "/app/login/")],
)
def test_profile_pages_list_and_revoke_logins(world, client, login, page, login_path):
    browser = console_login(login, path=login_path)
    token = login_token(client, login, HTTP_USER_AGENT="AnjuApp/2.1")
    response = browser.get(page)
    assert response.status_code == 200
    assert b"AnjuApp/2.1" in response.content
    row = models.Login.objects.get(
        kind=models.Login.Kind.TOKEN, user__username__in=["agent", "resident"]
    )
    response = browser.post(f"{page}logins/{row.pk}/revoke/")
    assert response.status_code == 302
    assert client.get("/api/v1/me/", **auth(token)).status_code == 401
    someone_else = login_token(client, "manager")
    theirs = models.Login.objects.get(user=world.users["manager"])
    assert browser.post(f"{page}logins/{theirs.pk}/revoke/").status_code == 404
    assert client.get("/api/v1/me/", **auth(someone_else)).status_code == 200


@pytest.mark.parametrize(
    ("login", "page", "login_path", "logout"),
    [
        ("agent", "/console/me/", "/console/login/", "/console/logout/"),
        ("13900001111", "/app/me/", "/app/login/", "/app/logout/"),
    ],
)
def test_logout_and_ending_all_other_logins(world, client, login, page, login_path, logout):
    browser = console_login(login, path=login_path)
    leaving = console_login(login, path=login_path)
    token = login_token(client, login)
    user = User.objects.get(pk=browser.session["_auth_user_id"])
    assert models.Login.objects.filter(user=user).count() == 3
    leaving.post(logout)
    assert models.Login.objects.filter(user=user).count() == 2  # a logout leaves the list
    other = console_login(login, path=login_path)
    response = browser.post(f"{page}logins/others/revoke/")
    assert response.status_code == 302
    assert client.get("/api/v1/me/", **auth(token)).status_code == 401
    assert other.get(page).status_code == 302
    assert browser.get(page).status_code == 200
    assert models.Login.objects.filter(user=user).count() == 1
