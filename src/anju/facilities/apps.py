from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig
from anju.core.choices import Role


class FacilitiesConfig(AnjuAppConfig):
    name = "anju.facilities"
    label = "facilities"
    verbose_name = _("Facilities and safety")

    console_nav = [
        (
            _("Facilities dashboard"),
            "console:facilities-dashboard",
            "facilities.asset.view",
            "facilities",
        ),
        (_("Asset ledger"), "console:facilities-asset-list", "facilities.asset.view", "facilities"),
        (
            _("Maintenance plans"),
            "console:facilities-plan-list",
            "facilities.maintenance.view",
            "facilities",
        ),
        (
            _("Maintenance tasks"),
            "console:facilities-task-list",
            "facilities.maintenance.view",
            "facilities",
        ),
        (
            _("Inspection routes"),
            "console:facilities-inspection-route-list",
            "facilities.inspection.view",
            "facilities",
        ),
        (
            _("Inspection rounds"),
            "console:facilities-inspection-task-list",
            "facilities.inspection.view",
            "facilities",
        ),
        (
            _("Patrol shifts"),
            "console:facilities-shift-list",
            "facilities.patrol.view",
            "facilities",
        ),
        (
            _("Patrol routes"),
            "console:facilities-patrol-route-list",
            "facilities.patrol.view",
            "facilities",
        ),
        (
            _("Missed patrol checkpoints"),
            "console:facilities-patrol-alerts",
            "facilities.patrol.view",
            "facilities",
        ),
        (
            _("Patrol compliance"),
            "console:facilities-compliance",
            "facilities.patrol.view",
            "facilities",
        ),
        (_("Hazards"), "console:facilities-hazard-list", "facilities.hazard.view", "facilities"),
        (
            _("Fire equipment expiring"),
            "console:facilities-equipment-expiring",
            "facilities.asset.view",
            "facilities",
        ),
        (
            _("Incidents"),
            "console:facilities-incident-list",
            "facilities.incident.manage",
            "facilities",
        ),
        (
            _("Drills and training"),
            "console:facilities-drill-list",
            "facilities.drill.view",
            "facilities",
        ),
        (_("My field work (phone)"), "console:facilities-field", None, "facilities"),
    ]

    # Field staff land on their phone pages: the technician and the cleaner on "my work now"
    # (tickets, maintenance and inspection rounds by due time), the guard on the patrol shift.
    role_homes = {
        Role.TECHNICIAN: "console:facilities-field",
        Role.GUARD: "console:facilities-field-patrol",
        Role.CLEANER: "console:facilities-field",
    }
    role_work = {
        Role.TECHNICIAN: [
            "console:facilities-field",
            "console:facilities-task-list",
            "console:facilities-hazard-list",
        ],
        Role.GUARD: [
            "console:facilities-field",
            "console:facilities-shift-list",
            "console:facilities-hazard-list",
            "console:facilities-incident-list",
        ],
        Role.CLEANER: ["console:facilities-field", "console:facilities-hazard-list"],
        Role.MANAGER: [
            "console:facilities-dashboard",
            "console:facilities-hazard-list",
            "console:facilities-task-list",
            "console:facilities-compliance",
            "console:facilities-patrol-alerts",
        ],
    }

    audit_labels = {
        "facilities.asset.created": _("Asset added"),
        "facilities.asset.changed": _("Asset changed"),
        "facilities.asset.status_changed": _("Asset status changed"),
        "facilities.asset.fault_reported": _("Asset fault reported"),
        "facilities.certificate.added": _("Certificate added"),
        "facilities.certificate.expiry_alerted": _("Certificate expiry alerted"),
        "facilities.plan.created": _("Maintenance plan created"),
        "facilities.plan.changed": _("Maintenance plan changed"),
        "facilities.plan.tasks_generated": _("Maintenance tasks generated"),
        "facilities.task.assigned": _("Maintenance task assigned"),
        "facilities.task.started": _("Maintenance task started"),
        "facilities.task.completed": _("Maintenance task completed"),
        "facilities.task.cancelled": _("Maintenance task cancelled"),
        "facilities.task.overdue": _("Maintenance task overdue"),
        "facilities.inspection_route.created": _("Inspection route created"),
        "facilities.inspection_point.added": _("Inspection point added"),
        "facilities.inspection_plan.created": _("Inspection plan created"),
        "facilities.inspection.checked_in": _("Inspection check-in"),
        "facilities.inspection.closed": _("Inspection round closed"),
        "facilities.patrol_route.created": _("Patrol route created"),
        "facilities.patrol_checkpoint.added": _("Patrol checkpoint added"),
        "facilities.patrol_shift.created": _("Patrol shift planned"),
        "facilities.patrol.scanned": _("Patrol checkpoint scanned"),
        "facilities.patrol.missed_checkpoint": _("Patrol checkpoint missed"),
        "facilities.patrol.idle_gap": _("No patrol scan for too long"),
        "facilities.hazard.reported": _("Hazard reported"),
        "facilities.hazard.escalated": _("Hazard escalated"),
        "facilities.hazard.rectified": _("Hazard rectified"),
        "facilities.hazard.verified": _("Hazard rectification verified"),
        "facilities.hazard.sent_back": _("Hazard rectification sent back"),
        "facilities.hazard.closed": _("Hazard closed"),
        "facilities.incident.opened": _("Incident recorded"),
        "facilities.incident.stop": _("Incident: stopped on the spot"),
        "facilities.incident.report": _("Incident: reported to the authority"),
        "facilities.incident.assist": _("Incident: assisted"),
        "facilities.incident.closed": _("Incident closed"),
        "facilities.drill.planned": _("Drill planned"),
        "facilities.drill.held": _("Drill held"),
        "facilities.drill.follow_up_done": _("Drill follow-up done"),
        "facilities.drill.cancelled": _("Drill cancelled"),
    }

    def dashboard_cards(self, request):
        """Workbench cards: overdue maintenance, missed patrol checkpoints today, open hazards."""
        from django.urls import reverse

        from anju.core import policy

        from .choices import AlertKind
        from .models import Hazard, MaintenanceTask, PatrolAlert
        from .selectors import open_hazards, overdue_hazards, overdue_tasks, patrol_alerts

        user = request.user
        community_id = getattr(request, "community_id", None)

        def scoped(queryset):
            return queryset.in_community(community_id) if community_id else queryset

        cards = []
        if policy.staff_has(user, "facilities.maintenance.view"):
            tasks = scoped(MaintenanceTask.objects.visible_to(user, "facilities.maintenance.view"))
            n = overdue_tasks(tasks).count()
            cards.append(
                {
                    "title": _("Overdue maintenance"),
                    "value": n,
                    "tone": "bad" if n else "ok",
                    "link": reverse("console:facilities-task-list") + "?overdue=true",
                }
            )
        if policy.staff_has(user, "facilities.patrol.view"):
            alerts = scoped(PatrolAlert.objects.visible_to(user, "facilities.patrol.view"))
            missed = patrol_alerts(alerts).count()
            idle = patrol_alerts(alerts, kind=AlertKind.IDLE_GAP).count()
            cards.append(
                {
                    "title": _("Missed patrol checkpoints (24 h)"),
                    "value": missed,
                    "tone": "bad" if missed else "ok",
                    "link": reverse("console:facilities-patrol-alerts"),
                    "note": _("%(n)s long gaps without a scan") % {"n": idle} if idle else "",
                }
            )
        if policy.staff_has(user, "facilities.hazard.view"):
            hazards = scoped(Hazard.objects.visible_to(user, "facilities.hazard.view"))
            open_ = open_hazards(hazards).count()
            late = overdue_hazards(hazards).count()
            cards.append(
                {
                    "title": _("Open hazards"),
                    "value": open_,
                    "tone": "bad" if late else ("warn" if open_ else "ok"),
                    "link": reverse("console:facilities-hazard-list") + "?open=true",
                    "note": _("%(n)s past the deadline") % {"n": late} if late else "",
                }
            )
        return cards

    def staff_metrics(self, user, staff_ids, start, end, now):
        from .selectors import staff_metrics

        return staff_metrics(user, staff_ids, start, end, now)

    def community_metrics(self, user, community_ids, start, end, now):
        from .selectors import community_metrics

        return community_metrics(user, community_ids, start, end, now)

    def personal_data(self, user):
        """Facilities rows about a person: their patrol scans and the hazards and faults they reported."""
        from .models import Hazard, PatrolScan

        return {
            "patrol_scans": [
                {"checkpoint": s.checkpoint.name, "scanned_at": s.scanned_at.isoformat()}
                for s in PatrolScan.objects.filter(by=user)
                .select_related("checkpoint")
                .order_by("-scanned_at")[:1000]
            ],
            "hazards_reported": [
                {"number": h.number, "place": h.place, "found_at": h.found_at.isoformat()}
                for h in Hazard.objects.filter(reported_by=user)[:1000]
            ],
        }
