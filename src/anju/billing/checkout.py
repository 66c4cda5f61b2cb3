"""Paying chosen bills online, shared by the payment API and the portal pay page: the payer's
own open bills, one channel, the provider's order for the payer's device."""

import contextlib

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from anju.core import policy
from anju.core.errors import DomainError, Forbidden

from . import payer, providers, services
from .choices import PayChannel
from .models import Bill, Payment


def own_bills(user, ids):
    """The bills ``ids`` of the user's homes that the user may pay online; 404 if any is not
    one of them (another's bill looks the same as none)."""
    try:
        ids = sorted({int(i) for i in ids})
    except (TypeError, ValueError) as exc:
        raise DomainError(
            _("Choose the bills to pay."), fields={"bills": [_("A list of bill ids.")]}
        ) from exc
    if not ids:
        raise DomainError(_("Choose the bills to pay."), fields={"bills": [_("Required.")]})
    bills = list(
        Bill.objects.visible_to(user, "billing.payment.online")
        .filter(pk__in=ids, house_id__in=user.resident_house_ids())
        .exclude(payer_kind="developer")
        .select_related("house", "house__building")
        .order_by("due_date", "pk")
    )
    if len(bills) != len(ids):
        raise Http404
    for community_id in {b.community_id for b in bills}:
        if not policy.user_has(user, "billing.payment.online", community_id):
            raise Forbidden(_("You cannot pay online here."))
    return bills


def payer_info(request, payment):
    return {
        "openid": payer.payer_openid(request),
        "client_ip": payer.client_ip(request),
        "return_url": request.build_absolute_uri(
            reverse("portal:billing-pay-status", args=[payment.pk])
        ),
    }


def begin(request, bill_ids, channel):
    """Start (or resume) the payment of the user's bills on ``channel``; returns
    ``(payment, order, created)``. The amount is what the bills owe, never the client's."""
    if channel not in PayChannel.values:
        raise DomainError(
            _("This payment method is not available."),
            code="bad_channel",
            fields={"channel": [_("Choose one of the offered payment methods.")]},
        )
    if channel not in providers.available_channels():
        raise DomainError(
            _("This payment method is not available."),
            code="bad_channel",
            fields={"channel": [_("Choose one of the offered payment methods.")]},
        )
    bills = own_bills(request.user, bill_ids)
    name = providers.provider_for_channel(channel)
    adapter = providers.get_provider(name)  # unconfigured: refused before anything is stored
    if channel == "jsapi" and name != "test" and not payer.payer_openid(request):
        raise DomainError(
            _("Open this page from the WeChat official account to pay in WeChat."),
            code="openid_required",
        )
    payment, created = services.start_bills_payment(
        actor=request.user, bills=bills, channel=channel, provider=name
    )
    order = adapter.create_order(payment, channel=channel, payer=payer_info(request, payment))
    return payment, order, created


def cancel(request, payment: Payment):
    payment = services.cancel_online_payment(actor=request.user, payment=payment)
    name = {"wechat": "wechat", "alipay": "alipay"}.get(payment.method)
    if name:
        with contextlib.suppress(DomainError):  # not configured: there is no order to close
            providers.get_provider(name).close_order(payment)
    return payment
