from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig


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

    def dashboard_cards(self, request):
        """Workbench cards: overdue maintenance, missed patrol checkpoints today, open hazards."""
        from datetime import timedelta

        from django.urls import reverse
        from django.utils import timezone

        from anju.core import policy

        from .choices import AlertKind
        from .models import Hazard, MaintenanceTask, PatrolAlert
        from .selectors import open_hazards, overdue_hazards, overdue_tasks

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
            since = timezone.now() - timedelta(hours=24)
            alerts = scoped(PatrolAlert.objects.visible_to(user, "facilities.patrol.view")).filter(
                raised_at__gte=since, cleared_at__isnull=True
            )
            missed = alerts.filter(kind=AlertKind.MISSED_CHECKPOINT).count()
            idle = alerts.filter(kind=AlertKind.IDLE_GAP).count()
            cards.append(
                {
                    "title": _("Missed patrol checkpoints (24 h)"),
                    "value": missed,
                    "tone": "bad" if missed else "ok",
                    "link": reverse("console:facilities-dashboard"),
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
