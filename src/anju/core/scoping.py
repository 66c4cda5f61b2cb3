"""Tenant scoping: the one mechanism every API, page, export and report uses.

Each tenant model declares how it reaches its organization, its community and (for residents)
its house or person, as a ``Scope``. ``Model.objects.visible_to(user, perm)`` returns exactly the
rows the user may see with that permission. It fails closed: no membership, nothing visible.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from . import policy


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
            q |= Q(**{f"{scope.house}__in": house_ids})
        if scope.person:
            q |= Q(**{scope.person: user.person_id})
        if scope.residents_see_community and scope.community and house_ids:
            q |= Q(**{f"{scope.community}__in": user.resident_community_ids()})
    return q


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
