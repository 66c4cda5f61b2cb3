"""What the notices API modules share: the permissions they name and the permission picker."""

from anju.core import policy

MANAGE = "notices.notice.manage"
REMINDERS = "notices.reminder.manage"


def first_held(user, perms, community_id=None):
    """The first permission the user holds (so the default permission class lets them in)."""
    for perm in perms:
        if policy.user_has(user, perm, community_id):
            return perm
    return perms[0]
