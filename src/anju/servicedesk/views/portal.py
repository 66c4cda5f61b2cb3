"""The resident portal's tickets: list, report, detail and the resident's actions."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import generic
from django.views.decorators.http import require_POST

from anju.core import attachments
from anju.core.console import (
    add_domain_errors,
)
from anju.core.errors import DomainError
from anju.core.models import Community, House
from anju.core.portal import ResidentMixin

from .. import actions, selectors, services
from ..choices import (
    Channel,
    Kind,
)
from ..forms import ReportForm
from .common import action_forms, decorate, due_text, refused, sla_tag, ticket_attachments


class PortalTicketList(ResidentMixin, generic.TemplateView):
    template_name = "servicedesk/portal_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        tickets = (
            selectors.resident_tickets(user)
            .select_related("house__building")
            .order_by("-opened_at")[:50]
        )
        houses = House.objects.filter(pk__in=user.resident_house_ids()).select_related(
            "building", "community"
        )
        rates = [{"house": h, **selectors.resident_on_time(h)} for h in houses[:3]]
        ctx.update(title=_("My repairs"), rows=decorate(tickets), rates=rates)
        return ctx


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
        return selectors.resident_tickets(self.request.user).select_related(
            "house__building", "assignee", "community"
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        t = self.object
        state, label = sla_tag(t)
        allowed = actions.actions_for(self.request.user, t, as_staff=False)
        ctx.update(
            title=t.number,
            sla=state,
            sla_label=label,
            due=due_text(t),
            events=t.events.filter(public=True).order_by("at", "id"),
            action_pairs=action_forms(self.request, t, allowed),
            # confirming a repair and rating it are one submit (rating optional)
            confirm_rates="confirm" in allowed and "rate" in allowed,
            attachments=ticket_attachments(t),
        )
        return ctx


@require_POST
def portal_ticket_action(request, pk, action):
    if not request.user.is_authenticated:
        return redirect("/app/login/")
    ticket = selectors.resident_tickets(request.user).filter(pk=pk).first()
    if ticket is None:
        raise Http404
    try:
        actions.perform(request.user, ticket, action, request.POST, request.FILES, as_staff=False)
    except DomainError as exc:
        return refused(request, ticket, action, exc, reverse("portal:ticket-detail", args=[pk]))
    messages.success(request, _("Thank you. Saved."))
    return redirect("portal:ticket-detail", pk)
