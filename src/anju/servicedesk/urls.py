from django.urls import path

from . import views

console_urlpatterns = [
    path("service/", views.WorkbenchView.as_view(), name="servicedesk-workbench"),
    path("service/kpis/", views.KpiView.as_view(), name="servicedesk-kpis"),
    path("service/sla/", views.SlaView.as_view(), name="servicedesk-sla"),
    path("service/roster/", views.RosterView.as_view(), name="servicedesk-roster"),
    path("service/skills/", views.SkillsView.as_view(), name="servicedesk-skills"),
    path("tickets/", views.TicketList.as_view(), name="ticket-list"),
    path("tickets/<int:pk>/", views.TicketDetail.as_view(), name="ticket-detail"),
    path("tickets/<int:pk>/do/<slug:action>/", views.ticket_action, name="ticket-action"),
    path("my-tasks/", views.MyTasks.as_view(), name="ticket-my-tasks"),
    path("my-tasks/<int:pk>/", views.MyTask.as_view(), name="ticket-my-task"),
    path("return-visits/", views.ReturnVisitList.as_view(), name="return-visit-list"),
]

portal_urlpatterns = [
    path("tickets/", views.PortalTicketList.as_view(), name="ticket-list"),
    path("tickets/new/", views.PortalTicketCreate.as_view(), name="ticket-create"),
    path("tickets/<int:pk>/", views.PortalTicketDetail.as_view(), name="ticket-detail"),
    path("tickets/<int:pk>/do/<slug:action>/", views.portal_ticket_action, name="ticket-action"),
]
