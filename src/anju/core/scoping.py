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


@dataclass(frozen=True)
class Term:
    """One condition of a scope rule on a model path: ``op`` is ``eq`` (= value), ``in`` (one of
    the values), ``ne`` (not the value; a NULL is not the value), ``null`` (IS NULL) or
    ``subquery`` (the pk among the rows ``value`` selects)."""

    path: str
    op: str
    value: object = None


def grants(model, user, perm=None) -> list[tuple[Term, ...]] | None:
    """The tenancy rule, written once: the rows of ``model`` that ``user`` may see with ``perm``
    are those matching any of the returned conjunctions of terms; None means every row, an empty
    list none. ``scope_q`` (the ORM), ``scope_sql`` (hand-written statements) and
    ``object_visible`` (a loaded object) only render it."""
    scope: Scope = model.scope
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_superuser:
        return None
    rule = []
    for membership in user.active_memberships():
        if perm and not policy.role_has(membership.role, perm):
            continue
        terms = [Term(scope.organization, "eq", membership.organization_id)]
        community_ids = membership.community_ids()
        if community_ids:
            if scope.community:
                terms.append(Term(scope.community, "in", sorted(community_ids)))
            elif scope.community_subquery is not None:
                terms.append(Term("pk", "subquery", scope.community_subquery(community_ids)))
        rule.append(tuple(terms))
    if user.person_id and (perm is None or policy.role_has("resident", perm)):
        house_ids = user.resident_house_ids()
        if scope.house and house_ids:
            mine = [Term(scope.house, "in", sorted(house_ids))]
            mine += [Term(path, "ne", value) for path, value in scope.residents_except]
            rule.append(tuple(mine))
        if scope.person:
            rule.append((Term(scope.person, "eq", user.person_id),))
        if scope.residents_see_community and scope.community and house_ids:
            rule.append((Term(scope.community, "in", sorted(user.resident_community_ids())),))
    if scope.shared_without_organization:
        rule.append((Term(scope.organization, "null"),))
    return rule


def _term_q(term: Term) -> Q:
    if term.op == "eq":
        return Q(**{term.path: term.value})
    if term.op == "in":
        return Q(**{f"{term.path}__in": term.value})
    if term.op == "ne":
        return ~Q(**{term.path: term.value})
    if term.op == "null":
        return Q(**{f"{term.path}__isnull": True})
    if term.op == "subquery":
        return Q(pk__in=term.value)
    raise AssertionError(term.op)


def scope_q(model, user, perm=None) -> Q | None:
    """The filter for ``model`` rows visible to ``user``; None means everything."""
    rule = grants(model, user, perm)
    if rule is None:
        return None
    q = Q(pk__in=[])
    for terms in rule:
        part = Q()
        for term in terms:
            part &= _term_q(term)
        q |= part
    return q


class NotColumnScope(ValueError):
    """A scope ``scope_sql`` does not write as SQL: its path crosses a relation, is
    many-to-many or is a subquery. Such models list through ``visible_to`` (the ORM)."""


def _column_field(model, path):
    """The concrete field behind ``path`` when it is one of the model's own columns, else None."""
    if "__" in path:
        return None
    field = model._meta.pk if path == "pk" else model._meta.get_field(path)
    if field.many_to_many or not field.concrete:
        return None
    return field


def scope_sql(model, user, perm=None, alias=None):
    """``grants`` as an SQL condition on ``model``'s table (or ``alias``): (sql, params), or
    None for everything, for hand-written hot queries. Only scopes whose paths are the model's
    own columns can be written so (others raise ``NotColumnScope``).
    ``core/tests/test_scope_sql.py`` checks it selects the rows ``visible_to`` does."""
    rule = grants(model, user, perm)
    if rule is None:
        return None
    prefix = connection.ops.quote_name(alias or model._meta.db_table) + "."

    def column(path):
        field = _column_field(model, path)
        if field is None:
            raise NotColumnScope(f"{model.__name__}.scope path {path!r} is not a column")
        return prefix + connection.ops.quote_name(field.column)

    def render(term):
        if term.op == "eq":
            return f"{column(term.path)} = %s", [term.value]
        if term.op == "in":
            return db.among(column(term.path), term.value)
        if term.op == "ne":
            col = column(term.path)
            return f"({col} <> %s OR {col} IS NULL)", [term.value]
        if term.op == "null":
            return f"{column(term.path)} IS NULL", []
        raise NotColumnScope(f"{model.__name__}.scope uses a community subquery")

    parts, params = [], []
    for terms in rule:
        sqls = []
        for term in terms:
            sql, values = render(term)
            sqls.append(sql)
            params += values
        parts.append("(" + " AND ".join(sqls) + ")")
    if not parts:
        return "1 = 0", []
    return "(" + " OR ".join(parts) + ")", params


def object_visible(obj, user, perm=None):
    """``grants`` decided on a loaded object, without a query: True or False, or None when
    that needs the database (a path crossing a relation, a community subquery): then ask
    ``visible_to``."""
    model = type(obj)
    rule = grants(model, user, perm)
    if rule is None:
        return True
    undecided = False
    for terms in rule:
        outcome = True
        for term in terms:
            field = None if term.op == "subquery" else _column_field(model, term.path)
            if field is None:
                outcome = None
                continue
            value = getattr(obj, field.attname)
            if term.op == "eq":
                met = value == term.value
            elif term.op == "in":
                met = value in term.value
            elif term.op == "ne":
                met = value != term.value
            else:
                met = value is None
            if not met:
                outcome = False
                break
        if outcome is True:
            return True
        undecided = undecided or outcome is None
    return None if undecided else False


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
