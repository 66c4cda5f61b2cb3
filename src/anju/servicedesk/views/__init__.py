"""Service-desk pages, by audience: the agent's ``workbench``, the console ``tickets`` (list,
detail, the technician's phone pages), ``reports`` (KPIs, return visits, SLA), ``roster``
(duty roster, skills) and the resident ``portal``; ``common`` holds what they share."""

from .portal import PortalTicketCreate, PortalTicketDetail, PortalTicketList, portal_ticket_action
from .reports import KpiView, ReturnVisitList, SlaView
from .roster import RosterView, SkillsView
from .tickets import MyTask, MyTasks, TicketDetail, TicketList, ticket_action
from .workbench import WorkbenchView

__all__ = [
    "KpiView",
    "MyTask",
    "MyTasks",
    "PortalTicketCreate",
    "PortalTicketDetail",
    "PortalTicketList",
    "ReturnVisitList",
    "RosterView",
    "SkillsView",
    "SlaView",
    "TicketDetail",
    "TicketList",
    "WorkbenchView",
    "portal_ticket_action",
    "ticket_action",
]
