"""Resident portal (/app/): mobile-first pages for owners, tenants and family members."""

import json

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django.views.decorators.http import require_POST

from . import privacy, services
from .apps import anju_apps
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
        ctx.update(
            title=_("My home"),
            houses=[(h, mine.get(h.pk)) for h in houses],
            sections=home_sections(self.request),
        )
        return ctx


def home_sections(request) -> list[dict]:
    """What needs the resident now: every app's ``resident_home`` sections, by ``order``; an
    app with nothing to show contributes none."""
    sections = []
    for config in anju_apps():
        sections.extend(s for s in config.resident_home(request) if s)
    return sorted(sections, key=lambda s: s["order"])


THEME_COLOR = "#0f6cbd"  # the portal header's brand blue (app.css --brand)


def manifest(request):
    """The web app manifest: 安居 on the phone's home screen, opening the resident home."""
    data = {
        "name": gettext("Anju"),
        "short_name": gettext("Anju"),
        "description": gettext("My home: bills, repairs, notices and votes"),
        "start_url": "/app/",
        "scope": "/app/",
        "display": "standalone",
        "background_color": "#f4f6f9",
        "theme_color": THEME_COLOR,
        "lang": get_language() or "zh-hans",
        "icons": [
            {"src": static(f"anju/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
            for size in (192, 512)
        ]
        + [
            {
                "src": static("anju/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            }
        ],
    }
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/manifest+json"
    )


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
