"""Helpers shared by the people services."""

from django.utils.translation import gettext as _

from anju.core import policy
from anju.core.errors import Forbidden


def require(user, perm, community, message=None):
    """``user`` (the acting person) holds ``perm`` as staff in ``community``, or Forbidden."""
    if not policy.staff_has(user, perm, community.pk, community.organization_id):
        raise Forbidden(message or _("You may not do this in this community."))


def text(value, limit=None):
    value = str(value or "").strip()
    return value[:limit] if limit else value
