from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig


class ServicedeskConfig(AnjuAppConfig):
    name = "anju.servicedesk"
    label = "servicedesk"
    verbose_name = _("Service desk")

    console_nav = [
        (
            _("Service workbench"),
            "console:servicedesk-workbench",
            "servicedesk.ticket.create",
            "service",
        ),
        (_("My tasks"), "console:ticket-my-tasks", "servicedesk.ticket.work", "service"),
        (_("Tickets"), "console:ticket-list", "servicedesk.ticket.view", "service"),
        (
            _("Return visits"),
            "console:return-visit-list",
            "servicedesk.ticket.return_visit",
            "service",
        ),
        (_("Service KPIs"), "console:servicedesk-kpis", "servicedesk.kpi.view", "service"),
        (_("Duty roster"), "console:servicedesk-roster", "servicedesk.ticket.dispatch", "service"),
        (_("Skills"), "console:servicedesk-skills", "servicedesk.ticket.dispatch", "service"),
        (
            _("SLA and categories"),
            "console:servicedesk-sla",
            "servicedesk.ticket.dispatch",
            "service",
        ),
    ]
    portal_nav = [
        (_("Repairs"), "portal:ticket-list", "🔧"),
    ]

    def dashboard_cards(self, request):
        from anju.core import policy

        from . import selectors
        from .models import ReturnVisit, Ticket

        user = request.user
        if not policy.staff_has(user, "servicedesk.ticket.view"):
            return []
        tickets = Ticket.objects.visible_to(user, "servicedesk.ticket.view")
        if request.community_id:
            tickets = tickets.in_community(request.community_id)  # as the linked lists do
        works = policy.staff_has(user, "servicedesk.ticket.work")
        counts = selectors.desk_counts(tickets, assignee=user if works else None)
        overdue = counts["overdue"]
        cards = [
            {
                "title": _("Open tickets"),
                "value": counts["open"],
                "link": "/console/service/",
                "tone": "ok" if not overdue else "warn",
                "note": _("%(n)s due within 2 hours") % {"n": counts["due_soon"]},
            },
            {
                "title": _("Overdue tickets"),
                "value": overdue,
                "link": "/console/tickets/?overdue=true",
                "tone": "bad" if overdue else "ok",
                "note": "",
            },
        ]
        if counts.get("mine"):
            cards.append(
                {
                    "title": _("My tasks"),
                    "value": counts["mine"],
                    "link": "/console/my-tasks/",
                    "tone": "warn",
                    "note": "",
                }
            )
        if policy.staff_has(user, "servicedesk.ticket.return_visit"):
            visits = ReturnVisit.objects.visible_to(user, "servicedesk.ticket.return_visit")
            if request.community_id:
                visits = visits.in_community(request.community_id)
            n = selectors.return_visits_due(visits).count()
            cards.append(
                {
                    "title": _("Return visits due"),
                    "value": n,
                    "link": "/console/return-visits/",
                    "tone": "warn" if n else "ok",
                    "note": "",
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
        from .models import Ticket

        if not user.person_id:
            return {}
        tickets = Ticket.objects.filter(reporter_id=user.person_id).order_by("opened_at")
        return {
            "tickets": [
                {
                    "number": t.number,
                    "kind": t.kind,
                    "category": t.category,
                    "description": t.description,
                    "status": t.status,
                    "opened_at": t.opened_at.isoformat(),
                    "rating": t.rating,
                    "rating_comment": t.rating_comment,
                    "contact_phone": t.contact_phone,
                }
                for t in tickets
            ]
        }
