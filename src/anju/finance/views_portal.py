"""Resident pages of e-invoices (phone-first): 我的发票 (my invoices, their PDF links) and the
request form for paid bills of my homes; the local sandbox platform's invoice preview."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import generic

from anju.core.errors import DomainError
from anju.core.portal import ResidentMixin

from . import selectors, services
from .choices import BuyerKind


class MyInvoices(ResidentMixin, generic.TemplateView):
    template_name = "finance/portal/invoices.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        invoices = list(selectors.my_invoices(self.request.user).prefetch_related("lines")[:50])
        ctx.update(
            title=_("My invoices"),
            invoices=invoices,
            can_request=selectors.invoiceable_bills(self.request.user).exists(),
            request_url=reverse("portal:finance-invoice-request"),
        )
        return ctx


class RequestInvoice(ResidentMixin, generic.TemplateView):
    """开发票: tick paid bills (one home at a time), say who the invoice is for (an individual
    or a company with its tax number) and where to send it."""

    template_name = "finance/portal/request.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        bills = list(selectors.invoiceable_bills(self.request.user)[:60])
        values = kwargs.get("values") or {"buyer_kind": BuyerKind.PERSON, "bills": []}
        ctx.update(
            title=_("Request an e-invoice"),
            bills=bills,
            values=values,
            errors=kwargs.get("errors") or {},
            kinds=BuyerKind.choices,
        )
        return ctx

    def post(self, request):
        post = request.POST
        values = {
            "bills": [b for b in post.getlist("bills") if b.isdigit()],
            "title": post.get("title", ""),
            "tax_number": post.get("tax_number", ""),
            "email": post.get("email", ""),
            "buyer_kind": post.get("buyer_kind") or BuyerKind.PERSON,
        }
        try:
            services.request_invoice(
                actor=request.user,
                bills=[int(b) for b in values["bills"]],
                title=values["title"],
                tax_number=values["tax_number"],
                email=values["email"],
                buyer_kind=values["buyer_kind"],
            )
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            errors = exc.fields or {"bills": [exc.message]}
            return self.render_to_response(self.get_context_data(values=values, errors=errors))
        messages.success(
            request, _("Requested. The property office issues it; you are told when it is ready.")
        )
        return redirect("portal:finance-invoices")


class InvoicePreview(LoginRequiredMixin, generic.TemplateView):
    """The local sandbox platform's copy of an invoice (its "PDF link"): the buyer, the lines
    with the tax separated, the number; marked as a sandbox copy, not a tax document."""

    template_name = "finance/portal/preview.html"
    login_url = "/app/login/"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        invoice = (
            selectors.invoices(self.request.user)
            .filter(number=kwargs["number"])
            .prefetch_related("lines")
            .first()
        )
        if invoice is None:
            raise Http404
        red = self.request.GET.get("red") == "1"
        ctx.update(title=_("E-invoice"), invoice=invoice, red=red, lines=invoice.lines.all())
        return ctx
