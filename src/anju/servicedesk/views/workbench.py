"""客服工作台: the agent's phone intake, the queue by SLA, 我首问的 and return visits due."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic

from anju.core import attachments, policy
from anju.core.console import (
    StaffRequiredMixin,
    add_domain_errors,
)
from anju.core.errors import DomainError
from anju.core.models import Community, House

from .. import selectors, services
from ..actions import VIEW
from ..choices import (
    ACTIVE_STATUSES,
)
from ..forms import IntakeForm
from ..models import Ticket
from .common import decorate, many_communities, show_phone

QUEUE_SIZE = 40


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
                c["phone"] = show_phone(user, None, c["person"].phone)
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
        queue = selectors.staff_queue(tickets)[:QUEUE_SIZE]  # ordered in SQL, then cut
        mine = (
            tickets.filter(first_responder=user, status__in=ACTIVE_STATUSES)
            .select_related("house__building", "assignee", "community")
            .order_by("resolve_due_at")[:30]
        )
        visits_due = selectors.return_visits_due(
            selectors.return_visits_of(user, self.request.community_id)
        )
        visits = list(visits_due[:30])
        counts = selectors.desk_counts(tickets, now)
        # The page lists 30; the card counts them all, as the dashboard's card does.
        counts["visits"] = len(visits) if len(visits) < 30 else visits_due.count()
        communities = Community.objects.visible_to(user, VIEW).order_by("name")
        if self.request.community_id:
            communities = communities.filter(pk=self.request.community_id)
        ctx.update(
            title=_("Service desk"),
            cover=selectors.duty_cover(communities[:10], now=now),
            many_communities=many_communities(self.request),
            queue_more=max(counts["open"] - QUEUE_SIZE, 0),
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
