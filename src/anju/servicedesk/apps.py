from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig
from anju.core.choices import Role


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
    # The technician's home is the field page (facilities), which reads ``selectors``.
    role_homes = {Role.AGENT: "console:servicedesk-workbench"}
    role_work = {
        Role.AGENT: [
            "console:servicedesk-workbench",
            "console:ticket-list",
            "console:return-visit-list",
        ],
        Role.TECHNICIAN: ["console:ticket-my-tasks"],
        Role.MANAGER: [
            "console:servicedesk-kpis",
            "console:ticket-list",
            "console:servicedesk-roster",
            "console:servicedesk-sla",
        ],
    }
    audit_labels = {
        "servicedesk.ticket.opened": _("Ticket opened"),
        "servicedesk.ticket.assigned": _("Ticket dispatched"),
        "servicedesk.ticket.transferred": _("Ticket transferred"),
        "servicedesk.ticket.accepted": _("Ticket accepted"),
        "servicedesk.ticket.declined": _("Ticket declined"),
        "servicedesk.ticket.arrived": _("Technician arrived on site"),
        "servicedesk.ticket.paused": _("Ticket waiting for the resident"),
        "servicedesk.ticket.resumed": _("Ticket clock running again"),
        "servicedesk.ticket.appointment_set": _("Ticket appointment set"),
        "servicedesk.ticket.work_recorded": _("Material or labour recorded"),
        "servicedesk.ticket.triaged": _("Ticket priority changed"),
        "servicedesk.ticket.noted": _("Note added to a ticket"),
        "servicedesk.ticket.resolved": _("Ticket resolved"),
        "servicedesk.ticket.confirmed": _("Repair confirmed by the resident"),
        "servicedesk.ticket.reopened": _("Ticket reopened"),
        "servicedesk.ticket.rated": _("Ticket rated"),
        "servicedesk.ticket.return_visited": _("Return visit recorded"),
        "servicedesk.ticket.closed": _("Ticket closed"),
        "servicedesk.ticket.cancelled": _("Ticket cancelled"),
        "servicedesk.ticket.responded": _("Written response to a complaint"),
        "servicedesk.ticket.escalated": _("Ticket escalated"),
        "servicedesk.skills.set": _("Skills set"),
        "servicedesk.skill.added": _("Skill added"),
        "servicedesk.skill.changed": _("Skill changed"),
        "servicedesk.skill.removed": _("Skill removed"),
        "servicedesk.duty.added": _("Duty shift added"),
        "servicedesk.duty.changed": _("Duty shift changed"),
        "servicedesk.duty.removed": _("Duty shift removed"),
        "servicedesk.duty.copied": _("Duty roster copied"),
        "servicedesk.sla.set": _("SLA time limits changed"),
    }

    def resident_home(self, request):
        from .views.home import home_sections

        return home_sections(request)

    def dashboard_cards(self, request):
        from anju.core import policy

        from . import selectors
        from .models import Ticket

        user = request.user
        if not policy.staff_has(user, "servicedesk.ticket.view"):
            return []
        tickets = Ticket.objects.visible_to(user, "servicedesk.ticket.view")
        if request.community_id:
            tickets = tickets.in_community(request.community_id)  # as the linked lists do
        counts = selectors.desk_counts(tickets)
        overdue = counts["overdue"]
        cards = [
            {
                "title": _("Open tickets"),
                "value": counts["open"],
                "link": "/console/tickets/?open=true",
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
        mine = (
            selectors.open_tasks_for(user).count()
            if policy.staff_has(user, "servicedesk.ticket.work")
            else 0
        )
        if mine:
            cards.append(
                {
                    "title": _("My tasks"),
                    "value": mine,
                    "link": "/console/my-tasks/",
                    "tone": "warn",
                    "note": "",
                }
            )
        if policy.staff_has(user, "servicedesk.ticket.return_visit"):
            visits = selectors.return_visits_of(user, request.community_id)
            n = selectors.return_visits_due(visits).count()
            cards.append(
                {
                    "title": _("Return visits due"),
                    "value": n,
                    "link": "/console/return-visits/?due=today",
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
