"""Core's read side shared by the API, pages and other apps: who a user may see."""

from django.db.models import Q

from . import policy
from .choices import Role
from .models import Membership, Occupancy, Person, User


def users_visible_to(user):
    """Logins a staff member may see: their companies' staff and residents in their scope."""
    if not user.is_authenticated:
        return User.objects.none()
    if user.is_superuser:
        return User.objects.all()
    org_ids = [
        m.organization_id
        for m in user.active_memberships()
        if policy.role_has(m.role, "core.user.view")
    ]
    people = Person.objects.visible_to(user, "core.person.view").values("pk")
    return User.objects.filter(
        Q(pk=user.pk)
        | Q(home_organization_id__in=org_ids)
        | Q(memberships__organization_id__in=org_ids)
        | Q(person__in=people, person__isnull=False)
    ).distinct()


def community_staff(community, roles):
    """Active logins with an active membership in one of ``roles`` in ``community``'s company
    that covers the community (limited to it, or to no community at all), in the order they
    joined: who is on the community's team, for dispatch, duty rosters and alerts."""
    memberships = (
        Membership.objects.filter(
            organization_id=community.organization_id, role__in=roles, active=True
        )
        .filter(Q(communities__isnull=True) | Q(communities=community))
        .select_related("user")
        .order_by("created_at", "id")
        .distinct()
    )
    users = []
    for membership in memberships:
        if membership.user.is_active and membership.user not in users:
            users.append(membership.user)
    return users


def managers_of(community):
    """The community's managers; the company admins when it has none (who is told of alarms,
    hazards and requests that need a manager)."""
    return community_staff(community, [Role.MANAGER]) or community_staff(
        community, [Role.ORG_ADMIN]
    )


def household_users(house_ids):
    """Active logins of the people living in (or owning) ``house_ids`` now, in one query:
    who hears of a house's bills, payments and refunds."""
    people = Occupancy.objects.active().filter(house_id__in=house_ids).values("person_id")
    return list(User.objects.filter(is_active=True, person_id__in=people).order_by("pk"))
