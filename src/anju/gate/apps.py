from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig
from anju.core.choices import Role


class GateConfig(AnjuAppConfig):
    name = "anju.gate"
    label = "gate"
    verbose_name = _("Gate: visitors, doors and goods release")

    console_nav = [
        (_("Gate desk"), "console:gate-desk", "gate.pass.verify", "facilities"),
        (_("Visitor passes"), "console:gate-pass-list", "gate.pass.view", "facilities"),
        (_("Visitor log"), "console:gate-visitor-log", "gate.visitor.view", "facilities"),
        (_("Walk-in visitors"), "console:gate-walkin-list", "gate.walkin.view", "facilities"),
        (_("Doors"), "console:gate-door-list", "gate.door.view", "facilities"),
        (_("Door openings"), "console:gate-command-list", "gate.door.view", "facilities"),
        (_("Goods release"), "console:gate-release-list", "gate.release.view", "facilities"),
    ]
    portal_nav = [
        (_("Visitors"), "portal:gate-passes", "🎫"),
        (_("Open a door"), "portal:gate-doors", "🚪"),
    ]
    role_work = {Role.GUARD: ["console:gate-desk"]}
    audit_labels = {
        "gate.pass.created": _("Visitor pass issued"),
        "gate.pass.revoked": _("Visitor pass revoked"),
        "gate.pass.entered": _("Visitor let in with a pass"),
        "gate.walkin.created": _("Walk-in visitor registered"),
        "gate.walkin.confirmed": _("Walk-in visitor let in by the resident"),
        "gate.walkin.declined": _("Walk-in visitor declined by the resident"),
        "gate.visitors.purged": _("Old visitor records deleted"),
        "gate.doors.purged": _("Old door openings deleted"),
        "gate.door.created": _("Door added"),
        "gate.door.changed": _("Door changed"),
        "gate.door.opened": _("Door opening requested"),
        "gate.door.acknowledged": _("Door opening acknowledged by the gateway"),
        "gate.credential.created": _("Access credential issued"),
        "gate.face.policy_changed": _("Face recognition offer changed"),
        "gate.face.enrolled": _("Face enrolled with consent"),
        "gate.face.deleted": _("Face data deleted by its owner"),
        "gate.release.created": _("Goods release applied for"),
        "gate.release.approved": _("Goods release confirmed by the owner"),
        "gate.release.declined": _("Goods release declined by the owner"),
        "gate.release.cancelled": _("Goods release cancelled"),
        "gate.release.released": _("Goods let out"),
    }

    def mqtt_topics(self):
        from . import mqtt

        return {mqtt.ACK_TOPIC: mqtt.handle_ack}

    def dashboard_cards(self, request):
        from anju.core import policy

        from . import selectors
        from .choices import WalkInStatus

        user, community_id = request.user, request.community_id
        if not policy.staff_has(user, "gate.walkin.view"):
            return []
        waiting = selectors.walk_ins(user, community_id).filter(status=WalkInStatus.PENDING).count()
        return [
            {
                "title": _("Walk-in visitors waiting"),
                "value": waiting,
                "link": "/console/gate/walk-ins/?status=pending",
                "tone": "warn" if waiting else "ok",
                "note": _("gate"),
            }
        ]

    def resident_home(self, request):
        from django.urls import reverse
        from django.utils.translation import gettext

        from . import selectors

        user = request.user
        if not user.person_id:
            return []
        waiting = list(selectors.walk_ins_waiting_for(user)[:5])
        confirm = list(selectors.releases_to_confirm(user)[:5])
        if not waiting and not confirm:
            return []
        return [
            {
                "order": 15,
                "title": gettext("At the gate"),
                "template": "gate/home_section.html",
                "context": {
                    "walk_ins": waiting,
                    "releases": confirm,
                    "release_url": reverse("portal:gate-release"),
                },
            }
        ]

    def personal_data(self, user):
        from .models import Credential, ReleasePass, VisitorPass

        passes = VisitorPass.objects.filter(issued_by=user)[:1000]
        credentials = (
            Credential.objects.filter(person_id=user.person_id)[:100] if user.person_id else []
        )
        return {
            "visitor_passes": [
                {
                    "visitor_name": p.visitor_name,
                    "visitor_phone": p.visitor_phone,
                    "plate": p.plate,
                    "valid_from": p.valid_from.isoformat(),
                    "valid_until": p.valid_until.isoformat(),
                    "entries": p.entries,
                    "entries_used": p.entries_used,
                    "status": p.status,
                }
                for p in passes
            ],
            "access_credentials": [
                {
                    "kind": c.kind,
                    "created_at": c.created_at.isoformat(),
                    "consent_at": c.consent_at.isoformat() if c.consent_at else None,
                }
                for c in credentials
            ],
            "goods_release": [
                {"items": r.items, "date": r.date.isoformat(), "status": r.status}
                for r in ReleasePass.objects.filter(applicant=user)[:1000]
            ],
        }
