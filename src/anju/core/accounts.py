"""Accounts: logins (users), memberships and passwords, changed only within the actor's
authority. The one rule, used by the API and every page that edits them:

A user may change a login, or a membership, only when their own authority covers every
membership of the target (active or not): an active membership of the actor holding the
permission (``core.user.change`` for logins, ``core.membership.change`` for memberships) in the
same company, whose role grants at least what the target's role grants, never a company admin
unless the actor is one, and whose communities include the target's (a target membership
without a community limit covers every community, so only an actor without a limit covers it).
A resident login is covered when its person is in the actor's scope; a login with neither
memberships nor person when it was created by the actor's company. Only a company admin
grants company roles (company admin, and any membership without a community limit), and
nobody grants a role whose permissions exceed their own. The platform administrator
(superuser) covers everyone; nobody else covers a superuser.

The last active company admin of a company (an active admin membership of an active login)
cannot be switched off, deleted, given another role, or lose its login (409 ``last_admin``).
"""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import audit, logins, policy
from .auth import mobile_number
from .choices import Role
from .errors import Conflict, DomainError, Forbidden, full_clean, refuse
from .models import Membership, Person, User
from .services import validate_phone

USER_PERMISSION = "core.user.change"
MEMBERSHIP_PERMISSION = "core.membership.change"


# The rule ---------------------------------------------------------------------------------


def _grants(role):
    return policy.ROLE_PERMISSIONS.get(role, set())


def _grants_cover(mine, theirs):
    """Every permission (or wildcard) in ``theirs`` is granted by ``mine``."""
    return all(
        any(g == "*" or g == p or (g.endswith(".*") and p.startswith(g[:-1])) for g in mine)
        for p in theirs
    )


def _covers(authority, role, organization_id, community_ids):
    """One membership of the actor covers a (target) membership of this shape."""
    if authority.organization_id != organization_id:
        return False
    if role == Role.ORG_ADMIN and authority.role != Role.ORG_ADMIN:
        return False
    if not _grants_cover(_grants(authority.role), _grants(role)):
        return False
    mine = set(authority.community_ids())
    if not mine:
        return True
    return bool(community_ids) and set(community_ids) <= mine


def _authorities(actor, perm):
    return [m for m in actor.active_memberships() if policy.role_has(m.role, perm)]


def covers_user(target, perm=USER_PERMISSION, *, actor):
    """True when ``actor``'s authority covers every membership (and the person) of ``target``."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if actor.is_superuser:
        return True
    if target.is_superuser:
        return False
    authorities = _authorities(actor, perm)
    if not authorities:
        return False
    memberships = list(Membership.objects.filter(user_id=target.pk).prefetch_related("communities"))
    for membership in memberships:
        community_ids = [c.pk for c in membership.communities.all()]
        if not any(
            _covers(a, membership.role, membership.organization_id, community_ids)
            for a in authorities
        ):
            return False
    if target.person_id:
        return Person.objects.visible_to(actor, perm).filter(pk=target.person_id).exists()
    if not memberships:
        return target.home_organization_id in {a.organization_id for a in authorities}
    return True


def can_change_user(target, *, actor):
    return covers_user(target, USER_PERMISSION, actor=actor)


def can_grant(*, actor, organization_id, role, community_ids):
    """True when ``actor`` may give a membership of this shape (create it or change one to it)."""
    if actor.is_superuser:
        return True
    authorities = [
        a
        for a in _authorities(actor, MEMBERSHIP_PERMISSION)
        if a.organization_id == organization_id
    ]
    if role == Role.ORG_ADMIN or not community_ids:
        authorities = [a for a in authorities if a.role == Role.ORG_ADMIN]
    return any(_covers(a, role, organization_id, community_ids) for a in authorities)


def _require_user_authority(actor, target, perm=USER_PERMISSION):
    if not covers_user(target, perm, actor=actor):
        raise Forbidden(
            _(
                "You cannot change this login: it holds a role or works in communities "
                "beyond your own authority."
            )
        )


def _require_grant(actor, *, organization_id, role, community_ids):
    if can_grant(
        organization_id=organization_id, role=role, community_ids=community_ids, actor=actor
    ):
        return
    if role == Role.ORG_ADMIN or not community_ids:
        message = _(
            "Only a company admin can grant a company admin membership or one for every community."
        )
    else:
        message = _("You cannot grant this membership: its role or communities go beyond your own.")
    raise Forbidden(message)


# The last company admin -------------------------------------------------------------------


def _is_active_admin(membership):
    return membership.active and membership.role == Role.ORG_ADMIN


def _require_another_admin(organization, *, membership=None, user=None):
    """Refuse when no active admin of ``organization`` would remain without ``membership`` or
    without ``user``'s memberships."""
    others = Membership.objects.filter(
        organization=organization, role=Role.ORG_ADMIN, active=True, user__is_active=True
    )
    if membership is not None:
        others = others.exclude(pk=membership.pk)
    if user is not None:
        others = others.exclude(user=user)
    if not others.exists():
        raise Conflict(
            _(
                "This is the last active company admin of %(company)s. Make another login "
                "company admin first."
            )
            % {"company": organization.name},
            code="last_admin",
        )


