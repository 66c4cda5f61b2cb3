"""Authority over accounts (issue 16): who may change a login or a membership, passwords through
Django's validators, the last company admin, phone-like usernames."""

import pytest

from anju.core import services as _services  # noqa: F401
from anju.core.choices import Role
from anju.core.errors import DomainError
from anju.core.models import AuditEntry, Membership, User
from anju.core.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Quiet-river-2027"


def token_for(client, login, password):
    response = client.post(
        "/api/v1/auth/token/",
        {"username": login, "password": password},
        content_type="application/json",
    )
    return response


# The attack of the issue -------------------------------------------------------------------


def test_a_community_manager_cannot_take_over_the_company_admin(world, api, client):
    admin = world.users["org_admin"]
    response = api(world.users["manager"]).patch(
        f"/api/v1/users/{admin.pk}/", {"password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 403, response.content
    error = response.json()["error"]
    assert error["code"] == "forbidden" and error["message"]
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD) and not admin.check_password(NEW_PASSWORD)
    assert token_for(client, "org_admin", NEW_PASSWORD).status_code == 400


def test_a_password_set_through_patch_is_validated(world, api):
    agent = world.users["agent"]
    for weak in ("1", "password", "agent"):
        response = api(world.users["org_admin"]).patch(
            f"/api/v1/users/{agent.pk}/", {"password": weak}, format="json"
        )
        assert response.status_code == 400, (weak, response.content)
        assert "password" in response.json()["error"]["fields"]
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)


def test_a_password_given_at_creation_is_validated(world, api):
    response = api(world.users["org_admin"]).post(
        "/api/v1/users/", {"username": "newbie", "password": "1"}, format="json"
    )
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]
    assert not User.objects.filter(username="newbie").exists()


