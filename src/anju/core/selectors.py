"""Core's read side shared by the API, pages and other apps: who a user may see."""

from django.db.models import Q

from . import policy
from .models import Person, User


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
