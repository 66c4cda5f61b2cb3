"""Service-desk pages: the agent workbench (phone intake, SLA queue, 我首问的, return visits),
ticket pages, the technician's phone pages, KPIs, SLA settings, and the resident portal."""

import json
from datetime import datetime, timedelta

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import generic
from django.views.decorators.http import require_POST

from anju.core import attachments, policy
from anju.core.console import (
    Column,
    ScopedListView,
    StaffRequiredMixin,
    add_domain_errors,
    get_scoped_object,
)
from anju.core.crypto import mask_middle
from anju.core.dates import parse_day, period
from anju.core.errors import DomainError
from anju.core.models import Community, House, Membership, Person, User
from anju.core.portal import ResidentMixin

from . import actions, conf, selectors, services
from .choices import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    Category,
    Channel,
    DutyRole,
    Kind,
    Priority,
    ReturnVisitOutcome,
    Skill,
    Status,
    Urgency,
    WorkItemKind,
)
from .models import DutyShift, ReturnVisit, SlaPolicy, StaffSkill, Ticket

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
    return attachments.of(ticket)


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
        queue = list(selectors.staff_queue(tickets)[:40])
        queue.sort(key=lambda t: (t.status == Status.WAITING, t.current_due()[1]))
        mine = (
            tickets.filter(first_responder=user, status__in=ACTIVE_STATUSES)
            .select_related("house__building", "assignee")
            .order_by("resolve_due_at")[:30]
        )
        visits = selectors.return_visits_due(
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
                    attachments=attachments.prepare(
                        request.FILES.getlist("photos"), field="photos"
                    ),
                )
            except DomainError as exc:
                add_domain_errors(form, exc)
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
            people = services.members(t.community, ["technician", "agent", "manager"])
            load = services.open_load([u.pk for u in people])
            workers = [(u, load.get(u.pk, 0)) for u in people if u.pk != t.assignee_id]
        state, label = sla_tag(t)
        ctx.update(
            title=t.number,
            allowed=allowed,
            action_pairs=_action_forms(self.request, t, allowed),
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
    target = request.POST.get("next") or reverse("console:ticket-detail", args=[pk])
    if not target.startswith("/console/"):
        target = reverse("console:ticket-detail", args=[pk])
    try:
        actions.perform(request.user, ticket, action, request.POST, request.FILES)
    except DomainError as exc:
        return _refused(request, ticket, action, exc, target)
    messages.success(
        request, _("%(action)s: done.") % {"action": actions.LABELS.get(action, action)}
    )
    return redirect(target)


KEPT = "servicedesk.refused_action"


def _refused(request, ticket, action, exc, target):
    """A refused action goes back to its form with what was typed and the reason beside it
    (files cannot be kept: the browser asks for them again)."""
    first = next(iter(exc.fields.values()), [exc.message])[0] if exc.fields else exc.message
    messages.error(request, first)
    request.session[KEPT] = {
        "ticket": ticket.pk,
        "action": action,
        "error": str(first),
        "data": {
            key: value
            for key, value in request.POST.items()
            if key not in ("csrfmiddlewaretoken", "next")
        },
    }
    return redirect(f"{target}#{action}")


def _action_forms(request, ticket, allowed):
    """(action, label, kept) for each allowed action; kept holds what a refused submission of
    that action typed, shown once."""
    kept = request.session.pop(KEPT, None) or {}
    if kept.get("ticket") != ticket.pk:
        kept = {}
    return [
        (
            a,
            actions.LABELS[a],
            {**kept.get("data", {}), "error": kept.get("error")} if kept.get("action") == a else {},
        )
        for a in allowed
    ]


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
                    k: selectors._ratio(
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


# Console: duty roster and skills -------------------------------------------------------------

ROSTER_VIEW = "servicedesk.ticket.dispatch"
ROSTER_MANAGE = "servicedesk.roster.manage"


def _week_start(value):
    day = parse_day(value) or timezone.localdate()
    return day - timedelta(days=day.weekday())


def _on_duty_rows(shifts):
    """[(duty label, [shift, ...]), ...] in the order agent, technician, manager."""
    rows = []
    for role, label in DutyRole.choices:
        these = [s for s in shifts if s.role == role]
        rows.append((role, label, these))
    return rows


class ShiftForm(forms.Form):
    """One shift on the roster: a day and a time span (ending at or before the start means the
    next morning, as night shifts do)."""

    community = forms.ModelChoiceField(Community.objects.none(), label=gettext_lazy("community"))
    user = forms.ModelChoiceField(User.objects.none(), label=gettext_lazy("staff"))
    role = forms.ChoiceField(choices=DutyRole.choices, label=gettext_lazy("duty"))
    day = forms.DateField(
        label=pgettext_lazy("shift", "day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    start = forms.TimeField(
        label=pgettext_lazy("shift", "starts"),
        initial="08:00",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    end = forms.TimeField(
        label=pgettext_lazy("shift", "ends"),
        initial="17:00",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args, user=None, community_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        communities = Community.objects.visible_to(user, ROSTER_MANAGE).order_by("name")
        if community_id:
            communities = communities.filter(pk=community_id)
        self.fields["community"].queryset = communities
        self.fields["user"].queryset = selectors.staff_in_scope(user, ROSTER_MANAGE).order_by(
            "first_name", "username"
        )
        self.fields["user"].label_from_instance = lambda u: u.get_full_name() or u.username

    def times(self):
        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        starts = timezone.make_aware(datetime.combine(data["day"], data["start"]), tz)
        end_day = data["day"] + timedelta(days=1 if data["end"] <= data["start"] else 0)
        ends = timezone.make_aware(datetime.combine(end_day, data["end"]), tz)
        return starts, ends


class RosterView(StaffRequiredMixin, generic.TemplateView):
    """排班: a week grid per community (staff x day), who is on duty now, add and remove shifts."""

    template_name = "servicedesk/roster.html"
    permission = ROSTER_VIEW

    def communities(self):
        communities = Community.objects.visible_to(self.request.user, ROSTER_VIEW).order_by("name")
        if self.request.community_id:
            communities = communities.filter(pk=self.request.community_id)
        return list(communities[:10])

    def get_context_data(self, form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, now = self.request.user, timezone.now()
        monday = _week_start(self.request.GET.get("week"))
        communities = self.communities()
        duty_now = selectors.on_duty_now([c.pk for c in communities], now)
        weeks = []
        for community in communities:
            roles = {}
            for role in reversed(selectors.SERVICE_ROLES):  # the first listed role wins
                for member in services.members(community, [role]):
                    roles[member.pk] = role
            staff = services.members(community, list(selectors.SERVICE_ROLES))
            week = selectors.roster_week(community, monday, staff, now, roles)
            week["can_manage"] = policy.staff_has(user, ROSTER_MANAGE, community.pk)
            week["on_duty"] = _on_duty_rows(duty_now.get(community.pk, []))
            weeks.append(week)
        can_manage = any(w["can_manage"] for w in weeks)
        if form is None and can_manage:
            today = timezone.localdate(now)
            default_day = today if monday <= today < monday + timedelta(days=7) else monday
            initial = {"day": parse_day(self.request.GET.get("day")) or default_day}
            for name in ("user", "role", "community"):
                if self.request.GET.get(name):
                    initial[name] = self.request.GET[name]
            if "community" not in initial and len(communities) == 1:
                initial["community"] = communities[0].pk
            form = ShiftForm(user=user, community_id=self.request.community_id, initial=initial)
        ctx.update(
            title=_("Duty roster"),
            monday=monday,
            sunday=monday + timedelta(days=6),
            previous_week=monday - timedelta(days=7),
            next_week=monday + timedelta(days=7),
            this_week=_week_start(None),
            today=timezone.localdate(now),
            weeks=weeks,
            form=form,
            can_manage=can_manage,
            now=now,
        )
        return ctx

    def _back(self, monday):
        return redirect(f"{reverse('console:servicedesk-roster')}?week={monday:%Y-%m-%d}")

    def post(self, request, *args, **kwargs):
        if not policy.staff_has(request.user, ROSTER_MANAGE):
            raise PermissionDenied
        action = request.POST.get("action", "add")
        monday = _week_start(request.POST.get("week"))
        if action == "delete":
            shift = get_scoped_object(
                DutyShift, request.user, request.POST.get("shift"), ROSTER_MANAGE
            )
            services.remove_duty_shift(actor=request.user, shift=shift)
            messages.success(
                request,
                _("Shift of %(name)s on %(day)s removed.")
                % {
                    "name": shift.user.get_full_name() or shift.user.username,
                    "day": f"{timezone.localtime(shift.starts_at):%m-%d %H:%M}",
                },
            )
            return self._back(monday)
        if action == "copy":
            community = get_scoped_object(
                Community, request.user, request.POST.get("community"), ROSTER_MANAGE
            )
            n = services.copy_duty_week(
                actor=request.user,
                community=community,
                from_day=monday - timedelta(days=7),
                to_day=monday,
            )
            messages.success(
                request,
                _("%(n)s shifts copied from the week before to %(community)s.")
                % {"n": n, "community": community.name},
            )
            return self._back(monday)
        form = ShiftForm(request.POST, user=request.user, community_id=request.community_id)
        if form.is_valid():
            starts, ends = form.times()
            data = form.cleaned_data
            try:
                services.add_duty_shift(
                    actor=request.user,
                    community=data["community"],
                    user=data["user"],
                    role=data["role"],
                    starts_at=starts,
                    ends_at=ends,
                )
            except DomainError as exc:
                add_domain_errors(form, exc, {"starts_at": "start", "ends_at": "end"})
            else:
                messages.success(request, _("Shift added."))
                return self._back(_week_start(f"{data['day']:%Y-%m-%d}"))
        self.request.GET = self.request.GET.copy()
        self.request.GET["week"] = f"{monday:%Y-%m-%d}"
        return self.render_to_response(self.get_context_data(form=form))


class SkillsView(StaffRequiredMixin, generic.TemplateView):
    """技能: the service staff with their skills, who is on duty now and their open tickets;
    managers edit the skills (automatic dispatch matches them to a ticket's category)."""

    template_name = "servicedesk/skills.html"
    permission = ROSTER_VIEW
    paginate_by = 50

    def staff(self):
        user = self.request.user
        staff = selectors.staff_in_scope(user, ROSTER_VIEW)
        community_id = self.request.community_id
        if community_id:
            staff = staff.filter(
                Q(memberships__communities=community_id)
                | Q(memberships__communities__isnull=True, memberships__active=True)
            ).distinct()
        role = self.request.GET.get("role")
        if role in selectors.SERVICE_ROLES:
            staff = staff.filter(memberships__role=role, memberships__active=True).distinct()
        skill = self.request.GET.get("skill")
        if skill in Skill.values:
            staff = staff.filter(
                pk__in=StaffSkill.objects.visible_to(user, ROSTER_VIEW)
                .filter(skill=skill)
                .values("user_id")
            )
        return staff.order_by("first_name", "username")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, now = self.request.user, timezone.now()
        staff = self.staff().prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(active=True).prefetch_related("communities"),
                to_attr="service_memberships",
            )
        )
        paginator = Paginator(staff, self.paginate_by)
        page = paginator.get_page(self.request.GET.get("page"))
        people = list(page.object_list)
        ids = [p.pk for p in people]
        skills = {}
        for row in StaffSkill.objects.visible_to(user, ROSTER_VIEW).filter(user_id__in=ids):
            skills.setdefault(row.user_id, []).append(row.skill)
        communities = Community.objects.visible_to(user, ROSTER_VIEW)
        if self.request.community_id:
            communities = communities.filter(pk=self.request.community_id)
        duty = {}
        for shifts in selectors.on_duty_now(communities.values_list("pk", flat=True), now).values():
            for shift in shifts:
                duty.setdefault(shift.user_id, []).append(shift)
        community_names = dict(
            Community.objects.values_list("pk", "name").filter(
                pk__in={s.community_id for v in duty.values() for s in v}
            )
        )
        load = services.open_load(ids)
        manageable = set(
            selectors.staff_in_scope(user, ROSTER_MANAGE)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
        rows = []
        for person in people:
            memberships = [
                m for m in person.service_memberships if m.role in selectors.SERVICE_ROLES
            ] or person.service_memberships
            roles = sorted({m.get_role_display() for m in memberships}, key=str)
            where = sorted({c.name for m in memberships for c in m.communities.all()}) or [
                _("all communities")
            ]
            own = sorted(skills.get(person.pk, []), key=lambda s: Skill.values.index(s))
            rows.append(
                {
                    "user": person,
                    "roles": roles,
                    "communities": where,
                    "skills": [(s, Skill(s).label) for s in own],
                    "skill_set": set(own),
                    "on_duty": [
                        {
                            "role": DutyRole(s.role).label,
                            "community": community_names.get(s.community_id, ""),
                            "until": s.ends_at,
                        }
                        for s in duty.get(person.pk, [])
                    ],
                    "load": load.get(person.pk, 0),
                    "can_edit": person.pk in manageable,
                }
            )
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx.update(
            title=_("Skills"),
            rows=rows,
            page_obj=page,
            paginator=paginator,
            is_paginated=page.has_other_pages(),
            querystring=query.urlencode(),
            skill_choices=Skill.choices,
            role_choices=[(r, label) for r, label in DutyRole.choices],
            selected_skill=self.request.GET.get("skill", ""),
            selected_role=self.request.GET.get("role", ""),
            on_duty_count=sum(1 for r in rows if r["on_duty"]),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        if not policy.staff_has(request.user, ROSTER_MANAGE):
            raise PermissionDenied
        person = (
            selectors.staff_in_scope(request.user, ROSTER_MANAGE)
            .filter(pk=request.POST.get("user") if request.POST.get("user", "").isdigit() else 0)
            .first()
        )
        if person is None:
            raise Http404
        organization = next(
            (
                m.organization
                for m in person.active_memberships()
                if policy.staff_has(request.user, ROSTER_MANAGE, organization_id=m.organization_id)
            ),
            None,
        )
        if organization is None:
            raise Http404
        try:
            chosen = services.set_skills(
                actor=request.user,
                organization=organization,
                user=person,
                skills=request.POST.getlist("skills"),
            )
        except DomainError as exc:
            first = next(iter(exc.fields.values()), [exc.message])[0] if exc.fields else exc.message
            messages.error(request, first)
        else:
            messages.success(
                request,
                _("Skills of %(name)s saved: %(skills)s.")
                % {
                    "name": person.get_full_name() or person.username,
                    "skills": "、".join(str(Skill(s).label) for s in chosen) or "—",
                },
            )
        target = request.POST.get("next") or reverse("console:servicedesk-skills")
        if not target.startswith("/console/"):
            target = reverse("console:servicedesk-skills")
        return redirect(f"{target}#staff-{person.pk}")


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
        rates = [{"house": h, **selectors.resident_on_time(h)} for h in houses[:3]]
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
                attachments=attachments.prepare(
                    self.request.FILES.getlist("photos"),
                    field="photos",
                    label=form.fields["photos"].label,
                ),
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
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
            action_pairs=_action_forms(
                self.request, t, actions.actions_for(self.request.user, t, as_staff=False)
            ),
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
        return _refused(request, ticket, action, exc, reverse("portal:ticket-detail", args=[pk]))
    messages.success(request, _("Thank you. Saved."))
    return redirect("portal:ticket-detail", pk)