# Usernames and phones --------------------------------------------------------------------


def _check_username(username, *, phone, instance=None, field="username"):
    """A username that looks like a mobile number must be the login's own phone (else it
    would read as that phone at the login form)."""
    username = (username or "").strip()
    if not username:
        refuse("username", _("Enter a username."))
    as_phone = mobile_number(username)
    if as_phone is not None and as_phone != (phone or ""):
        refuse(
            field,
            _(
                "A username that looks like a phone number is only allowed when it is the "
                "login's own phone. Choose another username."
            ),
        )
    others = User.objects.exclude(pk=instance.pk) if instance is not None else User.objects
    if others.filter(username=username).exists():
        refuse("username", _("This username is taken."))
    if others.filter(phone=username).exists():
        refuse("username", _("This username is another login's phone number."))
    return username


def _check_phone(phone, *, instance=None):
    phone = validate_phone(phone) or None if phone else None
    others = User.objects.exclude(pk=instance.pk) if instance is not None else User.objects
    if phone and others.filter(phone=phone).exists():
        refuse("phone", _("Another login already uses this phone number."))
    return phone


def _validated_password(password, user, field="password"):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], fields={field: exc.messages}) from exc
    return password


# Logins ------------------------------------------------------------------------------------


@transaction.atomic
def create_user(
    *, actor, username, password, phone=None, person=None, email="", organization=None, **extra
):
    """A new login: staff of ``organization`` (memberships follow) or a resident (``person``)."""
    if not actor.is_superuser:
        org_id = person.organization_id if person is not None else getattr(organization, "pk", None)
        if org_id is None or not policy.user_has(actor, USER_PERMISSION, organization_id=org_id):
            raise Forbidden(_("You cannot create logins for this company."))
        if person is not None and not (
            Person.objects.visible_to(actor, USER_PERMISSION).filter(pk=person.pk).exists()
        ):
            raise Forbidden(_("You cannot create a login for this person."))
    phone = _check_phone(phone)
    username = _check_username(username, phone=phone)
    if person is not None and User.objects.filter(person=person).exists():
        refuse("person", _("This person already has a login."))
    user = User(username=username, phone=phone, person=person, email=email, **extra)
    _validated_password(password, user)
    user.set_password(password)
    full_clean(user)
    user.save()
    org = organization or (person.organization if person else None)
    audit.record(
        actor,
        "core.user.created",
        user,
        organization=org,
        after={"username": username, "person": person.pk if person else None},
    )
    return user


