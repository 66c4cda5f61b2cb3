from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig
from anju.core.choices import Role


class GreenConfig(AnjuAppConfig):
    name = "anju.green"
    label = "green"
    verbose_name = _("Green living")

    console_nav = [
        (_("Sorting report"), "console:green-report", "green.report.view", "green"),
        (_("Collection logs"), "console:green-log-list", "green.log.view", "green"),
        (
            _("Sorting inspections"),
            "console:green-inspection-list",
            "green.inspection.view",
            "green",
        ),
        (_("Collection points"), "console:green-point-list", "green.point.view", "green"),
        (_("Waste pickups"), "console:green-pickup-list", "green.pickup.view", "green"),
        (_("Green points"), "console:green-points-list", "green.points.view", "green"),
        (_("Decoration plans"), "console:green-plan-list", "green.decoration.view", "green"),
        (
            _("Decorations company-wide"),
            "console:green-decorations",
            "green.decoration.view",
            "green",
        ),
    ]
    portal_nav = [
        (_("Green points"), "portal:green-points", "🌱"),
        (_("Waste pickup"), "portal:green-pickups", "♻️"),
        (_("Festival decorations"), "portal:green-decorations", "🏮"),
    ]
    role_work = {Role.CLEANER: ["console:green-inspection-list", "console:green-log-list"]}
    audit_labels = {
        "green.point.created": _("Collection point created"),
        "green.point.changed": _("Collection point changed"),
        "green.log.created": _("Collection logged"),
        "green.inspection.created": _("Sorting inspected"),
        "green.pickup.created": _("Waste pickup booked"),
        "green.pickup.confirm": _("Waste pickup confirmed"),
        "green.pickup.collect": _("Waste collected"),
        "green.pickup.cancel": _("Waste pickup cancelled"),
        "green.points.earn": _("Green points earned"),
        "green.points.spend": _("Green points spent"),
        "green.points.expire": _("Green points expired"),
        "green.decoration.proposed": _("Decoration plan proposed by the calendar"),
        "green.decoration.created": _("Decoration plan created"),
        "green.decoration.planned": _("Decoration plan saved"),
        "green.decoration.photos": _("Decoration photos added"),
        "green.decoration.finish": _("Decoration done"),
        "green.decoration.cancel": _("Decoration plan cancelled"),
        "green.decoration.rated": _("Decoration rated"),
    }

    def dashboard_cards(self, request):
        from anju.core import policy

        from . import selectors

        user, community_id = request.user, request.community_id
        if not policy.staff_has(user, "green.pickup.view"):
            return []
        waiting = selectors.open_pickups(user, community_id).count()
        return [
            {
                "title": _("Waste pickups to do"),
                "value": waiting,
                "link": "/console/green/pickups/?open=1",
                "tone": "warn" if waiting else "ok",
                "note": _("bulky and renovation waste"),
            }
        ]

    def resident_home(self, request):
        from .home import home_sections

        return home_sections(request)

    def personal_data(self, user):
        from . import selectors

        if not user.person_id:
            return {"waste_pickups": [], "decoration_ratings": []}
        from .models import DecorationRating

        pickups = selectors.pickups_of_person(user.person_id)[:1000]
        ratings = DecorationRating.objects.filter(person_id=user.person_id).select_related("plan")
        return {
            "waste_pickups": [
                {
                    "kind": p.kind,
                    "items": p.items,
                    "wanted_on": p.wanted_on.isoformat(),
                    "status": p.status,
                }
                for p in pickups
            ],
            "decoration_ratings": [
                {"plan": str(r.plan), "stars": r.stars, "comment": r.comment}
                for r in ratings[:1000]
            ],
        }

    def restore_reference_data(self):
        from .models import PointsRule, WasteRuleSet
        from .rules import seed_points_rule, seed_waste_rules

        seed_waste_rules(WasteRuleSet)
        seed_points_rule(PointsRule)
