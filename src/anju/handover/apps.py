from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig


class HandoverConfig(AnjuAppConfig):
    name = "anju.handover"
    label = "handover"
    verbose_name = _("Handover")

    console_nav = [
        (_("Handover package"), "console:handover", "handover.package.export", "data"),
    ]
    audit_labels = {
        "handover.package.exported": _("Handover package exported"),
        "handover.package.imported": _("Handover package imported"),
    }
