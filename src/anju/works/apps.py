from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig
from anju.core.choices import Role

# The console menu section core.navigation names "works": its words live in this catalogue.
SECTION = _("Renovation & moves")


class WorksConfig(AnjuAppConfig):
    name = "anju.works"
    label = "works"
    verbose_name = _("Renovation, deposits and moves")

    console_nav = [
        (_("Renovations"), "console:works-renovation-list", "works.renovation.view", "works"),
        (_("Deposits"), "console:works-deposit-list", "works.deposit.view", "works"),
        (_("Deposits per house"), "console:works-deposit-houses", "works.deposit.view", "works"),
        (_("Deposits report"), "console:works-deposit-report", "works.deposit.view", "works"),
        (_("Handovers and move-outs"), "console:works-move-list", "works.move.view", "works"),
    ]
    portal_nav = [(_("My renovation"), "portal:works-renovations", "🔨")]
    role_work = {Role.TECHNICIAN: ["console:works-renovation-list"]}
    audit_labels = {
        "works.deposit.created": _("Deposit asked for"),
        "works.deposit.collected": _("Deposit collected"),
        "works.deposit.deducted": _("Deducted from a deposit"),
        "works.deposit.refunded": _("Deposit refunded"),
        "works.deposit.cancelled": _("Deposit withdrawn"),
        "works.renovation.created": _("Renovation applied for"),
        "works.renovation.approve": _("Renovation approved"),
        "works.renovation.reject": _("Renovation not approved"),
        "works.renovation.inspect": _("Renovation inspected"),
        "works.renovation.stop": _("Stop-work order issued"),
        "works.renovation.resume": _("Works resumed after rectification"),
        "works.renovation.accept": _("Renovation accepted"),
        "works.renovation.refund-deposit": _("Renovation deposit settled"),
        "works.renovation.acknowledge": _("Settlement acknowledged by the resident"),
        "works.worker.created": _("Work permit issued"),
        "works.move.created": _("Handover or move-out started"),
        "works.move.checked": _("Checklist recorded"),
        "works.move.readings_taken": _("Meter readings taken"),
        "works.move.keys_issued": _("Keys and cards issued"),
        "works.move.cards_returned": _("Cards returned"),
        "works.move.completed": _("Handover or move-out completed"),
    }

    def dashboard_cards(self, request):
        from anju.core import policy

        from . import selectors

        user, community_id = request.user, request.community_id
        if not policy.staff_has(user, "works.renovation.view"):
            return []
        counts = selectors.community_counts(user, community_id)
        return [
            {
                "title": _("Renovations to review"),
                "value": counts["waiting"],
                "link": "/console/works/renovations/?state=submitted",
                "tone": "warn" if counts["waiting"] else "ok",
                "note": _("renovation"),
            }
        ]

    def resident_home(self, request):
        from .portal import home_sections

        return home_sections(request)

    def personal_data(self, user):
        from .models import Deposit, Renovation

        if not user.person_id:
            return {"renovations": [], "deposits": []}
        rows = Renovation.objects.filter(applicant_id=user.person_id)[:1000]
        paid = Deposit.objects.filter(payer_id=user.person_id)[:1000]
        return {
            "deposits": [
                {
                    "kind": d.kind,
                    "amount": str(d.amount),
                    "held": str(d.balance),
                    "state": d.state,
                    "collected_at": d.collected_at.isoformat() if d.collected_at else None,
                }
                for d in paid
            ],
            "renovations": [
                {
                    "contractor": r.contractor,
                    "description": r.description,
                    "starts": r.starts.isoformat(),
                    "ends": r.ends.isoformat(),
                    "state": r.state,
                }
                for r in rows
            ],
        }
