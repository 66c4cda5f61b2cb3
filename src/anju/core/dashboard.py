"""Dashboard cards contributed by domain apps.

An app's AnjuAppConfig overrides ``dashboard_cards(request) -> list[dict]``; each dict has
``title``, ``value``, optional ``link``, ``tone`` (ok/warn/bad) and ``note``.
"""

import logging

from .apps import anju_apps

log = logging.getLogger("anju.dashboard")


def cards_for(request):
    cards = []
    for config in anju_apps():
        try:
            cards.extend(config.dashboard_cards(request))
        except Exception:  # one broken widget must not take the workbench down
            log.exception("dashboard cards of %s failed", config.name)
    return cards
