from rest_framework.permissions import BasePermission

from .. import policy


def object_community_id(obj):
    from ..models import Community

    if isinstance(obj, Community):
        return obj.pk
    return getattr(obj, "community_id", None)


class RolePermission(BasePermission):
    """Checks the permission the view declares for the current action, via core.policy."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        perm = view.required_permission() if hasattr(view, "required_permission") else None
        return perm is None or policy.user_has(request.user, perm)

    def has_object_permission(self, request, view, obj):
        perm = view.required_permission() if hasattr(view, "required_permission") else None
        if perm is None:
            return True
        organization_id = getattr(obj, "organization_id", None)
        return policy.user_has(request.user, perm, object_community_id(obj), organization_id)
