"""The manager's facilities and safety dashboard (/console/facilities/)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import generic

from anju.core.console import StaffRequiredMixin
from anju.core.db.replica import ReplicaReadsMixin

from .. import selectors, services
from ..models import Asset, Certificate, Hazard, MaintenanceTask, PatrolAlert, PatrolShift
from .common import in_scope


class DashboardView(ReplicaReadsMixin, StaffRequiredMixin, generic.TemplateView):
    """The manager's facilities and safety dashboard."""

    template_name = "facilities/dashboard.html"
    permission = "facilities.asset.view"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        tasks = in_scope(
            self, MaintenanceTask.objects.visible_to(user, "facilities.maintenance.view")
        )
        certs = in_scope(self, Certificate.objects.visible_to(user, "facilities.asset.view"))
        assets = in_scope(self, Asset.objects.visible_to(user, "facilities.asset.view"))
        shifts = in_scope(self, PatrolShift.objects.visible_to(user, "facilities.patrol.view"))
        alerts = in_scope(self, PatrolAlert.objects.visible_to(user, "facilities.patrol.view"))
        hazards = in_scope(self, Hazard.objects.visible_to(user, "facilities.hazard.view"))
        overdue = (
            selectors.overdue_tasks(tasks, today).select_related("asset", "plan").order_by("due_on")
        )
        expiring = selectors.expiring_certificates(certs, 60, today).select_related("asset")
        equipment = selectors.expiring_equipment(assets, today=today)
        compliance = selectors.patrol_compliance_by_day(shifts, 14, today)
        week = services.compliance_rows(
            selectors.shifts_between(shifts, today - timedelta(days=6), today), "route"
        )
        expected = sum(r["expected"] or 0 for r in week)
        on_time = sum(r["on_time"] or 0 for r in week)
        recent_alerts = (
            alerts.filter(raised_at__gte=timezone.now() - timedelta(days=2))
            .select_related("checkpoint", "shift__route", "shift__guard")
            .order_by("-raised_at")[:15]
        )
        open_hazards = selectors.open_hazards(hazards).order_by("found_at")
        ctx.update(
            title=_("Facilities and safety"),
            overdue=overdue[:12],
            overdue_count=overdue.count(),
            expiring=[(c, c.days_left(today)) for c in expiring[:12]],
            expiring_count=expiring.count(),
            equipment=equipment[:12],
            equipment_count=equipment.count(),
            compliance=compliance,
            compliance_days=[d.strftime("%m-%d") for d, _r, _m in compliance],
            compliance_rates=[r if r is not None else 0 for _d, r, _m in compliance],
            compliance_missed=[m or 0 for _d, _r, m in compliance],
            week_rate=round(on_time * 100 / expected, 1) if expected else None,
            alerts=recent_alerts,
            hazard_ages=selectors.hazards_by_age(hazards),
            rectification_rates=selectors.rectification_rates(hazards),
            forecast=[
                (year, len(items), items[:6])
                for year, items in selectors.replacement_forecast(assets, 5, today)
            ],
            open_hazards=open_hazards[:10],
            open_hazard_count=open_hazards.count(),
            today=today,
        )
        return ctx
