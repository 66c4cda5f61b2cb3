"""core.identity loads a user with their scope (memberships and their communities, resident
houses and communities) in one statement on PostgreSQL; it must say exactly what the ORM says,
and token and session authentication must keep working through it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from anju.core import identity, logins
from anju.core.choices import Role
from anju.core.models import Login, User
from anju.core.testing import api_token

pytestmark = pytest.mark.django_db

SCOPE_CACHES = ("_memberships", "_house_ids", "_resident_community_ids")


def scope_of(user):
    """What scoping and policy read of a user, in a comparable form."""
    return {
        "memberships": sorted(
            (m.pk, m.organization_id, m.role, sorted(m.community_ids()))
            for m in user.active_memberships()
        ),
        "houses": sorted(user.resident_house_ids()),
        "communities": user.resident_community_ids(),
    }


def fields_of(user):
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


def person_of(user):
    """The person fields requests read of a login (identity loads them with the user)."""
    person = user.person
    return person and (person.pk, person.organization_id, person.name, person.phone)


def orm(user):
    """The same user freshly read by the ORM, its caches computed the ORM way."""
    fresh = User.objects.get(pk=user.pk)
    assert not any(name in fresh.__dict__ for name in SCOPE_CACHES)
    return fresh


def test_shapes_are_what_they_claim(shapes, world):
    """The fixture's users differ where the tests need them to (so that agreement means something)."""
    scope = {name: scope_of(orm(user)) for name, user in shapes.items()}
    multi = scope["multi"]["memberships"]
    assert [m[1:] for m in multi] == [
        (world.org.pk, Role.AGENT, sorted([world.community.pk, world.community2.pk])),
        (world.other_org.pk, Role.MANAGER, []),
    ]
    assert [m[2] for m in scope["lapsed"]["memberships"]] == [Role.TECHNICIAN]
    assert scope["movers"]["houses"] == sorted([world.houses[2].pk, world.houses[4].pk])
    assert scope["movers"]["communities"] == {world.community.pk, world.community2.pk}
    assert scope["moved_out"]["houses"] == [] and scope["moved_out"]["communities"] == set()
    assert scope["both"]["houses"] == [world.houses[4].pk]
    assert len(scope["both"]["memberships"]) == 1
    assert scope["superuser"] == {"memberships": [], "houses": [], "communities": set()}


@pytest.mark.parametrize(
    "name",
    [
        "superuser",
        "org_admin",
        "multi",
        "lapsed",
        "resident",
        "movers",
        "moved_out",
        "both",
        "inactive",
        "no_scope",
    ],
)
def test_user_by_token_and_by_id_agree_with_the_orm(shapes, name):
    user = shapes[name]
    key, row = logins.issue_token(user)
    expected_user = orm(user)
    expected = scope_of(expected_user)

    found = identity.user_by_token(key)
    assert found is not None
    loaded, login = found
    stored = Login.objects.get(pk=row.pk)
    assert (login.pk, login.user_id, login.kind) == (stored.pk, user.pk, Login.Kind.TOKEN)
    assert (login.created_at, login.last_used_at, login.expires_at) == (
        stored.created_at,
        stored.last_used_at,
        stored.expires_at,
    )
    assert login.user is loaded
    assert fields_of(loaded) == fields_of(expected_user)
    assert scope_of(loaded) == expected
    assert person_of(loaded) == person_of(expected_user)

    by_id = identity.user_by_id(user.pk)
    assert fields_of(by_id) == fields_of(expected_user)
    assert scope_of(by_id) == expected
    assert person_of(by_id) == person_of(expected_user)


def test_memberships_come_in_the_orm_order(shapes):
    for user in shapes.values():
        expected = [m.pk for m in orm(user).active_memberships()]
        assert [m.pk for m in identity.user_by_id(user.pk).active_memberships()] == expected


def test_unknown_token_and_id(shapes):
    assert identity.user_by_token("0" * 40) is None
    assert identity.user_by_token("") is None
    assert identity.user_by_id(10**9) is None


def test_expired_revoked_and_session_keys_are_not_tokens(shapes, client):
    """Both ways (the SQL on PostgreSQL, the ORM elsewhere) refuse an expired token, a revoked
    one, and a session key or a token's digest presented as a token."""
    from datetime import timedelta

    from django.utils import timezone

    user = shapes["multi"]
    expired, row = logins.issue_token(user)
    Login.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked, row2 = logins.issue_token(user)
    logins.revoke([row2])
    live, live_row = logins.issue_token(user)
    Login.objects.create(
        user=user, kind=Login.Kind.SESSION, session_key="s" * 32, expires_at=live_row.expires_at
    )
    assert identity.user_by_token(expired) is None
    assert identity.user_by_token(revoked) is None
    assert identity.user_by_token("s" * 32) is None
    assert identity.user_by_token(live_row.token_digest) is None
    assert identity.user_by_token(live)[1].pk == live_row.pk
    for key in (expired, revoked):
        assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {live}").status_code == 200


