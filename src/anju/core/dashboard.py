"""Dashboard cards contributed by domain apps.

An app's AppConfig may define ``dashboard_cards(request) -> list[dict]``; each dict has
``title``, ``value``, optional ``link``, ``tone`` (ok/warn/bad) and ``note``.
"""

import logging

from django.apps import apps

log = logging.getLogger("anju.dashboard")


def cards_for(request):
    cards = []
    for config in apps.get_app_configs():
        provider = getattr(config, "dashboard_cards", None)
        if provider is None:
            continue
        try:
            cards.extend(provider(request))
        except Exception:  # one broken widget must not take the workbench down
            log.exception("dashboard cards of %s failed", config.name)
    return cards
