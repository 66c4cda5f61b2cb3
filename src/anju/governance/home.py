"""Governance's section of the resident home (我的家): the owners' votes the resident can still
vote in, with their closing time; the ones not yet voted first."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import selectors


def home_sections(request) -> list[dict]:
    now = timezone.now()
    votes = list(selectors.votes_open_to(request.user, now).order_by("closes_at", "pk"))
    if not votes:
        return []
    votes.sort(key=lambda v: v.voted)  # not voted yet first
    for vote in votes:
        vote.left = vote.closes_at - now
    return [
        {
            "order": 40,
            "title": _("Votes open to you"),
            "template": "governance/home_section.html",
            "context": {"votes": votes, "list_url": reverse("portal:vote-list")},
        }
    ]