@pytest.mark.postgres
def test_the_fast_path_agrees_with_the_orm_path(shapes, monkeypatch):
    """On PostgreSQL user_by_token is one SQL statement; the ORM path (SQLite's) must find the
    same login with the same fields, for live, expired and revoked tokens alike."""
    from datetime import timedelta

    from django.utils import timezone

    keys = {}
    for name, user in shapes.items():
        keys[name], _ = logins.issue_token(user)
    expired, row = logins.issue_token(shapes["both"])
    Login.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    keys["expired"] = expired
    fast = {name: identity.user_by_token(key) for name, key in keys.items()}
    monkeypatch.setattr(identity.connection, "vendor", "sqlite")  # take the ORM branch
    slow = {name: identity.user_by_token(key) for name, key in keys.items()}
    monkeypatch.undo()
    assert fast["expired"] is None and slow["expired"] is None
    for name in shapes:
        (fast_user, fast_login), (slow_user, slow_login) = fast[name], slow[name]
        assert fields_of(fast_user) == fields_of(slow_user)
        assert scope_of(fast_user) == scope_of(orm(slow_user))
        assert (fast_login.pk, fast_login.expires_at, fast_login.last_used_at) == (
            slow_login.pk,
            slow_login.expires_at,
            slow_login.last_used_at,
        )


@pytest.mark.postgres
@pytest.mark.parametrize("name", ["multi", "movers", "both", "superuser", "moved_out"])
def test_one_query_with_the_scope_prefilled(shapes, name, django_assert_num_queries):
    user = shapes[name]
    key = api_token(user)
    expected, person = scope_of(orm(user)), person_of(orm(user))
    with django_assert_num_queries(1):
        loaded, _ = identity.user_by_token(key)
    for cache in SCOPE_CACHES:
        assert cache in loaded.__dict__
    with django_assert_num_queries(0):
        assert scope_of(loaded) == expected
        assert person_of(loaded) == person
        assert loaded.is_staff_member == (loaded.is_superuser or bool(expected["memberships"]))
        assert loaded.is_resident == bool(expected["houses"])
    with django_assert_num_queries(1):
        by_id = identity.user_by_id(user.pk)
    with django_assert_num_queries(0):
        assert scope_of(by_id) == expected


@pytest.mark.postgres
def test_unknown_token_is_one_query(shapes, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert identity.user_by_token("f" * 40) is None


def me_expected(user):
    user = orm(user)
    return {
        "id": user.pk,
        "username": user.username,
        "person": user.person_id,
        "roles": sorted(
            (m.organization_id, m.role, sorted(m.community_ids()))
            for m in user.active_memberships()
        ),
        "houses": sorted(user.resident_house_ids()),
    }


def me_seen(body):
    return {
        "id": body["id"],
        "username": body["username"],
        "person": body["person"],
        "roles": sorted(
            (r["organization"], r["role"], sorted(r["communities"])) for r in body["roles"]
        ),
        "houses": sorted(body["houses"]),
    }


@pytest.mark.parametrize("name", ["multi", "movers", "both", "superuser", "no_scope"])
def test_api_token_authentication(shapes, client, name):
    user = shapes[name]
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    assert response.status_code == 200, response.content
    assert me_seen(response.json()) == me_expected(user)


@pytest.mark.postgres
def test_api_token_request_reads_the_user_once(shapes, client):
    key = api_token(shapes["both"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert len(queries) == 1, [q["sql"] for q in queries]


def test_api_rejects_a_bad_token(shapes, client):
    api_token(shapes["multi"])
    for header in ("Token " + "0" * 40, "Token nonsense", "Token " + "x" * 41):
        response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header
        assert response.json()["error"]["message"]


def test_api_rejects_an_inactive_users_token(shapes, client):
    response = client.get(
        "/api/v1/me/", HTTP_AUTHORIZATION=f"Token {api_token(shapes['inactive'])}"
    )
    assert response.status_code == 401
    # ... and a token stops working when its user is deactivated.
    user = shapes["multi"]
    auth = {"HTTP_AUTHORIZATION": f"Token {api_token(user)}"}
    assert client.get("/api/v1/me/", **auth).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get("/api/v1/me/", **auth).status_code == 401


@pytest.mark.parametrize("name", ["multi", "movers", "both", "superuser"])
def test_session_login_still_works(shapes, client, name):
    user = shapes[name]
    client.force_login(user)
    response = client.get("/api/v1/me/")
    assert response.status_code == 200, response.content
    assert me_seen(response.json()) == me_expected(user)


def test_session_of_an_inactive_user_is_refused(shapes, client):
    user = shapes["multi"]
    client.force_login(user)
    assert client.get("/api/v1/me/").status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get("/api/v1/me/").status_code == 401


def test_console_session_login(shapes, client):
    """The console's pages load their user through the same backend (core.auth)."""
    client.force_login(shapes["multi"])
    response = client.get("/console/")
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == shapes["multi"].pk
