"""The handover read side: the communities a user may hand over, the packages they may see,
and a community's counts and money sums (the figures the round trip keeps)."""

from anju.core.models import Community

from . import package, tables
from .models import HandoverPackage

EXPORT = "handover.package.export"
IMPORT = "handover.package.import"


def communities_to_export(user):
    return Community.objects.visible_to(user, EXPORT).select_related("organization")


def community_to_export(user, pk):
    """The community ``pk`` if ``user`` may export it, else None (the page answers 404)."""
    return communities_to_export(user).filter(pk=pk).first()


def packages(user):
    return (
        HandoverPackage.objects.visible_to(user, EXPORT)
        .select_related("community", "organization", "created_by")
        .order_by("-created_at", "-id")
    )


def package_for(user, pk):
    return packages(user).filter(pk=pk).first()


def figures(community) -> dict:
    """Counts per table and money sums of ``community``, as the package's manifest has them."""
    return package.measure({t.name: tables.rows_of(t, community) for t in tables.TABLES})
