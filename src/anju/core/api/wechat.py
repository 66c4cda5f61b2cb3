"""Mini-program login (``POST /api/v1/auth/wechat/miniapp/``) and binding a WeChat to the
caller's login (``POST /api/v1/me/wechat/``); the protocol is core.wechat."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import logins, wechat
from ..errors import DomainError
from ..models import WechatIdentity
from ..outbound import OutboundError

MINIAPP = WechatIdentity.Kind.MINIAPP


class WechatNotBound(DomainError):
    """No login has this openid yet: the answer carries a ``bind_ticket`` for a later login."""

    code = "wechat_not_bound"
    status = 404


class WechatUnavailable(DomainError):
    code = "wechat_unavailable"
    status = 503


class MiniappLoginSerializer(serializers.Serializer):
    code = serializers.CharField(label=_("WeChat login code"), max_length=128)


class BindSerializer(serializers.Serializer):
    bind_ticket = serializers.CharField(max_length=1000)


class MiniappLoginView(APIView):
    """POST {"code"} (from ``wx.login``) -> {"token", "expires"} for the login bound to this
    mini-program user; 404 ``wechat_not_bound`` with a ``bind_ticket`` when none is: log in
    (``POST /api/v1/auth/token/`` with ``wechat_bind_ticket``) or call ``/api/v1/me/wechat/``
    with it, and the next mini-program login needs no password."""

    permission_classes = [AllowAny]
    authentication_classes = []
    serializer_class = MiniappLoginSerializer

    @extend_schema(
        request=MiniappLoginSerializer,
        responses={
            200: inline_serializer(
                "WechatTokenResponse",
                {"token": serializers.CharField(), "expires": serializers.DateTimeField()},
            )
        },
    )
    def post(self, request, *args, **kwargs):
        if not wechat.enabled(MINIAPP):
            raise NotFound(_("WeChat mini-program login is not set up."))
        serializer = MiniappLoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            found = wechat.miniapp_identity(serializer.validated_data["code"])
        except wechat.WechatError as exc:
            raise DomainError(
                _("WeChat did not accept this login code. Call wx.login again for a new one."),
                code="wechat_code_invalid",
                fields={"code": [_("WeChat did not accept this login code.")]},
                errcode=exc.errcode,
            ) from None
        except OutboundError:
            raise WechatUnavailable(_("WeChat cannot be reached now. Try again soon.")) from None
        appid = wechat.app(MINIAPP)["appid"]
        identity = wechat.identity_of(appid, found["openid"])
        if identity is None:
            raise WechatNotBound(
                _("This WeChat is not linked to a login yet. Log in once to link it."),
                bind_ticket=wechat.bind_ticket(app_id=appid, kind=MINIAPP, **found),
            )
        if not identity.user.is_active:
            raise WechatNotBound(
                _("This WeChat is not linked to a login yet. Log in once to link it.")
            )
        key, login = logins.issue_token(identity.user, request)
        return Response({"token": key, "expires": login.expires_at})


@extend_schema(
    request=BindSerializer,
    responses={200: inline_serializer("WechatBound", {"bound": serializers.BooleanField()})},
)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def me_wechat(request):
    """POST {"bind_ticket"}: bind the WeChat of a mini-program login to the caller's login."""
    serializer = BindSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    identity = wechat.bind_from_ticket(
        request.user, serializer.validated_data["bind_ticket"], actor=request.user
    )
    if identity is None:
        raise DomainError(
            _("The WeChat link expired or belongs to another login. Log in from WeChat again."),
            code="wechat_bind_refused",
            fields={"bind_ticket": [_("Expired, invalid or linked to another login.")]},
        )
    return Response({"bound": True})


urlpatterns = [
    path("auth/wechat/miniapp/", MiniappLoginView.as_view(), name="api-wechat-miniapp"),
    path("me/wechat/", me_wechat, name="api-me-wechat"),
]
