"""Console: the home claims review queue (业主认证审核)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views import generic

from anju.core.console import StaffRequiredMixin
from anju.core.errors import DomainError

from . import selectors, services
from .models import HouseClaim
from .portal import (  # noqa: F401 (the resident pages, for urls.py)
    ForgotPasswordView,
    HomesView,
    NotificationSettingsView,
    RegisterView,
    code_login,
    send_code,
)


class ClaimQueue(StaffRequiredMixin, generic.TemplateView):
    """Pending claims of the communities the user reviews, oldest first, with their evidence;
    approve, or reject with a reason."""

    template_name = "accounts/claims.html"
    permission = services.REVIEW

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        queue = selectors.review_queue(self.request.user).in_community(
            getattr(self.request, "community_id", None)
        )
        paginator = Paginator(queue, 50)
        page = paginator.get_page(self.request.GET.get("page"))
        ctx.update(
            title=_("Home claims"),
            claims=page.object_list,
            object_list=page.object_list,  # what the workbench card counts
            page_obj=page,
            paginator=paginator,
            is_paginated=page.has_other_pages(),
            querystring="",
        )
        return ctx

    def post(self, request, *args, **kwargs):
        claim = get_object_or_404(
            HouseClaim.objects.visible_to(request.user, services.REVIEW),
            pk=request.POST.get("claim") or 0,
        )
        try:
            if request.POST.get("action") == "approve":
                services.approve_claim(actor=request.user, claim=claim)
                messages.success(request, _("Claim approved."))
            else:
                services.reject_claim(
                    actor=request.user, claim=claim, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("Claim rejected."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("console:accounts-claims")
