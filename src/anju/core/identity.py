"""Who is asking, in one round trip.

Every request needs the user, their active memberships (with the communities each is limited
to) and, for residents, the houses they live in: the scope that ``scoping.scope_q`` and
``policy`` read. Loaded one by one through the ORM that was four queries and most of the time of
a small API request; here it is one statement, whose answers fill the same per-user caches
``User.active_memberships()``, ``resident_house_ids()`` and ``resident_community_ids()`` keep.
``core/tests/test_identity.py`` checks the two ways agree."""

from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection
from django.utils import timezone

from .db import prepared_cursor
from .logins import digest
from .models import House, Login, Membership, Occupancy, Person, User

_USER_FIELDS = [f.attname for f in User._meta.concrete_fields]
_MEMBERSHIP_FIELDS = ["id", "user_id", "organization_id", "role", "active"]


@cache
def _sql(where):
    q = connection.ops.quote_name
    membership = q(Membership._meta.db_table)
    links = q(Membership.communities.through._meta.db_table)
    occupancy, house = q(Occupancy._meta.db_table), q(House._meta.db_table)
    columns = ", ".join(f"u.{q(User._meta.get_field(name).column)}" for name in _USER_FIELDS)
    # Active occupancies, as OccupancyQuerySet.active(). Only quoted table and column names
    # from the models are interpolated; values are parameters.
    houses = (
        f"SELECT o.house_id FROM {occupancy} o WHERE o.person_id = u.person_id "  # noqa: S608
        "AND (o.since IS NULL OR o.since <= %(today)s) AND (o.until IS NULL OR o.until >= %(today)s)"
    )
    return (
        f"SELECT {columns}, "  # noqa: S608
        "(SELECT json_agg(json_build_array(m.id, m.organization_id, m.role, "
        f"  (SELECT array_agg(l.community_id ORDER BY l.community_id) FROM {links} l "
        "    WHERE l.membership_id = m.id)) ORDER BY m.organization_id, m.role, m.id) "
        f" FROM {membership} m WHERE m.user_id = u.id AND m.active), "
        f"(SELECT array_agg(x.house_id ORDER BY x.house_id) FROM ({houses}) x), "
        f"(SELECT array_agg(DISTINCT h.community_id) FROM {house} h WHERE h.id IN ({houses})), "
        "(SELECT json_build_array(p.organization_id, p.name, p.phone) "
        f" FROM {q(Person._meta.db_table)} p WHERE p.id = u.person_id) "
        f"{where}"
    )


def _build(row):
    """A User from a row of ``_sql``, its scope caches filled."""
    n = len(_USER_FIELDS)
    user = User.from_db(DEFAULT_DB_ALIAS, _USER_FIELDS, row[:n])
    memberships_json, house_ids, community_ids, person = row[n : n + 4]
    memberships = []
    for pk, organization_id, role, limited in memberships_json or ():
        membership = Membership.from_db(
            DEFAULT_DB_ALIAS, _MEMBERSHIP_FIELDS, (pk, user.pk, organization_id, role, True)
        )
        membership.__dict__["_community_ids"] = list(limited or ())
        memberships.append(membership)
    user.__dict__["_memberships"] = memberships
    if person is not None:
        # The fields requests use; the rest (the encrypted ID number) load when asked for.
        user._state.fields_cache["person"] = Person.from_db(
            DEFAULT_DB_ALIAS, ["id", "organization_id", "name", "phone"], (user.person_id, *person)
        )
    user.__dict__["_house_ids"] = list(house_ids or ()) if user.person_id else []
    user.__dict__["_resident_community_ids"] = set(community_ids or ()) if user.person_id else set()
    return user


def _fetch(where, params):
    with prepared_cursor() as cursor:
        cursor.execute(_sql(where), {**params, "today": timezone.localdate()})
        return cursor.fetchone()


def user_by_id(user_id):
    """The user with this id and their scope, or None."""
    if connection.vendor != "postgresql":
        return User._default_manager.filter(pk=user_id).first()
    row = _fetch(f"FROM {_table(User)} u WHERE u.id = %(id)s", {"id": user_id})
    return _build(row) if row else None


_LOGIN_FIELDS = ["id", "kind", "created_at", "last_used_at", "expires_at"]


def user_by_token(key):
    """(user with their scope, Login) for an unexpired API token, or None. The token is looked
    up by its digest; only tokens are found (a session key is not a token)."""
    now = timezone.now()
    if connection.vendor != "postgresql":
        login = (
            Login.objects.select_related("user")
            .filter(token_digest=digest(key), kind=Login.Kind.TOKEN, expires_at__gt=now)
            .first()
        )
        return (login.user, login) if login else None
    row = _fetch(
        ", t.id, t.kind, t.created_at, t.last_used_at, t.expires_at "
        f"FROM {_table(Login)} t JOIN {_table(User)} u ON u.id = t.user_id "
        "WHERE t.token_digest = %(digest)s AND t.kind = %(kind)s AND t.expires_at > %(now)s",
        {"digest": digest(key), "kind": Login.Kind.TOKEN, "now": now},
    )
    if row is None:
        return None
    n = len(_LOGIN_FIELDS)
    user = _build(row[:-n])
    pk, *rest = row[-n:]  # from_db takes the values in the model's field order
    login = Login.from_db(
        DEFAULT_DB_ALIAS, ["id", "user_id", *_LOGIN_FIELDS[1:]], (pk, user.pk, *rest)
    )
    login._state.fields_cache["user"] = user
    return user, login


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)
