"""Console KPIs, the return-visit list and the SLA settings page."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import generic

from anju.core import formats, policy
from anju.core.comparison import ratio
from anju.core.console import (
    Column,
    ScopedListView,
    StaffRequiredMixin,
    get_scoped_object,
)
from anju.core.dates import period
from anju.core.errors import DomainError
from anju.core.models import Community

from .. import conf, selectors, services
from ..actions import VIEW
from ..choices import (
    Category,
    Priority,
    Skill,
)
from ..models import ReturnVisit, SlaPolicy, Ticket
from ..rows import user_name
from .common import many_communities


class KpiView(StaffRequiredMixin, generic.TemplateView):
    template_name = "servicedesk/kpis.html"
    permission = "servicedesk.kpi.view"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        start, end = period(self.request.GET)
        tickets = Ticket.objects.visible_to(user, "servicedesk.kpi.view")
        if self.request.community_id:
            tickets = tickets.filter(community_id=self.request.community_id)
        data = selectors.kpis(tickets, start, end)
        communities = Community.objects.visible_to(user, "servicedesk.kpi.view").order_by("name")
        if self.request.community_id:
            communities = communities.filter(pk=self.request.community_id)
        communities = list(communities[:20])
        lo, hi = selectors.period_bounds(start, end)
        counts = {  # one grouped query for all the communities shown
            row["community_id"]: row
            for row in tickets.filter(
                community_id__in=[c.pk for c in communities], opened_at__gte=lo, opened_at__lt=hi
            )
            .values("community_id")
            .annotate(**selectors.on_time_expressions())
            .order_by()
        }
        compare = [
            {
                "name": c.name,
                **{
                    k: ratio(
                        counts.get(c.pk, {}).get(f"{k}_ok", 0),
                        counts.get(c.pk, {}).get(f"{k}_total", 0),
                    )
                    for k in ("accept", "arrive", "resolve")
                },
            }
            for c in communities
        ]
        ctx.update(
            title=_("Service KPIs"),
            data=data,
            start=start,
            end=end,
            chart_json=json.dumps(
                {"kpis": data, "compare": compare}, cls=DjangoJSONEncoder, ensure_ascii=False
            ),
        )
        return ctx


class ReturnVisitList(ScopedListView):
    template_name = "servicedesk/list.html"  # console/list.html with the phone rules of its table
    model = ReturnVisit
    permission = "servicedesk.ticket.return_visit"
    title = gettext_lazy("Return visits")
    empty_text = gettext_lazy("No return visit. Every resolved ticket gets one.")
    columns = [
        Column("ticket", pgettext_lazy("ticket", "number"), value=lambda v: v.ticket.number),
        Column("due_at", gettext_lazy("due"), value=lambda v: formats.when(v.due_at)),
        Column("status", gettext_lazy("status")),
        Column("agent", gettext_lazy("agent"), value=lambda v: user_name(v.agent)),
        Column("outcome", gettext_lazy("outcome")),
        Column("note", gettext_lazy("note")),
    ]

    def get(self, request, *args, **kwargs):
        if many_communities(request):
            community = Column(
                "community", gettext_lazy("community"), value=lambda v: v.ticket.community.name
            )
            self.columns = [self.columns[0], community, *self.columns[1:]]
        return super().get(request, *args, **kwargs)

    def base_queryset(self):
        qs = ReturnVisit.objects.select_related("ticket__community", "agent")
        if self.request.GET.get("due") == "today":  # the cards' count: due by tonight
            return selectors.return_visits_due(qs)
        status = self.request.GET.get("status", "pending")
        return qs.filter(status=status) if status in ReturnVisit.Status.values else qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["rows"] = [(obj.ticket, values) for obj, values in ctx["rows"]]
        ctx["detail_url_name"] = "console:ticket-detail"
        return ctx


class SlaView(StaffRequiredMixin, generic.TemplateView):
    """SLA 时限 per community and priority: policy rows over the level's settings template."""

    template_name = "servicedesk/sla.html"
    permission = VIEW

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        communities = Community.objects.visible_to(user, VIEW).order_by("name")
        if self.request.community_id:
            communities = communities.filter(pk=self.request.community_id)
        rows = []
        overrides = {
            (p.community_id, p.priority): p
            for p in SlaPolicy.objects.filter(community__in=communities)
        }
        for c in communities[:30]:
            for priority, label in Priority.choices:
                row = overrides.get((c.pk, priority))
                minutes = (
                    (row.accept_minutes, row.arrive_minutes, row.resolve_minutes)
                    if row
                    else conf.sla_minutes(c.service_level, priority)
                )
                rows.append(
                    {
                        "community": c,
                        "priority": priority,
                        "label": label,
                        "minutes": minutes,
                        "custom": row is not None,
                        "can_edit": policy.staff_has(user, "servicedesk.sla.manage", c.pk),
                    }
                )
        categories = [
            (Category(code).label, Priority(p).label, Skill(s).label if s in Skill.values else s)
            for code, (p, s) in conf.categories().items()
        ]
        ctx.update(
            title=_("SLA and categories"),
            rows=rows,
            categories=categories,
            escalation=conf.escalation_minutes(),
            return_visit_hours=conf.return_visit_hours(),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        community = get_scoped_object(Community, request.user, request.POST.get("community"), VIEW)
        if not policy.staff_has(request.user, "servicedesk.sla.manage", community.pk):
            raise PermissionDenied
        try:
            values = [int(request.POST.get(k) or 0) for k in ("accept", "arrive", "resolve")]
            services.set_sla_policy(
                actor=request.user,
                community=community,
                priority=request.POST.get("priority"),
                accept_minutes=values[0],
                arrive_minutes=values[1],
                resolve_minutes=values[2],
            )
            messages.success(request, _("Saved."))
        except (ValueError, DomainError) as exc:
            messages.error(request, getattr(exc, "message", _("Enter whole minutes.")))
        return redirect("console:servicedesk-sla")
