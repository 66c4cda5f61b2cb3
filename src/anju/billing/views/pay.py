"""The resident's pay page: choose open bills (preselected from ``?bills=1,2``), pay on the
channel that fits the browser (JSAPI inside WeChat, H5 or Alipay in a phone browser, the
Native QR code or Alipay on a computer), then a status page that waits for the provider."""

from urllib.parse import quote

import segno
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import generic

from anju.core.errors import DomainError
from anju.core.models import House
from anju.core.portal import ResidentMixin

from .. import checkout, payer, providers, selectors, services
from ..choices import PayChannel, PaymentMethod, PaymentStatus
from ..models import Bill, Payment
from .common import bills_with_lines

ONLINE_METHODS = (PaymentMethod.WECHAT, PaymentMethod.ALIPAY, PaymentMethod.TEST)
SESSION_KEY = "anju.billing.order.%s"


def _ids(raw):
    ids = []
    for part in (raw or "").replace(" ", ",").split(","):
        if part.isdigit():
            ids.append(int(part))
    return ids


def offered_channels(request):
    kind = payer.browser_kind(request)
    available = providers.available_channels()
    return [(c, PayChannel(c).label) for c in payer.CHANNELS_FOR[kind] if c in available], kind


class PayPage(ResidentMixin, generic.TemplateView):
    """缴费: the resident's open bills by home, chosen ones ticked, the total, pay buttons."""

    template_name = "billing/portal_pay.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        chosen = set(kwargs.get("chosen") or _ids(",".join(self.request.GET.getlist("bills"))))
        bills = selectors.open_bills(
            selectors.of_party(
                Bill.objects.visible_to(user, "billing.payment.online").filter(
                    house_id__in=user.resident_house_ids()
                )
            )
        ).order_by("house_id", "due_date", "pk")
        bills = bills_with_lines(bills)
        houses = {
            h.pk: h
            for h in House.objects.filter(pk__in={b.house_id for b in bills}).select_related(
                "building", "community"
            )
        }
        house = self.request.GET.get("house", "")
        if not chosen and house.isdigit():  # "Pay now" of one home: its bills
            chosen = {b.pk for b in bills if b.house_id == int(house)}
        if not chosen and bills:  # nothing asked for: the first home's bills
            chosen = {b.pk for b in bills if b.house_id == bills[0].house_id}
        groups = []
        for bill in bills:
            if not groups or groups[-1][0].pk != bill.house_id:
                groups.append((houses[bill.house_id], []))
            groups[-1][1].append((bill, bill.pk in chosen))
        total = sum((b.balance for b in bills if b.pk in chosen), 0)
        channels, kind = offered_channels(self.request)
        ctx.update(
            title=_("Pay bills"),
            groups=groups,
            total=total,
            channels=channels,
            browser=kind,
        )
        return ctx

    def post(self, request):
        ids = [int(i) for i in request.POST.getlist("bills") if i.isdigit()]
        channel = request.POST.get("channel", "")
        try:
            payment, order, _created = checkout.begin(request, ids, channel)
        except DomainError as exc:
            messages.error(request, exc.message)
            pending = exc.extra.get("payment")
            if pending:
                return redirect("portal:billing-pay-status", pending)
            return self.render_to_response(self.get_context_data(chosen=ids))
        request.session[SESSION_KEY % payment.pk] = order
        status_url = reverse("portal:billing-pay-status", args=[payment.pk])
        if order.get("pay_url"):  # Alipay's gateway, or the test provider's page
            return redirect(order["pay_url"])
        if order.get("h5_url"):  # WeChat's H5 cashier sends the payer back to the status page
            back = quote(request.build_absolute_uri(status_url), safe="")
            return redirect(f"{order['h5_url']}&redirect_url={back}")
        return redirect(status_url)  # jsapi (the page invokes WeChat) and native (QR code)


def _own_online_payment(request, pk):
    return get_object_or_404(
        Payment.objects.visible_to(request.user, "billing.payment.view").filter(
            house_id__in=request.user.resident_house_ids(), method__in=ONLINE_METHODS
        ),
        pk=pk,
    )


class PayStatus(ResidentMixin, generic.TemplateView):
    """One online payment: while pending, WeChat is invoked (JSAPI) or the QR code shown
    (Native) and the page polls until the provider's notification has come in."""

    template_name = "billing/portal_pay_status.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        payment = _own_online_payment(self.request, kwargs["pk"])
        order = self.request.session.get(SESSION_KEY % payment.pk) or {}
        qr = ""
        if payment.status == PaymentStatus.PENDING and order.get("code_url"):
            qr = segno.make(order["code_url"], error="m").svg_data_uri(scale=6, border=2)
        ctx.update(
            title=_("Payment"),
            payment=payment,
            bills=payment.bills.select_related("house__building").order_by("due_date"),
            jsapi=order.get("jsapi") if payment.status == PaymentStatus.PENDING else None,
            qr=qr,
            status_url=reverse("portal:billing-pay-status-json", args=[payment.pk]),
        )
        return ctx


class PayStatusJson(ResidentMixin, generic.View):
    """What the status page polls: the payment's status and, once paid, its receipt."""

    def get(self, request, pk):
        payment = _own_online_payment(request, pk)
        if services.check_online_payment(payment):  # its notification is late: the provider said
            payment.refresh_from_db()
        data = {"id": payment.pk, "status": payment.status}
        if payment.status == PaymentStatus.SUCCEEDED:
            data.update(
                receipt_number=payment.receipt_number,
                receipt_url=reverse("portal:billing-my-receipt", args=[payment.pk]),
            )
        return JsonResponse(data)


class PayCancel(ResidentMixin, generic.View):
    def post(self, request, pk):
        payment = _own_online_payment(request, pk)
        if payment.status != PaymentStatus.PENDING:
            raise Http404
        checkout.cancel(request, payment)
        request.session.pop(SESSION_KEY % payment.pk, None)
        messages.info(request, _("The payment was cancelled; the bills can be paid again."))
        ids = ",".join(str(i) for i in payment.bills.values_list("pk", flat=True))
        return redirect(f"{reverse('portal:billing-pay-page')}?bills={ids}")
