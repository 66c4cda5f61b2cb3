"""Resident portal (/app/): mobile-first pages for owners, tenants and family members."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django.views.decorators.http import require_POST

from . import privacy, services
from .models import House, Occupancy


class ResidentMixin(LoginRequiredMixin):
    login_url = "/app/login/"


class HomeView(ResidentMixin, generic.TemplateView):
    template_name = "portal/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        houses = House.objects.filter(pk__in=user.resident_house_ids()).select_related(
            "building", "community"
        )
        mine = (
            {
                o.house_id: o
                for o in Occupancy.objects.active()
                .filter(person_id=user.person_id)
                .select_related("house")
            }
            if user.person_id
            else {}
        )
        ctx.update(title=_("My home"), houses=[(h, mine.get(h.pk)) for h in houses])
        return ctx


@require_POST
def toggle_large_text(request):
    if request.user.is_authenticated:
        services.set_large_text(enabled=not request.user.large_text, actor=request.user)
    return redirect(request.POST.get("next") or "/app/me/")


def my_data(request):
    if not request.user.is_authenticated:
        return redirect("/app/login/")
    response = JsonResponse(
        privacy.personal_data(request.user), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = 'attachment; filename="anju-my-data.json"'
    return response
