"""The resident portal: my bills, paying online, my receipts and bill PDFs."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import generic

from anju.core import policy
from anju.core.errors import DomainError
from anju.core.models import House
from anju.core.portal import ResidentMixin

from .. import pdf, providers, selectors, services
from ..choices import BillStatus, PaymentMethod, PaymentStatus
from ..models import Bill, Payment, Wallet
from .common import bills_with_lines, receipt_response

# --- portal --------------------------------------------------------------------------------------


class MyBills(ResidentMixin, generic.TemplateView):
    """我的账单: open bills with how each line was computed, the prepayment balance, pay."""

    template_name = "billing/portal_bills.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        house_ids = self.request.user.resident_house_ids()
        bills = selectors.resident_bills(self.request.user)
        houses = House.objects.filter(pk__in=house_ids).select_related("building", "community")
        ctx.update(
            title=_("My bills"),
            houses=[
                (h, selectors.house_arrears(h), Wallet.objects.filter(house=h).first())
                for h in houses
            ],
            open_bills=bills_with_lines(selectors.open_bills(bills).order_by("due_date")),
            paid_bills=bills.filter(status=BillStatus.PAID)
            .select_related("house__building")
            .order_by("-period_start")[:24],
            payments=Payment.objects.visible_to(self.request.user, "billing.payment.view")
            .filter(house_id__in=house_ids, status=PaymentStatus.SUCCEEDED)
            .select_related("house__building")[:24],
        )
        return ctx


class PortalPay(ResidentMixin, generic.View):
    def post(self, request):
        house = get_object_or_404(
            House.objects.filter(pk__in=request.user.resident_house_ids()),
            pk=request.POST.get("house"),
        )
        if not policy.user_has(request.user, "billing.payment.online", house.community_id):
            raise PermissionDenied
        name = providers.provider_name()
        try:
            adapter = providers.get_provider(name)
            payment = services.start_online_payment(
                actor=request.user,
                house=house,
                provider=name,
                amount=request.POST.get("amount") or None,
            )
            order = adapter.create_order(payment)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("portal:billing-bills")
        if order.get("pay_url"):
            return redirect(order["pay_url"])
        return redirect(f"{reverse('portal:billing-bills')}?code_url={order.get('code_url', '')}")


class TestPay(ResidentMixin, generic.TemplateView):
    """The test provider's pay page (stands in for the wallet app); only when it is configured."""

    template_name = "billing/portal_testpay.html"

    def dispatch(self, request, *args, **kwargs):
        if providers.provider_name() != "test":
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def _payment(self, pk):
        return get_object_or_404(
            Payment.objects.visible_to(self.request.user, "billing.payment.view"),
            pk=pk,
            method=PaymentMethod.TEST,
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(title=_("Pay"), payment=self._payment(kwargs["pk"]))
        return ctx

    def post(self, request, pk):
        payment = self._payment(pk)
        services.confirm_online_payment(
            payment_id=payment.pk,
            provider_ref=f"TEST-{payment.pk}",
            amount_fen=int(payment.amount * 100),
            actor=request.user,
        )
        messages.success(request, _("Paid. Thank you!"))
        if payment.channel:  # started on the pay page: back to its status page
            return redirect("portal:billing-pay-status", payment.pk)
        return redirect("portal:billing-bills")


class MyReceipt(ResidentMixin, generic.View):
    def get(self, request, pk):
        payment = get_object_or_404(
            Payment.objects.visible_to(request.user, "billing.payment.view").filter(
                house_id__in=request.user.resident_house_ids()
            ),
            pk=pk,
            status=PaymentStatus.SUCCEEDED,
        )
        return receipt_response(payment)


class MyBillPdf(ResidentMixin, generic.View):
    def get(self, request, pk):
        bill = get_object_or_404(
            Bill.objects.visible_to(request.user, "billing.bill.view").filter(
                house_id__in=request.user.resident_house_ids()
            ),
            pk=pk,
        )
        response = HttpResponse(pdf.bill_pdf(bill), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="bill-{bill.pk}.pdf"'
        return response
