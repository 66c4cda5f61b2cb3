"""Service-desk pages: the agent workbench (phone intake, SLA queue, 我首问的, return visits),
ticket pages, the technician's phone pages, KPIs, SLA settings, and the resident portal."""

import json
from datetime import timedelta

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.decorators.http import require_POST

from anju.core import policy
from anju.core.console import Column, ScopedListView, StaffRequiredMixin, get_scoped_object
from anju.core.crypto import mask_middle
from anju.core.errors import DomainError
from anju.core.models import Attachment, Community, House, Person
from anju.core.portal import ResidentMixin

from . import actions, conf, queries, services
from .choices import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    Category,
    Channel,
    Kind,
    Priority,
    ReturnVisitOutcome,
    Status,
    Urgency,
    WorkItemKind,
)
from .models import ReturnVisit, SlaPolicy, Ticket

VIEW = "servicedesk.ticket.view"


def fmt(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def due_text(ticket, now=None):
    due = ticket.current_due(now)
    if due is None:
        return ""
    step = {"accept": _("accept by"), "arrive": _("arrive by"), "resolve": _("resolve by")}[due[0]]
    return f"{step} {fmt(due[1])}"


def sla_tag(ticket, now=None):
    state = ticket.sla_state(now)
    label = {"ok": _("on time"), "warn": _("due soon"), "bad": _("overdue")}[state]
    if ticket.status == Status.WAITING:
        label = _("paused")
    return state, label


def decorate(tickets, now=None):
    now = now or timezone.now()
    rows = []
    for t in tickets:
        state, label = sla_tag(t, now)
        rows.append({"t": t, "sla": state, "sla_label": label, "due": due_text(t, now)})
    return rows


def _show_phone(user, community_id, phone):
    if policy.staff_has(user, "core.person.view_contact", community_id):
        return phone
    return mask_middle(phone) if phone else ""


def _attachments(ticket):
    return Attachment.objects.filter(
        content_type__model="ticket",
        content_type__app_label="servicedesk",
        object_id=str(ticket.pk),
    )


# Console: intake and workbench ---------------------------------------------------------------


class IntakeForm(forms.Form):
    community = forms.ModelChoiceField(Community.objects.none(), label=gettext_lazy("community"))
    house = forms.ModelChoiceField(
        House.objects.none(), label=gettext_lazy("house"), required=False
    )
    reporter = forms.ModelChoiceField(
        Person.objects.none(),
        label=gettext_lazy("reporter"),
        required=False,
        widget=forms.HiddenInput,
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("contact phone"), max_length=20, required=False
    )
    kind = forms.ChoiceField(choices=Kind.choices, label=gettext_lazy("kind"), initial=Kind.REPAIR)
    category = forms.ChoiceField(choices=Category.choices, label=gettext_lazy("category"))
    urgency = forms.ChoiceField(
        choices=Urgency.choices, label=gettext_lazy("urgency"), initial=Urgency.NORMAL
    )
    priority = forms.ChoiceField(
        choices=[("", gettext_lazy("from category and urgency"))] + list(Priority.choices),
        label=gettext_lazy("priority"),
        required=False,
    )
    priority_reason = forms.CharField(
        label=gettext_lazy("reason for the priority"), max_length=200, required=False
    )
    channel = forms.ChoiceField(
        choices=Channel.choices, label=gettext_lazy("channel"), initial=Channel.PHONE
    )
    location = forms.CharField(label=gettext_lazy("location"), max_length=200, required=False)
    description = forms.CharField(
        label=gettext_lazy("description"), widget=forms.Textarea(attrs={"rows": 3})
    )
    appointment_at = forms.DateTimeField(
        label=gettext_lazy("appointment"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, user=None, community_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        communities = Community.objects.visible_to(user, "servicedesk.ticket.create").order_by(
            "name"
        )
        self.fields["community"].queryset = communities
        houses = House.objects.visible_to(user, "servicedesk.ticket.create").select_related(
            "building"
        )
        if community_id:
            houses = houses.filter(community_id=community_id)
            self.fields["community"].initial = community_id
        self.fields["house"].queryset = houses.order_by("building__name", "number")
        self.fields["reporter"].queryset = Person.objects.visible_to(user, "core.person.view")


class WorkbenchView(StaffRequiredMixin, generic.TemplateView):
    """客服工作台: phone intake, the queue by SLA, 我首问的, return visits due today."""

    template_name = "servicedesk/workbench.html"
    permission = VIEW

    def tickets(self):
        qs = Ticket.objects.visible_to(self.request.user, VIEW)
        if self.request.community_id:
            qs = qs.filter(community_id=self.request.community_id)
        return qs

    def get_context_data(self, form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, now = self.request.user, timezone.now()
        tickets = self.tickets()
        phone = self.request.GET.get("phone", "").strip()
        callers = []
        if phone:
            community_ids = user.staff_community_ids()
            if self.request.community_id:
                community_ids = {self.request.community_id} & set(community_ids)
            orgs = {m.organization_id for m in user.active_memberships()} or set(
                Community.objects.filter(pk__in=community_ids).values_list(
                    "organization_id", flat=True
                )
            )
            callers = services.find_caller(orgs, phone, community_ids)
            for c in callers:
                c["phone"] = _show_phone(user, None, c["person"].phone)
                c["open_rows"] = decorate(c["open_tickets"], now)
        initial = {"contact_phone": phone if phone.isdigit() and len(phone) >= 7 else ""}
        if self.request.GET.get("house"):
            initial["house"] = self.request.GET["house"]
        if self.request.GET.get("person"):
            initial["reporter"] = self.request.GET["person"]
        community_id = self.request.community_id
        if initial.get("house"):
            house = House.objects.visible_to(user, VIEW).filter(pk=initial["house"]).first()
            if house is not None:
                community_id = house.community_id
                initial["community"] = house.community_id
        form = form or IntakeForm(user=user, community_id=community_id, initial=initial)
        queue = list(queries.staff_queue(tickets)[:40])
        queue.sort(key=lambda t: (t.status == Status.WAITING, t.current_due()[1]))
        mine = (
            tickets.filter(first_responder=user, status__in=ACTIVE_STATUSES)
            .select_related("house__building", "assignee")
            .order_by("resolve_due_at")[:30]
        )
        visits = queries.return_visits_due(
            ReturnVisit.objects.visible_to(user, "servicedesk.ticket.return_visit").filter(
                community_id__in=tickets.values("community_id").distinct()
            )
        )[:30]
        open_qs = tickets.filter(status__in=OPEN_STATUSES)
        counts = {
            "open": open_qs.count(),
            "unassigned": open_qs.filter(status=Status.NEW).count(),
            "overdue": open_qs.filter(resolve_due_at__lt=now)
            .exclude(status=Status.WAITING)
            .count(),
            "visits": len(visits),
        }
        ctx.update(
            title=_("Service desk"),
            phone=phone,
            callers=callers,
            form=form,
            queue=decorate(queue, now),
            mine=decorate(mine, now),
            visits=visits,
            counts=counts,
            now=now,
            can_create=policy.staff_has(user, "servicedesk.ticket.create"),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        if not policy.staff_has(request.user, "servicedesk.ticket.create"):
            raise PermissionDenied
        form = IntakeForm(request.POST, user=request.user, community_id=request.community_id)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.create_ticket(
                    actor=request.user,
                    community=data["community"],
                    house=data["house"],
                    reporter=data["reporter"],
                    kind=data["kind"],
                    category=data["category"],
                    urgency=data["urgency"],
                    priority=data["priority"] or None,
                    priority_reason=data["priority_reason"],
                    channel=data["channel"],
                    location=data["location"],
                    description=data["description"],
                    appointment_at=data["appointment_at"],
                    contact_phone=data["contact_phone"],
                    attachments=request.FILES.getlist("photos"),
                )
            except DomainError as exc:
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
                if not exc.fields:
                    form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("Ticket %(number)s opened.") % {"number": ticket.number}
                )
                return redirect("console:ticket-detail", ticket.pk)
        return self.render_to_response(self.get_context_data(form=form))


class TicketFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, label=gettext_lazy("status"))
    kind = django_filters.ChoiceFilter(choices=Kind.choices, label=gettext_lazy("kind"))
    category = django_filters.ChoiceFilter(choices=Category.choices, label=gettext_lazy("category"))
    priority = django_filters.ChoiceFilter(choices=Priority.choices, label=gettext_lazy("priority"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=gettext_lazy("channel"))
    mine = django_filters.BooleanFilter(
        method="filter_mine", label=gettext_lazy("I am first responder")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=gettext_lazy("overdue"))

    class Meta:
        model = Ticket
        fields = ["status", "kind", "category", "priority", "channel"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def filter_mine(self, queryset, name, value):
        return queryset.filter(first_responder=self.request.user) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if value:
            return queryset.filter(status__in=OPEN_STATUSES, resolve_due_at__lt=timezone.now())
        return queryset


class TicketList(ScopedListView):
    model = Ticket
    permission = VIEW
    title = gettext_lazy("Tickets")
    filterset_class = TicketFilter
    detail_url_name = "console:ticket-detail"
    search_fields = ["number", "description", "house__number", "contact_phone"]
    empty_text = gettext_lazy(
        "No ticket matches. Tickets come from the phone, the portal and other modules."
    )
    columns = [
        Column("number", gettext_lazy("number")),
        Column("opened_at", gettext_lazy("opened at")),
        Column("kind", gettext_lazy("kind")),
        Column("category", gettext_lazy("category")),
        Column("priority", gettext_lazy("priority"), value=lambda t: t.priority),
        Column(
            "house",
            gettext_lazy("house"),
            value=lambda t: str(t.house) if t.house_id else t.location,
        ),
        Column("status", gettext_lazy("status")),
        Column("assignee", gettext_lazy("assignee"), value=lambda t: str(t.assignee or "")),
        Column("due", gettext_lazy("next due"), value=due_text),
        Column("rating", gettext_lazy("rating")),
    ]

    def base_queryset(self):
        return Ticket.objects.select_related("house__building", "assignee")


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
            people = services._members(t.community, ["technician", "agent", "manager"])
            load = services.open_load([u.pk for u in people])
            workers = [(u, load.get(u.pk, 0)) for u in people if u.pk != t.assignee_id]
        state, label = sla_tag(t)
        ctx.update(
            title=t.number,
            allowed=allowed,
            action_pairs=[(a, actions.LABELS[a]) for a in allowed],
            labels=actions.LABELS,
            workers=workers,
            sla=state,
            sla_label=label,
            due=due_text(t),
            events=t.events.order_by("at", "id"),
            work_items=t.work_items.all(),
            attachments=_attachments(t),
            visits=t.return_visits.select_related("agent", "done_by"),
            pauses=t.pauses.all(),
            escalations=t.escalations.all(),
            priorities=Priority.choices,
            outcomes=ReturnVisitOutcome.choices,
            work_kinds=WorkItemKind.choices,
            contact_phone=_show_phone(user, t.community_id, t.contact_phone),
            children=t.children.all(),
            phone_layout=False,
        )
        return ctx


@require_POST
def ticket_action(request, pk, action):
    if not request.user.is_authenticated or not request.user.is_staff_member:
        return redirect("/console/login/")
    ticket = get_scoped_object(Ticket, request.user, pk, VIEW)
    try:
        actions.perform(request.user, ticket, action, request.POST, request.FILES)
    except DomainError as exc:
        first = next(iter(exc.fields.values()), [exc.message])[0] if exc.fields else exc.message
        messages.error(request, first)
    else:
        messages.success(
            request, _("%(action)s: done.") % {"action": actions.LABELS.get(action, action)}
        )
    target = request.POST.get("next") or reverse("console:ticket-detail", args=[pk])
    if not target.startswith("/console/"):
        target = reverse("console:ticket-detail", args=[pk])
    return redirect(target)


# Console: technician phone pages -------------------------------------------------------------


class MyTasks(StaffRequiredMixin, generic.TemplateView):
    """维修工: my tasks now, in order of due time; big buttons."""

    template_name = "servicedesk/my_tasks.html"
    permission = "servicedesk.ticket.work"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, now = self.request.user, timezone.now()
        mine = list(
            Ticket.objects.visible_to(user, VIEW)
            .filter(assignee=user, status__in=OPEN_STATUSES)
            .select_related("house__building", "community")
        )
        mine.sort(key=lambda t: (t.status == Status.WAITING, t.current_due()[1]))
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
        for row in ctx["rows"]:
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


# Console: KPIs, return visits, SLA ------------------------------------------------------------


class KpiView(StaffRequiredMixin, generic.TemplateView):
    template_name = "servicedesk/kpis.html"
    permission = "servicedesk.kpi.view"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        end = parse_date(self.request.GET.get("to", "") or "") or today
        start = parse_date(self.request.GET.get("from", "") or "") or end - timedelta(days=29)
        start = min(start, end)
        tickets = Ticket.objects.visible_to(user, "servicedesk.kpi.view")
        if self.request.community_id:
            tickets = tickets.filter(community_id=self.request.community_id)
        data = queries.kpis(tickets, start, end)
        communities = Community.objects.visible_to(user, "servicedesk.kpi.view").order_by("name")
        if self.request.community_id:
            communities = communities.filter(pk=self.request.community_id)
        compare = []
        for c in communities[:20]:
            counts = queries.on_time_counts(
                tickets.filter(
                    community_id=c.pk, opened_at__date__gte=start, opened_at__date__lte=end
                )
            )
            compare.append(
                {
                    "name": c.name,
                    **{
                        k: queries._ratio(counts[f"{k}_ok"], counts[f"{k}_total"])
                        for k in ("accept", "arrive", "resolve")
                    },
                }
            )
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
    model = ReturnVisit
    permission = "servicedesk.ticket.return_visit"
    title = gettext_lazy("Return visits")
    empty_text = gettext_lazy("No return visit. Every resolved ticket gets one.")
    columns = [
        Column("ticket", gettext_lazy("ticket"), value=lambda v: v.ticket.number),
        Column("due_at", gettext_lazy("due")),
        Column("status", gettext_lazy("status")),
        Column("agent", gettext_lazy("agent"), value=lambda v: str(v.agent or "")),
        Column("outcome", gettext_lazy("outcome")),
        Column("note", gettext_lazy("note")),
    ]

    def base_queryset(self):
        qs = ReturnVisit.objects.select_related("ticket", "agent")
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
            (Category(code).label, Priority(p).label, s)
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


# Portal (residents) ------------------------------------------------------------------------


def _resident_tickets(user):
    return Ticket.objects.visible_to(user, "servicedesk.ticket.resident").filter(
        Q(house_id__in=user.resident_house_ids()) | Q(reporter_id=user.person_id)
    )


class PortalTicketList(ResidentMixin, generic.TemplateView):
    template_name = "servicedesk/portal_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        tickets = (
            _resident_tickets(user).select_related("house__building").order_by("-opened_at")[:50]
        )
        houses = House.objects.filter(pk__in=user.resident_house_ids()).select_related(
            "building", "community"
        )
        rates = [{"house": h, **queries.resident_on_time(h)} for h in houses[:3]]
        ctx.update(title=_("My repairs"), rows=decorate(tickets), rates=rates)
        return ctx


class ReportForm(forms.Form):
    house = forms.ModelChoiceField(
        House.objects.none(),
        label=gettext_lazy("Where"),
        required=False,
        empty_label=gettext_lazy("Common area of my community"),
    )
    kind = forms.ChoiceField(choices=Kind.choices, label=gettext_lazy("kind"), initial=Kind.REPAIR)
    category = forms.ChoiceField(choices=Category.choices, label=gettext_lazy("What is it about"))
    urgency = forms.ChoiceField(
        choices=Urgency.choices, label=gettext_lazy("How urgent"), initial=Urgency.NORMAL
    )
    description = forms.CharField(
        label=gettext_lazy("Describe the problem"), widget=forms.Textarea(attrs={"rows": 4})
    )
    location = forms.CharField(
        label=gettext_lazy("Where exactly (for common areas)"), required=False, max_length=200
    )
    appointment_at = forms.DateTimeField(
        label=gettext_lazy("Preferred visit time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    photos = forms.FileField(
        label=gettext_lazy("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["house"].queryset = House.objects.filter(
            pk__in=user.resident_house_ids()
        ).select_related("building", "community")
        self.user = user


class PortalTicketCreate(ResidentMixin, generic.FormView):
    template_name = "servicedesk/portal_new.html"
    form_class = ReportForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self):
        houses = self.request.user.resident_house_ids()
        return {
            "house": houses[0] if houses else None,
            "kind": self.request.GET.get("kind", Kind.REPAIR),
        }

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("Report a repair")
        return ctx

    def form_valid(self, form):
        user, data = self.request.user, form.cleaned_data
        house = data["house"]
        community_ids = sorted(user.resident_community_ids())
        if house is None and not community_ids:
            form.add_error(None, _("No house is linked to your account yet."))
            return self.form_invalid(form)
        community = house.community if house else Community.objects.get(pk=community_ids[0])
        try:
            ticket = services.create_ticket(
                actor=user,
                community=community,
                house=house,
                kind=data["kind"],
                category=data["category"],
                urgency=data["urgency"],
                description=data["description"],
                location=data["location"],
                appointment_at=data["appointment_at"],
                channel=Channel.PORTAL,
                attachments=self.request.FILES.getlist("photos"),
            )
        except DomainError as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            if not exc.fields:
                form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Reported. Your number is %(number)s.") % {"number": ticket.number}
        )
        return redirect("portal:ticket-detail", ticket.pk)


class PortalTicketDetail(ResidentMixin, generic.DetailView):
    template_name = "servicedesk/portal_detail.html"
    context_object_name = "ticket"

    def get_queryset(self):
        return _resident_tickets(self.request.user).select_related(
            "house__building", "assignee", "community"
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        t = self.object
        state, label = sla_tag(t)
        ctx.update(
            title=t.number,
            sla=state,
            sla_label=label,
            due=due_text(t),
            events=t.events.filter(public=True).order_by("at", "id"),
            action_pairs=[
                (a, actions.LABELS[a])
                for a in actions.actions_for(self.request.user, t, as_staff=False)
            ],
            attachments=_attachments(t),
        )
        return ctx


@require_POST
def portal_ticket_action(request, pk, action):
    if not request.user.is_authenticated:
        return redirect("/app/login/")
    ticket = _resident_tickets(request.user).filter(pk=pk).first()
    if ticket is None:
        raise Http404
    try:
        actions.perform(request.user, ticket, action, request.POST, request.FILES, as_staff=False)
    except DomainError as exc:
        first = next(iter(exc.fields.values()), [exc.message])[0] if exc.fields else exc.message
        messages.error(request, first)
    else:
        messages.success(request, _("Thank you. Saved."))
    return redirect("portal:ticket-detail", pk)
