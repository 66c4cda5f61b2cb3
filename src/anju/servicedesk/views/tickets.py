"""Console ticket pages: the filtered list, a ticket with its actions, and the technician's
phone pages (my tasks).
"""

import django_filters
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import generic
from django.views.decorators.http import require_POST

from anju.core import attachments, formats
from anju.core.console import (
    Column,
    ScopedListView,
    StaffRequiredMixin,
    get_scoped_object,
)
from anju.core.errors import DomainError

from .. import actions, selectors, services
from ..actions import VIEW
from ..choices import (
    OPEN_STATUSES,
    Category,
    Channel,
    DutyRole,
    Kind,
    Priority,
    ReturnVisitOutcome,
    Status,
    WorkItemKind,
)
from ..models import Ticket
from ..rows import user_name
from .common import (
    action_forms,
    decorate,
    due_text,
    many_communities,
    refused,
    show_phone,
    sla_tag,
    ticket_attachments,
)


class TicketListFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, label=gettext_lazy("status"))
    kind = django_filters.ChoiceFilter(choices=Kind.choices, label=gettext_lazy("kind"))
    category = django_filters.ChoiceFilter(choices=Category.choices, label=gettext_lazy("category"))
    priority = django_filters.ChoiceFilter(choices=Priority.choices, label=gettext_lazy("priority"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=gettext_lazy("channel"))
    mine = django_filters.BooleanFilter(
        method="filter_mine", label=gettext_lazy("I am first responder")
    )
    open = django_filters.BooleanFilter(method="filter_open", label=gettext_lazy("open now"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=gettext_lazy("overdue"))

    class Meta:
        model = Ticket
        fields = ["status", "kind", "category", "priority", "channel"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def filter_mine(self, queryset, name, value):
        return queryset.filter(first_responder=self.request.user) if value else queryset

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.open() if value else queryset.exclude(status__in=OPEN_STATUSES)

    def filter_overdue(self, queryset, name, value):
        if value:
            return queryset.overdue()
        return queryset


class TicketList(ScopedListView):
    template_name = "servicedesk/list.html"  # console/list.html with the phone rules of its table
    model = Ticket
    permission = VIEW
    title = gettext_lazy("Tickets")
    filterset_class = TicketListFilter
    detail_url_name = "console:ticket-detail"
    search_fields = ["number", "description", "house__number", "contact_phone"]
    empty_text = gettext_lazy(
        "No ticket matches. Tickets come from the phone, the portal and other modules."
    )
    columns = [
        Column("number", pgettext_lazy("ticket", "number")),
        Column(
            "opened_at",
            pgettext_lazy("ticket", "opened at"),
            value=lambda t: formats.when(t.opened_at),
        ),
        Column("kind", gettext_lazy("kind")),
        Column("category", gettext_lazy("category")),
        Column("priority", gettext_lazy("priority"), value=lambda t: t.priority),
        Column(
            "house",
            gettext_lazy("house"),
            value=lambda t: str(t.house) if t.house_id else t.location,
        ),
        Column("status", gettext_lazy("status")),
        Column("assignee", gettext_lazy("assignee"), value=lambda t: user_name(t.assignee)),
        Column("due", gettext_lazy("next due"), value=due_text),
        Column("rating", gettext_lazy("rating")),
    ]
    community_column = Column(
        "community", gettext_lazy("community"), value=lambda t: t.community.name
    )

    def get(self, request, *args, **kwargs):
        if many_communities(request):  # numbers repeat across communities: name each one
            self.columns = [self.columns[0], self.community_column, *self.columns[1:]]
        return super().get(request, *args, **kwargs)

    def base_queryset(self):
        return Ticket.objects.select_related("house__building", "assignee", "community")


class TicketDetail(StaffRequiredMixin, generic.DetailView):
    template_name = "servicedesk/ticket_detail.html"
    permission = VIEW
    context_object_name = "ticket"

    def get_queryset(self):
        return Ticket.objects.visible_to(self.request.user, VIEW).select_related(
            "house__building",
            "community",
            "assignee",
            "first_responder",
            "reporter",
            "responded_by",
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        t, user = self.object, self.request.user
        allowed = actions.actions_for(user, t)
        workers = []
        if {"assign", "transfer"} & set(allowed):
            people = services.members(t.community, ["technician", "agent", "manager"])
            load = services.open_load([u.pk for u in people])
            workers = [(u, load.get(u.pk, 0)) for u in people if u.pk != t.assignee_id]
        state, label = sla_tag(t)
        ctx.update(
            title=t.number,
            # the dispatch form says when no technician is on duty now, and who is next
            duty_gaps=selectors.duty_gaps([t.community], roles=(DutyRole.TECHNICIAN,))
            if workers
            else [],
            allowed=allowed,
            action_pairs=action_forms(self.request, t, allowed),
            labels=actions.LABELS,
            workers=workers,
            sla=state,
            sla_label=label,
            due=due_text(t),
            events=t.events.order_by("at", "id"),
            work_items=t.work_items.all(),
            attachments=ticket_attachments(t),
            visits=t.return_visits.select_related("agent", "done_by"),
            pauses=t.pauses.all(),
            escalations=t.escalations.all(),
            priorities=Priority.choices,
            outcomes=ReturnVisitOutcome.choices,
            work_kinds=WorkItemKind.choices,
            contact_phone=show_phone(user, t.community_id, t.contact_phone),
            children=t.children.all(),
            phone_layout=False,
        )
        return ctx


@require_POST
def ticket_action(request, pk, action):
    if not request.user.is_authenticated or not request.user.is_staff_member:
        return redirect("/console/login/")
    ticket = get_scoped_object(Ticket, request.user, pk, VIEW)
    target = request.POST.get("next") or reverse("console:ticket-detail", args=[pk])
    if not target.startswith("/console/"):
        target = reverse("console:ticket-detail", args=[pk])
    try:
        actions.perform(request.user, ticket, action, request.POST, request.FILES)
    except DomainError as exc:
        return refused(request, ticket, action, exc, target)
    messages.success(
        request, _("%(action)s: done.") % {"action": actions.LABELS.get(action, action)}
    )
    return redirect(target)


class MyTasks(StaffRequiredMixin, generic.TemplateView):
    """维修工: my tasks now, in order of due time; big buttons."""

    template_name = "servicedesk/my_tasks.html"
    permission = "servicedesk.ticket.work"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, now = self.request.user, timezone.now()
        mine = list(selectors.open_tasks_for(user))
        photos = attachments.by_object(Ticket, [t.pk for t in mine])
        pool = (
            Ticket.objects.visible_to(user, VIEW)
            .filter(status=Status.NEW, kind=Kind.REPAIR)
            .count()
        )
        ctx.update(
            title=_("My tasks"),
            rows=decorate(mine, now),
            pool=pool,
            labels=actions.LABELS,
            done_today=Ticket.objects.filter(
                assignee=user, resolved_at__date=timezone.localdate()
            ).count(),
        )
        ctx["many_communities"] = many_communities(self.request)
        for row in ctx["rows"]:
            row["attachments"] = photos.get(row["t"].pk, [])
            row["actions"] = [
                (a, actions.LABELS[a])
                for a in actions.actions_for(user, row["t"])
                if a in ("accept", "arrive")
            ]
        return ctx


class MyTask(TicketDetail):
    template_name = "servicedesk/my_task.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["phone_layout"] = True
        return ctx
