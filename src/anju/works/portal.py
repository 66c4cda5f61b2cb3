"""Resident portal (phone-first): my renovations (apply with the plan, the conditions of
approval, the inspections' findings, the deposit and its settlement, acknowledge it), and the
section of the resident home while a renovation needs the resident."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic

from anju.core.errors import DomainError
from anju.core.models import House
from anju.core.portal import ResidentMixin

from . import rules, selectors, services
from .choices import RenovationState

NEEDS_RESIDENT = (RenovationState.REFUNDED, RenovationState.STOPPED)


def _houses(user):
    return House.objects.filter(pk__in=user.resident_house_ids()).select_related("building")


class RenovationsView(ResidentMixin, generic.TemplateView):
    template_name = "works/portal_renovations.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = list(selectors.resident_renovations(self.request.user)[:20])
        for renovation in rows:
            found = [d for d in renovation.deposits.all() if d.state != "cancelled"]
            renovation.deposit = found[-1] if found else None
            renovation.findings = [i for i in renovation.inspections.all() if not i.passed]
            renovation.hours = rules.hours_text(renovation.community.jurisdiction)
        ctx.update(title=_("My renovation"), renovations=rows)
        return ctx


class ApplyView(ResidentMixin, generic.TemplateView):
    template_name = "works/portal_apply.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        ctx.update(
            title=_("Apply for a renovation"),
            houses=_houses(self.request.user),
            approval=rules.NEEDS_APPROVAL,
            prohibited=rules.PROHIBITED,
            source_note=rules.SOURCE_NOTE,
            values=kwargs.get("values") or {"starts": today.isoformat()},
            errors=kwargs.get("errors") or {},
        )
        return ctx

    def post(self, request):
        values = request.POST
        house = _houses(request.user).filter(pk=values.get("house") or 0).first()
        errors = {}
        if house is None:
            errors = {"house": [_("Choose your home.")]}
        else:
            try:
                services.apply(
                    actor=request.user,
                    house=house,
                    contractor=values.get("contractor", ""),
                    contractor_phone=values.get("contractor_phone", ""),
                    description=values.get("description", ""),
                    starts=values.get("starts", ""),
                    ends=values.get("ends", ""),
                    works=values.getlist("works"),
                    no_prohibited_works=values.get("no_prohibited_works") == "1",
                    plan=request.FILES.getlist("plan"),
                )
            except DomainError as exc:
                errors = exc.fields or {"description": [exc.message]}
            else:
                messages.success(
                    request, _("Applied. The service centre reviews it and tells you here.")
                )
                return redirect("portal:works-renovations")
        return self.render_to_response(self.get_context_data(values=values, errors=errors))


class AcknowledgeView(ResidentMixin, generic.View):
    def post(self, request, pk):
        renovation = selectors.resident_renovations(request.user).filter(pk=pk).first()
        if renovation is None:
            raise Http404
        try:
            services.acknowledge(actor=request.user, renovation=renovation)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Thank you: the settlement is acknowledged."))
        return redirect("portal:works-renovations")


def home_sections(request) -> list[dict]:
    user = request.user
    if not user.person_id:
        return []
    rows = list(
        selectors.resident_renovations(user)
        .filter(state__in=NEEDS_RESIDENT)
        .prefetch_related(None)[:5]
    )
    if not rows:
        return []
    return [
        {
            "order": 60,
            "title": _("My renovation"),
            "template": "works/home_section.html",
            "context": {"renovations": rows, "url": reverse("portal:works-renovations")},
        }
    ]
