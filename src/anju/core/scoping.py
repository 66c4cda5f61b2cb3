"""Tenant scoping: the one mechanism every API, page, export and report uses.

Each tenant model declares how it reaches its organization, its community and (for residents)
its house or person, as a ``Scope``. ``Model.objects.visible_to(user, perm)`` returns exactly the
rows the user may see with that permission. It fails closed: no membership, nothing visible.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import Q

from . import db, policy


@dataclass(frozen=True)
class Scope:
    organization: str  # path to the Organization id, e.g. "community__organization"
    community: str | None = None  # path to the Community id; None for organization-wide rows
    house: str | None = None  # path to the House id, for residents
    person: str | None = None  # path to the Person id, for residents (their own rows)
    # Organization-wide rows seen by community-limited staff through related communities.
    community_subquery: object = None
    # Rows every resident of the community may read (notices, votes, disclosures).
    residents_see_community: bool = False
    # Rows of their houses that residents do not see, those with any of ((column, value), ...):
    # e.g. a house's bills before its delivery (they are the developer's, not the owner's).
    residents_except: tuple = ()
    # Rows without an organization are shared reference data that everyone signed in reads
    # (the national holiday calendar); writes to them are the platform's, never a company's.
    shared_without_organization: bool = False


def _nothing():
    return Q(pk__in=[])


def scope_q(model, user, perm=None) -> Q | None:
    """The filter for ``model`` rows visible to ``user``; None means everything."""
    scope: Scope = model.scope
    if not getattr(user, "is_authenticated", False):
        return _nothing()
    if user.is_superuser:
        return None
    q = _nothing()
    for membership in user.active_memberships():
        if perm and not policy.role_has(membership.role, perm):
            continue
        part = Q(**{scope.organization: membership.organization_id})
        community_ids = membership.community_ids()
        if community_ids:
            if scope.community:
                part &= Q(**{f"{scope.community}__in": community_ids})
            elif scope.community_subquery is not None:
                part &= Q(pk__in=scope.community_subquery(community_ids))
        q |= part
    if user.person_id and (perm is None or policy.role_has("resident", perm)):
        house_ids = user.resident_house_ids()
        if scope.house and house_ids:
            mine = Q(**{f"{scope.house}__in": house_ids})
            for pair in scope.residents_except:
                mine &= ~Q(pair)
            q |= mine
        if scope.person:
            q |= Q(**{scope.person: user.person_id})
        if scope.residents_see_community and scope.community and house_ids:
            q |= Q(**{f"{scope.community}__in": user.resident_community_ids()})
    if scope.shared_without_organization:
        q |= Q(**{f"{scope.organization}__isnull": True})
    return q


class NotColumnScope(ValueError):
    """A scope ``scope_sql`` does not write as SQL: its path crosses a relation, is
    many-to-many or is a subquery. Such models list through ``visible_to`` (the ORM)."""


def scope_sql(model, user, perm=None, alias=None):
    """``scope_q`` as an SQL condition on ``model``'s table (or ``alias``): (sql, params), or
    None for everything. The same loop over the same scope, for hand-written hot queries; only
    scopes whose paths are the model's own columns can be written so (others raise
    ``NotColumnScope``). ``core/tests/test_scope_sql.py`` checks both select the same rows."""
    scope: Scope = model.scope
    prefix = connection.ops.quote_name(alias or model._meta.db_table) + "."

    def column(path):
        if "__" in path:
            raise NotColumnScope(f"{model.__name__}.scope path {path!r} crosses a relation")
        field = model._meta.pk if path == "pk" else model._meta.get_field(path)
        if field.many_to_many or not field.concrete:
            raise NotColumnScope(f"{model.__name__}.scope path {path!r} is not a column")
        return prefix + connection.ops.quote_name(field.column)

    def among(path, values):
        return db.among(column(path), values)

    if not getattr(user, "is_authenticated", False):
        return "1 = 0", []
    if user.is_superuser:
        return None
    parts, params = [], []
    for membership in user.active_memberships():
        if perm and not policy.role_has(membership.role, perm):
            continue
        part, part_params = f"{column(scope.organization)} = %s", [membership.organization_id]
        community_ids = membership.community_ids()
        if community_ids:
            if scope.community:
                sql, values = among(scope.community, community_ids)
                part, part_params = f"{part} AND {sql}", part_params + values
            elif scope.community_subquery is not None:
                raise NotColumnScope(f"{model.__name__}.scope uses a community subquery")
        parts.append(f"({part})")
        params += part_params
    if user.person_id and (perm is None or policy.role_has("resident", perm)):
        house_ids = user.resident_house_ids()
        if scope.house and house_ids:
            sql, values = among(scope.house, house_ids)
            for path, value in scope.residents_except:
                sql, values = f"({sql} AND {column(path)} <> %s)", [*values, value]
            parts.append(sql)
            params += values
        if scope.person:
            parts.append(f"{column(scope.person)} = %s")
            params.append(user.person_id)
        if scope.residents_see_community and scope.community and house_ids:
            sql, values = among(scope.community, sorted(user.resident_community_ids()))
            parts.append(sql)
            params += values
    if scope.shared_without_organization:
        parts.append(f"{column(scope.organization)} IS NULL")
    if not parts:
        return "1 = 0", []
    return "(" + " OR ".join(parts) + ")", params


def object_visible(obj, user, perm=None):
    """``scope_q``'s rules decided on a loaded object, without a query: True or False, or None
    when the scope's paths cross a relation (then ask the database with ``visible_to``)."""
    model = type(obj)
    scope: Scope = model.scope
    paths = [p for p in (scope.organization, scope.community, scope.house, scope.person) if p]
    if any("__" in path for path in paths):
        return None
    for path in paths:
        field = model._meta.pk if path == "pk" else model._meta.get_field(path)
        if field.many_to_many or not field.concrete:
            return None  # a many-to-many path: the database decides

    def value(path):
        if path == "pk":
            return obj.pk
        return getattr(obj, model._meta.get_field(path).attname)

    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    if scope.shared_without_organization and value(scope.organization) is None:
        return True
    for membership in user.active_memberships():
        if perm and not policy.role_has(membership.role, perm):
            continue
        if value(scope.organization) != membership.organization_id:
            continue
        community_ids = membership.community_ids()
        if community_ids:
            if scope.community:
                if value(scope.community) not in community_ids:
                    continue
            elif scope.community_subquery is not None:
                return None
        return True
    if user.person_id and (perm is None or policy.role_has("resident", perm)):
        house_ids = user.resident_house_ids()
        if (
            scope.house
            and house_ids
            and value(scope.house) in house_ids
            and not any(value(path) == v for path, v in scope.residents_except)
        ):
            return True
        if scope.person and value(scope.person) == user.person_id:
            return True
        if (
            scope.residents_see_community
            and scope.community
            and house_ids
            and value(scope.community) in user.resident_community_ids()
        ):
            return True
    return False


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, perm=None):
        q = scope_q(self.model, user, perm)
        return self if q is None else self.filter(q)

    def in_community(self, community_id):
        scope: Scope = self.model.scope
        if community_id and scope.community:
            return self.filter(**{scope.community: community_id})
        return self


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


def staff_in_scope(user, perm, roles=None):
    """Active staff ``user`` may see with ``perm`` (any of their memberships when None): people
    with an active membership (in one of ``roles``, any when None) in the same company and, when the user's own membership is limited
    to some communities, in those communities (staff without a community limit work in all)."""
    User = get_user_model()
    if not getattr(user, "is_authenticated", False):
        return User.objects.none()
    base = Q(memberships__active=True)
    if roles:
        base &= Q(memberships__role__in=roles)
    if user.is_superuser:
        q = base
    else:
        q = Q(pk__in=[])
        for membership in user.active_memberships():
            if perm and not policy.role_has(membership.role, perm):
                continue
            part = base & Q(memberships__organization_id=membership.organization_id)
            ids = membership.community_ids()
            if ids:
                part &= Q(memberships__communities__in=ids) | Q(
                    memberships__communities__isnull=True
                )
            q |= part
    matching = User.objects.filter(q).values("pk")
    return User.objects.filter(pk__in=matching, is_active=True)
