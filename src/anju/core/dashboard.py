"""Dashboard cards contributed by domain apps.

An app's AnjuAppConfig overrides ``dashboard_cards(request) -> list[dict]``; each dict has
``title``, ``value``, optional ``link``, ``tone`` (ok/warn/bad) and ``note``.

A card is a promise that its link opens the rows it counts: a card whose link the user may not
open (the linked console page's ``permission``) is not shown at all (``may_open``).
"""

import logging
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

from . import policy
from .apps import anju_apps

log = logging.getLogger("anju.dashboard")


def may_open(user, link) -> bool:
    """Whether ``user`` may open the console page at ``link`` (its view's ``permission``)."""
    try:
        match = resolve(urlsplit(link).path)
    except Resolver404:
        return False
    view = getattr(match.func, "view_class", None)
    permission = getattr(view, "permission", None)
    return not permission or policy.staff_has(user, permission)


def cards_for(request):
    cards = []
    for config in anju_apps():
        try:
            contributed = config.dashboard_cards(request)
        except Exception:  # one broken widget must not take the workbench down
            log.exception("dashboard cards of %s failed", config.name)
            continue
        for card in contributed:
            link = card.get("link")
            if link and not may_open(request.user, link):
                log.warning("card %r links to %s, which the user may not open", card["title"], link)
                continue
            cards.append(card)
    return cards
