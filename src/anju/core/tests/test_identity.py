"""core.identity loads a user with their scope (memberships and their communities, resident
houses and communities) in one statement on PostgreSQL; it must say exactly what the ORM says,
and token and session authentication must keep working through it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from anju.core import identity
from anju.core.choices import Role
from anju.core.models import User

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
    token = Token.objects.create(user=user)
    expected_user = orm(user)
    expected = scope_of(expected_user)

    found = identity.user_by_token(token.key)
    assert found is not None
    loaded, loaded_token = found
    assert loaded_token.key == token.key and loaded_token.user_id == user.pk
    assert loaded_token.created == Token.objects.get(pk=token.key).created
    assert loaded_token.user is loaded
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


@pytest.mark.postgres
@pytest.mark.parametrize("name", ["multi", "movers", "both", "superuser", "moved_out"])
def test_one_query_with_the_scope_prefilled(shapes, name, django_assert_num_queries):
    user = shapes[name]
    token = Token.objects.create(user=user)
    expected, person = scope_of(orm(user)), person_of(orm(user))
    with django_assert_num_queries(1):
        loaded, _ = identity.user_by_token(token.key)
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
    token = Token.objects.create(user=user)
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200, response.content
    assert me_seen(response.json()) == me_expected(user)


@pytest.mark.postgres
def test_api_token_request_reads_the_user_once(shapes, client):
    token = Token.objects.create(user=shapes["both"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert len(queries) == 1, [q["sql"] for q in queries]


def test_api_rejects_a_bad_token(shapes, client):
    Token.objects.create(user=shapes["multi"])
    for header in ("Token " + "0" * 40, "Token nonsense", "Token " + "x" * 41):
        response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header
        assert response.json()["error"]["message"]


def test_api_rejects_an_inactive_users_token(shapes, client):
    token = Token.objects.create(user=shapes["inactive"])
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 401
    # ... and a token stops working when its user is deactivated.
    user = shapes["multi"]
    token = Token.objects.create(user=user)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
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
