"""Console pages of e-invoices for finance: the list (requested ones first to issue, those whose
money went back marked 需要红冲) with issue buttons, and one invoice with its lines, the
platform's answer and the issue, red-letter and reject actions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import generic

from anju.core import audit, policy
from anju.core.console import StaffRequiredMixin
from anju.core.errors import DomainError

from . import selectors, services
from .choices import InvoiceStatus

PAGE = 50


class InvoiceList(StaffRequiredMixin, generic.TemplateView):
    permission = "finance.invoice.view"
    template_name = "finance/invoices.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request = self.request
        rows = selectors.invoices(request.user)
        if request.community_id and request.GET.get("all") != "1":
            rows = rows.in_community(request.community_id)
        status = request.GET.get("status", "")
        if request.GET.get("needs") == "reversal":
            rows = selectors.needing_reversal(rows)
        elif status in InvoiceStatus.values:
            rows = rows.filter(status=status)
        q = request.GET.get("q", "").strip()
        if q:
            rows = rows.filter(title__icontains=q) | rows.filter(invoice_number__icontains=q)
        page = Paginator(rows.order_by("-created_at", "-id"), PAGE).get_page(
            request.GET.get("page")
        )
        invoices = list(page.object_list)
        needs = selectors.needs_reversal_ids([i.pk for i in invoices])
        for invoice in invoices:
            invoice.needs_reversal = invoice.pk in needs
            invoice.can_issue = "issue" in invoice.machine.allowed_actions(invoice.status)
        query = request.GET.copy()
        query.pop("page", None)
        ctx.update(
            title=_("E-invoices"),
            invoices=invoices,
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.has_other_pages(),
            querystring=query.urlencode(),
            statuses=InvoiceStatus.choices,
            status=status,
            needs=request.GET.get("needs", ""),
            can_issue=policy.staff_has(request.user, "finance.invoice.issue"),
            configured=services.provider_configured(),
        )
        return ctx


class InvoiceDetail(StaffRequiredMixin, generic.TemplateView):
    permission = "finance.invoice.view"
    template_name = "finance/invoice_detail.html"

    def get_object(self):
        return get_object_or_404(
            selectors.invoices(self.request.user).prefetch_related("lines"), pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        invoice = self.get_object()
        ctx.update(
            title=str(invoice),
            invoice=invoice,
            lines=list(invoice.lines.all()),
            allowed=invoice.machine.allowed_actions(invoice.status),
            can_issue=self.can("finance.invoice.issue", invoice),
            needs_reversal=invoice.pk in selectors.needs_reversal_ids([invoice.pk]),
            history=audit.present(audit.history(invoice)[:100])
            if policy.staff_has(self.request.user, "core.audit.view")
            else None,
        )
        return ctx

    def post(self, request, pk):
        invoice = self.get_object()
        if not self.can("finance.invoice.issue", invoice):
            raise PermissionDenied
        action = request.POST.get("action")
        reason = request.POST.get("reason", "")
        try:
            if action == "reverse":
                services.reverse_invoice(actor=request.user, invoice=invoice, reason=reason)
                messages.success(request, _("Reversed by a red-letter invoice."))
            elif action == "reject":
                services.reject_invoice(actor=request.user, invoice=invoice, reason=reason)
                messages.success(request, _("Rejected; its bills may be invoiced again."))
            else:
                invoice = services.issue_invoice(actor=request.user, invoice=invoice)
                if invoice.status == InvoiceStatus.ISSUED:
                    messages.success(request, _("Issued."))
                elif invoice.status == InvoiceStatus.FAILED:
                    messages.error(request, invoice.message or _("The platform refused it."))
                else:
                    messages.info(request, _("Submitted; the platform is signing it."))
        except DomainError as exc:
            messages.error(request, exc.message)
        if request.POST.get("next") == "list":
            return redirect("console:finance-invoice-list")
        return redirect("console:finance-invoice-detail", pk=invoice.pk)
