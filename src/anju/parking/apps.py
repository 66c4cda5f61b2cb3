from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig
from anju.core.choices import Role


class ParkingConfig(AnjuAppConfig):
    name = "anju.parking"
    label = "parking"
    verbose_name = _("Parking and vehicles")

    console_nav = [
        (_("Parking lots"), "console:parking-lot-list", "parking.lot.view", "parking"),
        (_("Gate log"), "console:parking-session-list", "parking.session.view", "parking"),
        (
            _("Gate events with photos"),
            "console:parking-event-list",
            "parking.session.view",
            "parking",
        ),
        (_("Unpaid exits"), "console:parking-unpaid-list", "parking.session.view", "parking"),
        (_("Passes expiring"), "console:parking-pass-list", "parking.pass.view", "parking"),
        (_("Parking disclosure"), "console:parking-disclosure", "parking.lot.view", "parking"),
        (_("Booth"), "console:parking-booth", "parking.session.operate", "parking"),
        (
            _("Shared space bookings"),
            "console:parking-share-list",
            "parking.share.view",
            "parking",
        ),
        (_("Shared space split"), "console:parking-share-split", "parking.share.manage", "parking"),
    ]
    portal_nav = [(_("Parking"), "portal:parking-vehicles", "🚗")]
    role_work = {Role.GUARD: ["console:parking-booth", "console:parking-session-list"]}
    audit_labels = {
        "parking.lot.created": _("Parking lot created"),
        "parking.lot.changed": _("Parking lot changed"),
        "parking.gate.created": _("Gate created"),
        "parking.space.created": _("Parking space created"),
        "parking.space.changed": _("Parking space changed"),
        "parking.vehicle.created": _("Vehicle registered"),
        "parking.vehicle.changed": _("Vehicle changed"),
        "parking.rule.created": _("Parking fee rule set"),
        "parking.rule.changed": _("Parking fee rule changed"),
        "parking.pass.created": _("Monthly pass issued"),
        "parking.pass.changed": _("Monthly pass changed"),
        "parking.session.paid": _("Parking fee paid"),
        "parking.session.unpaid_exit": _("Vehicle left without paying"),
        "parking.session.settled": _("Unpaid parking fee settled"),
        "parking.barrier.opened": _("Barrier opened by hand"),
        "parking.price.published": _("Pass price published"),
        "parking.pass.sale": _("Monthly pass sold"),
        "parking.pass.renewal": _("Monthly pass renewed"),
        "parking.pass.paid": _("Monthly pass paid"),
        "parking.space.sold": _("Parking space sold"),
        "parking.space.rented": _("Parking space rented out"),
        "parking.session.online_started": _("Online payment of a stay started"),
        "parking.session.paid_online": _("Parking fee paid online"),
        "parking.session.online_credited": _("Online parking payment credited to prepayment"),
        "parking.share_rule.created": _("Shared space rule set"),
        "parking.share_rule.changed": _("Shared space rule changed"),
        "parking.share.published": _("Shared space window published"),
        "parking.share.withdrawn": _("Shared space window withdrawn"),
        "parking.share.booked": _("Shared space booked"),
        "parking.share.pay_started": _("Payment of a shared space booking started"),
        "parking.share.paid": _("Shared space booking paid"),
        "parking.share.used": _("Entered on a shared space booking"),
        "parking.share.cancel": _("Shared space booking cancelled"),
        "parking.share.refund": _("Shared space booking refunded"),
    }

    def ready(self):
        super().ready()
        from anju.billing import services as billing

        from .services import (
            SHARE_SOURCE,
            SOURCE,
            TERM_SOURCE,
            charge_paid,
            share_paid,
            term_paid,
        )

        billing.on_settled(TERM_SOURCE, term_paid)
        billing.on_settled(SOURCE, charge_paid)
        billing.on_settled(SHARE_SOURCE, share_paid)

    def resident_home(self, request):
        from .views_portal import home_sections

        return home_sections(request)

    def dashboard_cards(self, request):
        from anju.core import policy

        from . import selectors

        user, community_id = request.user, request.community_id
        if not policy.staff_has(user, "parking.session.view"):
            return []
        unpaid = selectors.unpaid_exits(user, community_id).count()
        return [
            {
                "title": _("Unpaid exits"),
                "value": unpaid,
                "link": "/console/parking/unpaid/",
                "tone": "warn" if unpaid else "ok",
                "note": _("parking"),
            }
        ]
