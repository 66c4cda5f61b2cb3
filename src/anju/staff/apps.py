from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig
from anju.core.choices import Role


class StaffConfig(AnjuAppConfig):
    name = "anju.staff"
    label = "staff"
    verbose_name = _("Staff performance and evaluations")

    console_nav = [
        (_("Staff performance"), "console:staff-performance", "staff.performance.view", "staff"),
        (_("Evaluations"), "console:staff-evaluation-list", "staff.evaluation.view", "staff"),
        (_("My evaluations"), "console:staff-my-evaluations", None, "staff"),
    ]

    role_work = {Role.MANAGER: ["console:staff-performance", "console:staff-evaluation-list"]}
    audit_labels = {
        "staff.evaluation.recorded": _("Evaluation recorded"),
        "staff.evaluation.revised": _("Evaluation revised"),
        "staff.evaluation.acknowledged": _("Evaluation acknowledged"),
    }

    def dashboard_cards(self, request):
        from .selectors import awaiting_acknowledgement

        waiting = awaiting_acknowledgement(request.user).count()
        if not waiting:
            return []
        return [
            {
                "title": _("Evaluations to acknowledge"),
                "value": waiting,
                "link": "/console/staff/my-evaluations/?status=recorded",
                "tone": "warn",
                "note": "",
            }
        ]
