"""The payment providers' notification endpoint (WeChat Pay; the test provider where it is
configured): verified by the provider adapter, idempotent, answered in the provider's format."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from anju.core.errors import DomainError

from . import providers, services
from .choices import PaymentMethod
from .models import (
    Payment,
)


def _callback_answer(code, message, status_code):
    """The error format, with the ``code``/``message`` pair WeChat Pay reads beside it."""
    body = {"error": {"code": code, "message": str(message), "fields": {}}}
    body.update(code="FAIL", message=str(message))
    return Response(body, status=status_code)


def _test_callback_allowed(request, adapter, result):
    """The test provider believes the paying user (session or token) or the payment's signed
    token; anyone else gets 403 (no credentials) or 404 (a login that cannot see it)."""
    token = adapter.token_from(dict(request.headers), request.body)
    if token:
        if not adapter.token_grants(token, result.payment_id):
            raise providers.CallbackForbidden(_("The payment token is invalid or has expired."))
        return
    if not request.user.is_authenticated:
        raise providers.CallbackForbidden(_("Sign in, or send the payment's token."))
    if (
        not Payment.objects.visible_to(request.user, "billing.payment.online")
        .filter(pk=result.payment_id, method=PaymentMethod.TEST)
        .exists()
    ):
        raise providers.CallbackNotFound(_("Not found."))


# The provider reads its own acknowledgement format ({"code": "SUCCESS" | "FAIL", "message"});
# a refusal carries the error format beside it.
PROVIDER_ACK = {
    "type": "object",
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
    "required": ["code", "message"],
}


class PlainText(Response):
    """A plain-text answer (what Alipay reads), left as it is by the API's error middleware."""

    def __init__(self, text, status=200):
        super().__init__(None, status=status)
        self.text = text

    @property
    def rendered_content(self):
        self["Content-Type"] = "text/plain; charset=utf-8"
        return self.text.encode()


def _alipay_callback(request):
    """Alipay's asynchronous notification (a form POST), answered in plain text: ``success``
    stops its retries, anything else has it retry. Verified by the adapter (RSA2, app_id); the
    amount must be the payment's, or nothing changes; duplicates change nothing."""
    try:
        adapter = providers.get_provider("alipay")
        result = adapter.parse_callback(dict(request.headers), request.body)
        if result.succeeded:
            services.confirm_online_payment(
                payment_id=result.payment_id,
                provider_ref=result.provider_ref,
                amount_fen=result.amount_fen,
                method=PaymentMethod.ALIPAY,
                strict_amount=True,
            )
    except DomainError as exc:
        status_code = 404 if exc.code == "not_found" else exc.status
        return PlainText("failure", status=status_code)
    return PlainText("success")


@extend_schema(
    request=None,
    responses=dict.fromkeys((200, 400, 401, 403, 404), PROVIDER_ACK),
)
@api_view(["POST"])
@permission_classes([AllowAny])
def payment_callback(request, provider):
    """Provider notifications. Verified by the provider adapter; duplicates change nothing. The
    test provider exists only where ANJU_PAYMENT_PROVIDER=test. Alipay (``alipay``) posts a
    form and reads the plain text ``success``."""
    if provider == "alipay":
        return _alipay_callback(request)
    if provider not in ("wechat", "test") or (
        provider == "test" and providers.provider_name() != "test"
    ):
        return _callback_answer("not_found", _("Unknown payment provider."), 404)
    try:
        adapter = providers.get_provider(provider)
        result = adapter.parse_callback(dict(request.headers), request.body)
        if provider == "test":
            _test_callback_allowed(request, adapter, result)
        if result.succeeded:
            services.confirm_online_payment(
                payment_id=result.payment_id,
                provider_ref=result.provider_ref,
                amount_fen=result.amount_fen,
                method=PaymentMethod.WECHAT if provider == "wechat" else PaymentMethod.TEST,
            )
    except DomainError as exc:
        status_code = 404 if exc.code == "not_found" else exc.status
        return _callback_answer(exc.code, exc.message, status_code)
    return Response({"code": "SUCCESS", "message": "OK"})
