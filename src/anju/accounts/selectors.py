"""The read side of self-service accounts: a person's claims, the staff's review queue, a
household's members."""

from django.db.models import Q

from anju.core.choices import OWNER_RELATIONS
from anju.core.models import Occupancy

from .choices import ClaimStatus
from .models import HouseClaim

REVIEW = "accounts.claim.review"


def claims_readable_by(user):
    """The caller's own claims and those of the communities they review."""
    if not getattr(user, "is_authenticated", False):
        return HouseClaim.objects.none()
    reviewable = HouseClaim.objects.visible_to(user, REVIEW)
    return (
        HouseClaim.objects.filter(Q(user=user) | Q(pk__in=reviewable.values("pk")))
        .select_related("house__building", "community", "user")
        .prefetch_related("attachments")
    )


def claimable_houses(user, perm=None):
    """The houses a signed-in person may claim: any (approval is the community's staff's, or
    the owner's phone on record)."""
    from anju.core.models import House

    return House.objects.all()


def review_queue(user):
    """Pending claims of the communities ``user`` reviews, oldest first."""
    return (
        HouseClaim.objects.visible_to(user, REVIEW)
        .filter(status=ClaimStatus.PENDING)
        .select_related("house__building", "community", "user")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def my_claims(user):
    return HouseClaim.objects.filter(user=user).select_related("house__building", "community")


def my_homes(user):
    """The caller's active occupancies, with whether they own the house."""
    if not getattr(user, "person_id", None):
        return Occupancy.objects.none()
    return (
        Occupancy.objects.active()
        .filter(person_id=user.person_id)
        .select_related("house__building", "community")
    )


def is_owner(occupancy):
    return occupancy.relation in OWNER_RELATIONS


def members_of(house):
    """The house's current and past family members and tenants, newest first."""
    return (
        Occupancy.objects.filter(house=house, relation__in=("family", "tenant"))
        .select_related("person")
        .order_by("until", "-since", "-id")
    )
