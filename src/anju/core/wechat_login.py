"""The resident portal's WeChat login (/app/wechat/login/ and its callback) and unbinding on
the profile page; the protocol and the bindings are core.wechat."""

import logging

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import signin, wechat
from .models import WechatIdentity
from .outbound import OutboundError

log = logging.getLogger("anju.wechat")

MP = WechatIdentity.Kind.MP
SESSION_BACKEND = "anju.core.auth.UsernameOrPhoneBackend"
LOGIN_URL = "/app/login/"
PROFILE_URL = "/app/me/"


def safe_next(request, value) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return "/app/"


def start_url(next_url) -> str:
    return reverse("portal:wechat-login") + "?" + urlencode({"next": next_url})


def offered(request) -> bool:
    """Show the 微信登录 button: inside WeChat, with the official account configured."""
    return wechat.enabled(MP) and wechat.in_wechat(request)


def starts_by_itself(request) -> bool:
    """Inside WeChat, a page that sent the resident to log in starts the WeChat login at once
    (not a bare /app/login/, where one lands after logging out; not after a WeChat login that
    just failed or found no binding)."""
    return (
        settings.ANJU_WECHAT_AUTO_LOGIN
        and offered(request)
        and bool(request.GET.get("next"))
        and not wechat.has_pending(request)
        and not wechat.recently_tried(request)
    )


@require_GET
def login_start(request):
    if not wechat.enabled(MP):
        raise Http404
    next_url = safe_next(request, request.GET.get("next"))
    state = wechat.start_state(request, next_url)
    callback = request.build_absolute_uri(reverse("portal:wechat-callback"))
    return redirect(wechat.authorize_url(redirect_uri=callback, state=state))


def _back_to_login(request, message, next_url="/app/"):
    messages.error(request, message)
    return redirect(LOGIN_URL + "?" + urlencode({"next": next_url}))


@require_GET
def login_callback(request):
    if not wechat.enabled(MP):
        raise Http404
    next_url = wechat.check_state(request, request.GET.get("state"))
    if next_url is None:
        return _back_to_login(
            request, _("This WeChat login expired or was not started here. Please try again.")
        )
    code = request.GET.get("code")
    if not code:  # the person declined on WeChat's page
        return _back_to_login(request, _("WeChat login was cancelled."), next_url)
    try:
        found = wechat.oauth_identity(code)
    except (wechat.WechatError, OutboundError) as exc:
        log.warning("wechat oauth refused: %s", exc)
        return _back_to_login(
            request,
            _("WeChat did not confirm the login. Please try again, or log in with your phone."),
            next_url,
        )
    appid = wechat.app(MP)["appid"]
    identity = wechat.identity_of(appid, found["openid"])
    user = request.user
    if user.is_authenticated:  # linking from the profile page
        bound = wechat.bind(actor=user, user=user, app_id=appid, kind=MP, **found)
        if bound is None:
            messages.error(request, _("This WeChat is already linked to another login."))
        else:
            messages.success(request, _("WeChat is linked: next time it logs you in."))
        return redirect(next_url)
    if identity is not None and identity.user.is_active:
        signin.login(request, identity.user, backend=SESSION_BACKEND)
        return redirect(next_url)
    wechat.remember_pending(request, app_id=appid, kind=MP, **found)
    messages.info(
        request,
        _("Log in once with your phone number to link this WeChat; next time WeChat logs you in."),
    )
    return redirect(LOGIN_URL + "?" + urlencode({"next": next_url}))


@require_POST
def unbind(request, pk):
    if not request.user.is_authenticated:
        raise Http404
    identity = request.user.wechat_identities.filter(pk=pk).first()
    if identity is None:
        raise Http404
    wechat.unbind(identity, actor=request.user)
    messages.success(request, _("WeChat is unlinked: it no longer logs you in."))
    return redirect(PROFILE_URL)