@transaction.atomic
def update_user(user, data: dict, *, actor):
    """Change a login's fields (and its password, set by someone else) within the authority."""
    data = dict(data)
    password = data.pop("password", None)
    _require_user_authority(actor, user)
    if password and user.pk == actor.pk:
        refuse(
            "password",
            _(
                "Change your own password with your current one (your profile, or /api/v1/me/password/)."
            ),
        )
    before = audit.snapshot(user)
    was_active = user.is_active
    if "phone" in data:
        data["phone"] = _check_phone(data["phone"], instance=user)
    for name, value in data.items():
        setattr(user, name, value)
    if "username" in data or "phone" in data:
        user.username = _check_username(
            user.username,
            phone=user.phone,
            instance=user,
            field="username" if "username" in data else "phone",
        )
    if "person" in data:
        _require_user_authority(actor, user)  # the new person too
    if was_active and not user.is_active:
        for membership in Membership.objects.filter(user=user, role=Role.ORG_ADMIN, active=True):
            _require_another_admin(membership.organization, user=user)
    if password:
        _validated_password(password, user)
        user.set_password(password)
    full_clean(user, exclude=["password"])
    user.save()
    after = audit.snapshot(user)
    changed = {k for k, v in before.items() if after.get(k) != v}
    if changed:
        audit.record(
            actor,
            "core.user.changed",
            user,
            organization=user.home_organization,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    if password:
        audit.record(actor, "core.user.password_set", user, organization=user.home_organization)
    if password or (was_active and not user.is_active):
        logins.revoke_all(user)
    return user


@transaction.atomic
def change_own_password(user, *, old_password, new_password, keep_login_id=None):
    """The user's own change: the old password proves it is them; every other login ends."""
    if not user.check_password(old_password or ""):
        refuse("old_password", _("Your current password is not correct."))
    _validated_password(new_password, user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(user, "core.user.password_changed", user, organization=user.home_organization)
    logins.revoke_all(user, keep=keep_login_id)
    return user


# Memberships ------------------------------------------------------------------------------


def _community_ids(communities):
    return sorted(c.pk for c in communities)


@transaction.atomic
def grant_membership(*, actor, user, organization, role, communities=()):
    communities = list(communities)
    for community in communities:
        if community.organization_id != organization.pk:
            refuse("communities", _("A community of another company was chosen."))
    _require_user_authority(actor, user, MEMBERSHIP_PERMISSION)
    _require_grant(
        actor,
        organization_id=organization.pk,
        role=role,
        community_ids=_community_ids(communities),
    )
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, role=role
    )
    if (
        not created
        and membership.active
        and set(membership.community_ids()) == {c.pk for c in communities}
    ):
        return membership
    membership.active = True
    membership.save(update_fields=["active"])
    membership.communities.set(communities)
    membership.__dict__.pop("_community_ids", None)
    audit.record(
        actor,
        "core.membership.granted",
        membership,
        organization=organization,
        after={"user": user.pk, "role": role, "communities": _community_ids(communities)},
    )
    return membership


def _shape(membership, communities):
    return {
        "role": membership.role,
        "active": membership.active,
        "communities": _community_ids(communities),
    }


@transaction.atomic
def update_membership(membership, data: dict, *, actor):
    data = dict(data)
    for name in ("user", "organization"):
        if name in data and getattr(data[name], "pk", data[name]) != getattr(
            membership, f"{name}_id"
        ):
            refuse(
                name, _("A membership cannot move to another login or company; grant a new one.")
            )
        data.pop(name, None)
    communities = data.pop("communities", None)
    user = membership.user
    _require_user_authority(actor, user, MEMBERSHIP_PERMISSION)
    old_communities = list(membership.communities.all())
    before = _shape(membership, old_communities)
    new_communities = old_communities if communities is None else list(communities)
    for community in new_communities:
        if community.organization_id != membership.organization_id:
            refuse("communities", _("A community of another company was chosen."))
    for name, value in data.items():
        setattr(membership, name, value)
    after = _shape(membership, new_communities)
    if after == before:
        return membership
    if membership.active:
        _require_grant(
            actor,
            organization_id=membership.organization_id,
            role=membership.role,
            community_ids=after["communities"],
        )
    if (
        before["role"] == Role.ORG_ADMIN
        and before["active"]
        and user.is_active
        and not _is_active_admin(membership)
    ):
        _require_another_admin(membership.organization, membership=membership)
    full_clean(membership)
    membership.save()
    if communities is not None:
        membership.communities.set(new_communities)
    membership.__dict__.pop("_community_ids", None)
    changed = {k for k in before if before[k] != after[k]}
    audit.record(
        actor,
        "core.membership.changed",
        membership,
        organization=membership.organization,
        before={k: before[k] for k in changed},
        after={"user": user.pk, **{k: after[k] for k in changed}},
    )
    return membership


@transaction.atomic
def delete_membership(membership, *, actor):
    user = membership.user
    _require_user_authority(actor, user, MEMBERSHIP_PERMISSION)
    if _is_active_admin(membership) and user.is_active:
        _require_another_admin(membership.organization, membership=membership)
    audit.record(
        actor,
        "core.membership.deleted",
        membership,
        organization=membership.organization,
        before={"user": user.pk, **_shape(membership, membership.communities.all())},
    )
    membership.delete()


# Logins (tokens and sessions) ---------------------------------------------------------------


@transaction.atomic
def revoke_login(login, *, actor):
    """The owner ends one of their logins (a token or a session)."""
    if login.user_id != actor.pk:
        raise Forbidden(_("This is not one of your logins."))
    audit.record(
        actor,
        "core.login.revoked",
        actor,
        organization=actor.home_organization,
        after={"login": login.pk, "kind": login.kind},
    )
    logins.revoke([login])


@transaction.atomic
def revoke_other_logins(*, actor, keep=None):
    """The owner ends every login but the one in use (``keep``)."""
    others = actor.logins.exclude(pk=keep) if keep is not None else actor.logins.all()
    ended = logins.revoke(others)
    if ended:
        audit.record(
            actor,
            "core.login.revoked",
            actor,
            organization=actor.home_organization,
            after={"others": ended},
        )
    return ended