def test_an_admin_sets_another_users_password_and_it_is_audited(world, api, client):
    agent = world.users["agent"]
    response = api(world.users["org_admin"]).patch(
        f"/api/v1/users/{agent.pk}/", {"password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    assert token_for(client, "agent", NEW_PASSWORD).status_code == 200
    entry = AuditEntry.objects.get(action="core.user.password_set")
    assert entry.object_id == str(agent.pk) and entry.actor_id == world.users["org_admin"].pk
    assert NEW_PASSWORD not in str(entry.before) + str(entry.after)


def test_ones_own_password_is_changed_with_the_old_one(world, api):
    """A manager may edit their own login, but not set its password without the current one
    (a borrowed session must not take the account over): that is /api/v1/me/password/."""
    manager = world.users["manager"]
    response = api(manager).patch(
        f"/api/v1/users/{manager.pk}/", {"password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]
    manager.refresh_from_db()
    assert manager.check_password(PASSWORD)


# Authority, actor x target ------------------------------------------------------------------


def _extra_targets(world):
    """Targets the named world lacks: a manager of both communities, an unlimited agent, a login
    with memberships in two companies, a login without memberships, a resident of community 2."""
    org, c1, c2 = world.org, world.community, world.community2
    both = make_user("both_communities", org=org, role=Role.AGENT, communities=[c1, c2])
    unlimited = make_user("unlimited_agent", org=org, role=Role.AGENT)
    two_companies = make_user("two_companies", org=org, role=Role.AGENT, communities=[c1])
    Membership.objects.create(user=two_companies, organization=world.other_org, role=Role.AGENT)
    bare = make_user("bare", org=org)
    from anju.core.choices import Relation
    from anju.core.models import Occupancy, Person

    person = Person.objects.create(organization=org, name="孙八", phone="13900006666")
    Occupancy.objects.create(
        organization=org,
        community=c2,
        house=world.houses[4],
        person=person,
        relation=Relation.OWNER,
    )
    resident2 = make_user("resident2", person=person, phone="13900006666")
    unlimited_manager = make_user("unlimited_manager", org=org, role=Role.MANAGER)
    return {
        "both_communities": both,
        "unlimited_agent": unlimited,
        "two_companies": two_companies,
        "bare": bare,
        "resident2": resident2,
        "unlimited_manager": unlimited_manager,
    }


# (actor, target, expected status of PATCH /users/{target}/ {"first_name": ...})
AUTHORITY = [
    # A company admin covers everyone of the company alone.
    ("org_admin", "manager", 200),
    ("org_admin", "agent", 200),
    ("org_admin", "unlimited_agent", 200),
    ("org_admin", "resident", 200),
    ("org_admin", "bare", 200),
    ("org_admin", "org_admin", 200),
    ("org_admin", "two_companies", 403),  # also staff of company B
    ("org_admin", "outsider", 404),  # another company's admin: not even visible
    ("org_admin", "stranger", 404),  # another company's resident
    # A manager limited to community 1.
    ("manager", "agent", 200),
    ("manager", "technician", 200),
    ("manager", "resident", 200),
    ("manager", "bare", 200),
    ("manager", "manager", 200),  # themselves (but not their password, see above)
    ("manager", "org_admin", 403),  # a company admin
    ("manager", "manager2", 403),  # community 2
    ("manager", "both_communities", 403),  # also community 2
    ("manager", "unlimited_agent", 403),  # every community
    ("manager", "finance", 403),  # every community
    ("manager", "unlimited_manager", 403),
    ("manager", "two_companies", 403),
    ("manager", "resident2", 404),  # a resident of community 2 is outside their scope
    ("manager", "outsider", 404),
    # A manager of every community still never touches a company admin.
    ("unlimited_manager", "org_admin", 403),
    ("unlimited_manager", "unlimited_agent", 200),
    ("unlimited_manager", "both_communities", 200),
    ("unlimited_manager", "resident2", 200),
    # Roles without core.user.change change nobody.
    ("agent", "technician", 403),
    ("agent", "resident", 403),
    ("resident", "tenant", 403),
    ("outsider", "agent", 404),
    ("outsider", "resident", 404),
    # The platform administrator covers everyone.
    ("root", "org_admin", 200),
    ("root", "two_companies", 200),
]


@pytest.mark.parametrize(("actor", "target", "expected"), AUTHORITY)
def test_authority_over_a_login(world, api, actor, target, expected):
    users = {**world.users, **_extra_targets(world)}
    victim = users[target]
    response = api(users[actor]).patch(
        f"/api/v1/users/{victim.pk}/", {"first_name": "改名"}, format="json"
    )
    assert response.status_code == expected, response.content
    victim.refresh_from_db()
    assert (victim.first_name == "改名") == (expected == 200)
    if expected == 403:  # refused by the role (permission_denied) or by the authority
        assert response.json()["error"]["code"] in ("forbidden", "permission_denied")
        assert response.json()["error"]["message"]


@pytest.mark.parametrize(("actor", "target", "expected"), AUTHORITY)
def test_the_service_applies_the_same_authority(world, actor, target, expected):
    """accounts.can_change_user is the one rule: the API above and the service agree."""
    users = {**world.users, **_extra_targets(world)}
    if expected == 404:
        return  # not visible: the API stops before the rule
    from anju.core import accounts

    assert accounts.can_change_user(users[target], actor=users[actor]) == (expected == 200)


# (actor, membership change, allowed)
GRANTS = [
    ("org_admin", {"role": Role.AGENT, "communities": "c1"}, True),
    ("org_admin", {"role": Role.ORG_ADMIN, "communities": ""}, True),
    ("org_admin", {"role": Role.AGENT, "communities": ""}, True),
    ("unlimited_manager", {"role": Role.AGENT, "communities": "c1"}, True),
    ("unlimited_manager", {"role": Role.AGENT, "communities": ""}, False),  # a company role
    ("unlimited_manager", {"role": Role.ORG_ADMIN, "communities": ""}, False),
    ("manager", {"role": Role.AGENT, "communities": "c1"}, True),
    ("manager", {"role": Role.TECHNICIAN, "communities": "c1"}, True),
    ("manager", {"role": Role.MANAGER, "communities": "c1"}, True),
    ("manager", {"role": Role.AGENT, "communities": "c2"}, False),  # not their community
    ("manager", {"role": Role.AGENT, "communities": "c1,c2"}, False),
    ("manager", {"role": Role.AGENT, "communities": ""}, False),
    ("manager", {"role": Role.FINANCE, "communities": "c1"}, True),  # finance is within manager
    ("manager", {"role": Role.ORG_ADMIN, "communities": "c1"}, False),
    ("agent", {"role": Role.TECHNICIAN, "communities": "c1"}, False),
]


@pytest.fixture
def managers_grant(monkeypatch):
    """The policy table as if managers held core.membership.change: the table above then shows
    that coverage, not the missing permission, limits them."""
    from anju.core import policy

    monkeypatch.setitem(
        policy.ROLE_PERMISSIONS,
        Role.MANAGER,
        policy.ROLE_PERMISSIONS[Role.MANAGER] | {"core.membership.change"},
    )
    policy.role_has.cache_clear()
    yield
    monkeypatch.undo()
    policy.role_has.cache_clear()


def _grant(world, actor, change, target):
    communities = {"c1": world.community, "c2": world.community2}
    chosen = [communities[c] for c in change["communities"].split(",") if c]
    from anju.core import accounts

    return accounts.grant_membership(
        user=target,
        organization=world.org,
        role=change["role"],
        communities=chosen,
        actor=actor,
    )


@pytest.mark.parametrize(("actor", "change", "allowed"), GRANTS)
def test_who_grants_which_membership(world, managers_grant, actor, change, allowed):
    users = {**world.users, **_extra_targets(world)}
    target = users["bare"]
    if allowed:
        membership = _grant(world, users[actor], change, target)
        assert membership.active and membership.role == change["role"]
    else:
        with pytest.raises(DomainError) as caught:
            _grant(world, users[actor], change, target)
        assert caught.value.status == 403
        assert not Membership.objects.filter(user=target).exists()


@pytest.mark.parametrize(("actor", "change", "allowed"), GRANTS)
def test_with_the_real_policy_only_admins_grant(world, actor, change, allowed):
    users = {**world.users, **_extra_targets(world)}
    if actor == "org_admin":
        assert _grant(world, users[actor], change, users["bare"]).active
    else:
        with pytest.raises(DomainError):
            _grant(world, users[actor], change, users["bare"])


def test_membership_api_refuses_changes_outside_the_authority(world, api):
    """Through the API: an admin of company A cannot touch a membership of a login that is also
    staff of company B; the outsider cannot see company A's memberships at all."""
    users = {**world.users, **_extra_targets(world)}
    membership = users["two_companies"].memberships.get(organization=world.org)
    admin = api(world.users["org_admin"])
    response = admin.patch(f"/api/v1/memberships/{membership.pk}/", {"role": Role.MANAGER})
    assert response.status_code == 403, response.content
    response = api(world.users["outsider"]).patch(
        f"/api/v1/memberships/{membership.pk}/", {"active": False}
    )
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.role == Role.AGENT and membership.active


def test_membership_api_grants_within_the_authority(world, api):
    users = {**world.users, **_extra_targets(world)}
    admin = api(world.users["org_admin"])
    response = admin.post(
        "/api/v1/memberships/",
        {
            "user": users["bare"].pk,
            "organization": world.org.pk,
            "role": Role.AGENT,
            "communities": [world.community.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    membership_id = response.json()["id"]
    response = admin.patch(
        f"/api/v1/memberships/{membership_id}/",
        {"communities": [world.community2.pk]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["communities"] == [world.community2.pk]
    assert admin.delete(f"/api/v1/memberships/{membership_id}/").status_code == 204
    assert AuditEntry.objects.filter(action="core.membership.deleted").exists()


# The last company admin ---------------------------------------------------------------------


def _admin_membership(world):
    return world.users["org_admin"].memberships.get(role=Role.ORG_ADMIN)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "memberships/{m}/", {"active": False}),
        ("patch", "memberships/{m}/", {"role": Role.MANAGER}),
        ("delete", "memberships/{m}/", None),
        ("patch", "users/{u}/", {"is_active": False}),
    ],
)
def test_the_last_company_admin_cannot_be_removed(world, api, method, path, body):
    admin = world.users["org_admin"]
    membership = _admin_membership(world)
    url = "/api/v1/" + path.format(m=membership.pk, u=admin.pk)
    client = api(admin)
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "last_admin" and error["message"]
    membership.refresh_from_db()
    admin.refresh_from_db()
    assert membership.active and membership.role == Role.ORG_ADMIN and admin.is_active


def test_a_second_admin_makes_the_first_removable(world, api):
    admin = world.users["org_admin"]
    second = make_user("second_admin", org=world.org, role=Role.ORG_ADMIN)
    membership = _admin_membership(world)
    client = api(admin)
    response = client.patch(f"/api/v1/memberships/{membership.pk}/", {"active": False})
    assert response.status_code == 200, response.content
    # ... and now the second is the last one.
    last = second.memberships.get()
    response = api(second).patch(f"/api/v1/memberships/{last.pk}/", {"active": False})
    assert response.status_code == 409


def test_an_inactive_admin_login_does_not_count(world, api):
    """An admin membership whose login is switched off keeps nobody in charge."""
    other = make_user("dormant_admin", org=world.org, role=Role.ORG_ADMIN)
    User.objects.filter(pk=other.pk).update(is_active=False)
    membership = _admin_membership(world)
    response = api(world.users["org_admin"]).delete(f"/api/v1/memberships/{membership.pk}/")
    assert response.status_code == 409


# Phone-like usernames ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "username",
    ["13900009999", "139 0000 9999", "139-0000-9999", "+8613900009999", "+86 139 0000 9999"],
)
def test_a_phone_like_username_is_refused_at_creation(world, api, username):
    response = api(world.users["org_admin"]).post(
        "/api/v1/users/", {"username": username, "password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "username" in response.json()["error"]["fields"]
    assert not User.objects.filter(username=username).exists()


def test_a_username_equal_to_the_own_phone_is_allowed(world, api):
    response = api(world.users["org_admin"]).post(
        "/api/v1/users/",
        {"username": "13900009999", "phone": "13900009999", "password": NEW_PASSWORD},
        format="json",
    )
    assert response.status_code == 201, response.content


def test_a_rename_to_someone_elses_phone_is_refused(world, api):
    agent = world.users["agent"]
    response = api(world.users["org_admin"]).patch(
        f"/api/v1/users/{agent.pk}/", {"username": "13900002222"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "username" in response.json()["error"]["fields"]
    agent.refresh_from_db()
    assert agent.username == "agent"


def test_a_username_cannot_shadow_a_phone_login(world, client):
    """The username matched first: a login named after someone's phone (older, so first by id)
    took that person's phone login."""
    User.objects.create_user(username="13911112222", password=PASSWORD)  # legacy data
    owner = make_user("phone_owner", phone="13911112222")
    response = token_for(client, "13911112222", PASSWORD)
    assert response.status_code == 200, response.content
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert me.json()["id"] == owner.pk
    # Spaces and +86 are the same phone.
    assert token_for(client, "+86 139 1111 2222", PASSWORD).status_code == 200


def test_the_migration_renames_conflicting_usernames(world):
    """0007 renames usernames that look like a phone other than the login's own."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("anju.core.migrations.0007_phone_like_usernames")
    squatter = User.objects.create_user(username="13911112222", password=PASSWORD)
    own = User.objects.create_user(username="13922223333", phone="13922223333", password=PASSWORD)
    plain = User.objects.create_user(username="139 3333 4444", password=PASSWORD)
    migration.rename_phone_like_usernames(apps, None)
    squatter.refresh_from_db()
    own.refresh_from_db()
    plain.refresh_from_db()
    assert squatter.username == "u13911112222"
    assert plain.username == "u139 3333 4444"
    assert own.username == "13922223333"
    assert AuditEntry.objects.filter(action="core.user.renamed", object_id=str(squatter.pk))
