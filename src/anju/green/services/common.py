"""Helpers of green living's services: permission checks in a community, unknown fields."""

from django.utils.translation import gettext as _

from anju.core import policy
from anju.core.errors import Forbidden


def require(perm, community_id, *, actor):
    """Staff ``actor`` must hold ``perm`` in the community (None: a system job)."""
    if actor is not None and not policy.staff_has(actor, perm, community_id):
        raise Forbidden(_("You may not do this in this community."))


def require_resident(house, *, actor):
    """``actor`` lives in ``house`` now (or is staff allowed to act for it)."""
    if actor is None:
        return
    if house.pk in set(actor.resident_house_ids()):
        return
    raise Forbidden(_("You may only do this for your own home."))


def unknown(values, allowed):
    extra = set(values) - set(allowed)
    if extra:
        raise TypeError(f"unknown fields: {sorted(extra)}")
