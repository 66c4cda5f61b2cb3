"""Notices' section of the resident home (我的家): how many notices are unread and the latest
three, from the inbox's own selector."""

from django.urls import reverse
from django.utils.translation import gettext as _

from . import selectors

SHOWN = 3


def home_sections(request) -> list[dict]:
    unread = selectors.inbox_for(request.user).filter(read_at__isnull=True)
    latest = list(
        unread.select_related("notice").order_by("-notice__pinned", "-delivered_at", "-id")[:SHOWN]
    )
    if not latest:
        return []
    count = unread.count()
    return [
        {
            "order": 30,
            "title": _("Unread notices"),
            "template": "notices/home_section.html",
            "context": {"count": count, "latest": latest, "inbox_url": reverse("portal:inbox")},
        }
    ]
