from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "anju.core"
    label = "core"
    verbose_name = _("Core")

    # Navigation entries: (label, url name, permission or None, section)
    console_nav = [
        (_("Workbench"), "console:dashboard", None, "main"),
        (_("Communities compared"), "console:compare", "core.compare.view", "main"),
        (_("Communities"), "console:community-list", "core.community.view", "data"),
        (_("Buildings"), "console:building-list", "core.building.view", "data"),
        (_("Houses"), "console:house-list", "core.house.view", "data"),
        (_("Owners and residents"), "console:person-list", "core.person.view", "data"),
        (_("Import from Excel"), "console:import", "core.import.run", "data"),
        (_("Audit log"), "console:audit-list", "core.audit.view", "data"),
        (_("Background jobs"), "console:job-list", "core.community.view", "data"),
    ]
    portal_nav = [
        (_("My home"), "portal:home", "🏠"),
    ]

    def ready(self):
        from . import (
            checks,  # noqa: F401 - registers the system checks
            text,
        )

        text.install()  # control and bidi characters out of every text field (core.text)
