"""WeChat (微信): residents sign in from the official account (公众号) and the mini program
(小程序), and receive subscribe messages (订阅消息).

- Web OAuth (``snsapi_base``, or ``snsapi_userinfo`` by ``ANJU_WECHAT_OAUTH_SCOPE``): /app/
  sends the browser to WeChat's authorize page with a signed ``state`` kept in the session;
  the callback exchanges the ``code`` for an openid at ``sns/oauth2/access_token``
  (core.wechat_login). A bound openid signs its user in through ``core.signin.login`` (a Login
  row, as any login); an unbound one waits in the session until the person logs in or
  registers, when ``bind_pending_openid`` (a ``user_logged_in`` receiver) binds it.
- Mini program: ``POST /api/v1/auth/wechat/miniapp/`` exchanges a ``wx.login`` code at
  ``sns/jscode2session``; a bound openid gets a token as the token login gives, an unbound one
  a 404 ``wechat_not_bound`` with a signed bind ticket that a later login presents.
- ``WechatSubscribeChannel``: a notification channel for the notification centre, calling
  ``cgi-bin/message/subscribe/send`` with an access token from ``cgi-bin/stable_token``, cached
  until shortly before it expires.

Every call to WeChat goes to ``ANJU_WECHAT_API_BASE``; a refusal is ``WechatError`` with
WeChat's ``errcode``, never a crash of the page or the notification that asked.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from . import audit
from .models import WechatIdentity
from .outbound import OutboundError, call

log = logging.getLogger("anju.wechat")

STATE_KEY = "_anju_wechat_state"
PENDING_KEY = "_anju_wechat_pending"
TRIED_KEY = "_anju_wechat_tried"
STATE_SALT = "anju.core.wechat.state"
TICKET_SALT = "anju.core.wechat.bind"
# WeChat answers these when an access token is no longer good: fetch a new one, once.
TOKEN_ERRORS = {40001, 40014, 42001}


class WechatError(Exception):
    """WeChat refused: ``errcode`` and ``errmsg`` as it answered."""

    def __init__(self, errcode, errmsg=""):
        self.errcode, self.errmsg = errcode, errmsg
        super().__init__(f"WeChat errcode {errcode}: {errmsg}")


# -- configuration ---------------------------------------------------------------------------


def app(kind) -> dict:
    return (
        settings.ANJU_WECHAT_MINIAPP
        if kind == WechatIdentity.Kind.MINIAPP
        else settings.ANJU_WECHAT_MP
    )


def enabled(kind) -> bool:
    config = app(kind)
    return bool(config.get("appid") and config.get("secret"))


def in_wechat(request) -> bool:
    """WeChat's own browser says ``MicroMessenger`` in its User-Agent."""
    return "MicroMessenger" in request.META.get("HTTP_USER_AGENT", "")


def _api(method, path, *, params=None, payload=None) -> dict:
    url = settings.ANJU_WECHAT_API_BASE.rstrip("/") + path
    if params:
        url += "?" + urlencode(params)
    body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else None
    headers = {"Content-Type": "application/json"} if body is not None else {}
    status, data = call(method, url, headers=headers, body=body)
    if data.get("errcode"):
        raise WechatError(data["errcode"], data.get("errmsg", ""))
    if status != 200:
        raise WechatError(-1, f"HTTP {status}")
    return data


# -- web OAuth and the mini program's code ---------------------------------------------------


def authorize_url(*, redirect_uri, state) -> str:
    """WeChat's authorize page; WeChat wants the parameters in this order and the fragment."""
    query = urlencode(
        [
            ("appid", settings.ANJU_WECHAT_MP["appid"]),
            ("redirect_uri", redirect_uri),
            ("response_type", "code"),
            ("scope", settings.ANJU_WECHAT_OAUTH_SCOPE),
            ("state", state),
        ]
    )
    return f"{settings.ANJU_WECHAT_AUTHORIZE_URL}?{query}#wechat_redirect"


def oauth_identity(code) -> dict:
    """{"openid", "unionid"} of a web OAuth ``code`` (usable once, for five minutes)."""
    config = settings.ANJU_WECHAT_MP
    data = _api(
        "GET",
        "/sns/oauth2/access_token",
        params={
            "appid": config["appid"],
            "secret": config["secret"],
            "code": code,
            "grant_type": "authorization_code",
        },
    )
    if not data.get("openid"):
        raise WechatError(-1, "no openid in the answer")
    return {"openid": data["openid"], "unionid": data.get("unionid", "")}


def miniapp_identity(code) -> dict:
    """{"openid", "unionid"} of a mini program's ``wx.login`` code (jscode2session). The
    session key WeChat also answers is not kept: Anju decrypts nothing of the mini program."""
    config = settings.ANJU_WECHAT_MINIAPP
    data = _api(
        "GET",
        "/sns/jscode2session",
        params={
            "appid": config["appid"],
            "secret": config["secret"],
            "js_code": code,
            "grant_type": "authorization_code",
        },
    )
    if not data.get("openid"):
        raise WechatError(-1, "no openid in the answer")
    return {"openid": data["openid"], "unionid": data.get("unionid", "")}


def _state_mac(nonce, issued) -> str:
    return salted_hmac(STATE_SALT, f"{nonce}.{issued}").hexdigest()[:32]


def start_state(request, next_url) -> str:
    """A new OAuth ``state`` for this browser: a nonce and its HMAC (hex, within WeChat's 128
    characters), kept in the session with where to go after the login."""
    nonce, issued = secrets.token_hex(12), int(time.time())
    state = nonce + _state_mac(nonce, issued)
    request.session[STATE_KEY] = {"state": state, "at": issued, "next": next_url}
    request.session[TRIED_KEY] = issued
    return state


def check_state(request, state) -> str | None:
    """The ``next`` URL of the login this ``state`` started in this browser, once; None for a
    state that is forged, another browser's, used or older than ANJU_WECHAT_STATE_SECONDS."""
    saved = request.session.pop(STATE_KEY, None)
    if not saved or not isinstance(state, str) or len(state) != 56:
        return None
    nonce, mac = state[:24], state[24:]
    if not (
        constant_time_compare(saved.get("state", ""), state)
        and constant_time_compare(_state_mac(nonce, saved.get("at")), mac)
    ):
        return None
    if time.time() - saved["at"] > settings.ANJU_WECHAT_STATE_SECONDS:
        return None
    return saved.get("next") or "/app/"


def recently_tried(request) -> bool:
    """A WeChat login started in this session within the last minute (no automatic loop)."""
    return time.time() - request.session.get(TRIED_KEY, 0) < 60


# -- bindings --------------------------------------------------------------------------------


def openid_for(user, kind=WechatIdentity.Kind.MP) -> str | None:
    """The user's openid in the configured app of ``kind`` ("mp" or "miniapp"), or None."""
    appid = app(kind).get("appid")
    if not appid or user is None or not getattr(user, "pk", None):
        return None
    return (
        WechatIdentity.objects.filter(user=user, app_id=appid, kind=kind)
        .values_list("openid", flat=True)
        .first()
    )


def identity_of(app_id, openid) -> WechatIdentity | None:
    return (
        WechatIdentity.objects.select_related("user").filter(app_id=app_id, openid=openid).first()
    )


def _organization(user):
    if user.home_organization_id:
        return user.home_organization
    return user.person.organization if user.person_id else None


def bind(*, actor, user, app_id, openid, unionid="", kind) -> WechatIdentity | None:
    """Bind ``openid`` to ``user``; the existing row when it already is; None when it belongs
    to someone else (an openid is never taken from its user)."""
    found = identity_of(app_id, openid)
    if found is not None:
        return found if found.user_id == user.pk else None
    try:
        with transaction.atomic():
            identity = WechatIdentity.objects.create(
                user=user, app_id=app_id, openid=openid, unionid=unionid or "", kind=kind
            )
            audit.record(
                actor,
                "core.wechat.bound",
                identity,
                organization=_organization(user),
                after={"kind": kind, "app_id": app_id},
            )
    except IntegrityError:  # bound by a parallel request a moment ago
        found = identity_of(app_id, openid)
        return found if found is not None and found.user_id == user.pk else None
    return identity


def unbind(identity, *, actor):
    """The owner ends a binding: WeChat no longer signs them in."""
    with transaction.atomic():
        audit.record(
            actor,
            "core.wechat.unbound",
            identity,
            organization=_organization(identity.user),
            after={"kind": identity.kind, "app_id": identity.app_id},
        )
        identity.delete()


def remember_pending(request, *, app_id, openid, unionid, kind):
    """An openid no login has yet: kept in the session until the person logs in."""
    request.session[PENDING_KEY] = {
        "app_id": app_id,
        "openid": openid,
        "unionid": unionid,
        "kind": kind,
        "at": int(time.time()),
    }


def has_pending(request) -> bool:
    session = getattr(request, "session", None)
    pending = session.get(PENDING_KEY) if session is not None else None
    return bool(pending) and time.time() - pending["at"] <= settings.ANJU_WECHAT_STATE_SECONDS


def bind_pending_openid(request, user) -> WechatIdentity | None:
    """After a login or registration: bind the openid waiting in this session to ``user``."""
    session = getattr(request, "session", None)
    if session is None or not has_pending(request):
        if session is not None:
            session.pop(PENDING_KEY, None)
        return None
    pending = session.pop(PENDING_KEY)
    identity = bind(
        actor=user,
        user=user,
        app_id=pending["app_id"],
        openid=pending["openid"],
        unionid=pending.get("unionid", ""),
        kind=pending["kind"],
    )
    if identity is None:
        log.warning("WeChat openid already bound to another user; user %s not bound", user.pk)
    return identity


def _on_user_logged_in(sender, request, user, **kwargs):
    if request is not None:
        bind_pending_openid(request, user)


# Connected when this module is first imported, which the URLconf does (core.wechat_login):
# an openid waits in a session only after the callback view ran, so every process that can
# see one has loaded the receiver. (core.apps cannot import this module: audit imports apps.)
user_logged_in.connect(_on_user_logged_in, dispatch_uid="anju.core.wechat.bind_pending")


def bind_ticket(*, app_id, openid, unionid="", kind=WechatIdentity.Kind.MINIAPP) -> str:
    """A signed ticket naming an unbound openid, valid ANJU_WECHAT_BIND_TICKET_SECONDS."""
    return signing.dumps({"a": app_id, "o": openid, "u": unionid, "k": kind}, salt=TICKET_SALT)


def bind_from_ticket(user, ticket, *, actor) -> WechatIdentity | None:
    """Bind the openid a ticket names to ``user``; None for a bad or expired ticket or an
    openid bound to someone else."""
    try:
        data = signing.loads(
            ticket, salt=TICKET_SALT, max_age=settings.ANJU_WECHAT_BIND_TICKET_SECONDS
        )
    except (signing.BadSignature, TypeError):
        return None
    return bind(
        actor=actor,
        user=user,
        app_id=data["a"],
        openid=data["o"],
        unionid=data["u"],
        kind=data["k"],
    )


# -- access token and subscribe messages -----------------------------------------------------


def access_token(kind=WechatIdentity.Kind.MINIAPP, *, refresh=False) -> str:
    """The app's access token from ``cgi-bin/stable_token`` (one token however many workers
    ask), cached until five minutes before WeChat's ``expires_in``."""
    config = app(kind)
    key = f"anju:wechat:access-token:{config['appid']}"
    if not refresh:
        token = cache.get(key)
        if token:
            return token
    data = _api(
        "POST",
        "/cgi-bin/stable_token",
        payload={
            "grant_type": "client_credential",
            "appid": config["appid"],
            "secret": config["secret"],
            "force_refresh": bool(refresh),
        },
    )
    token = data["access_token"]
    cache.set(key, token, timeout=max(60, int(data.get("expires_in", 7200)) - 300))
    return token


# WeChat's subscribe-message value types and their longest value (characters).
FIELD_LIMITS = {"thing": 20, "phrase": 5, "name": 10, "character_string": 32, "number": 32}


def _field_value(field, value) -> str:
    kind = field.rstrip("0123456789")
    limit = FIELD_LIMITS.get(kind)
    value = " ".join(str(value).split())
    if limit and len(value) > limit:
        value = value[: limit - 1] + "…"
    return value


class WechatSubscribeChannel:
    """订阅消息 to a resident's mini-program openid. ``send`` answers True when WeChat
    accepted the message; a refusal (the user has not subscribed: 43101, a bad template, an
    unreachable WeChat) is logged and answers False, never raises."""

    kind = WechatIdentity.Kind.MINIAPP

    def available_for(self, user) -> bool:
        return (
            enabled(self.kind)
            and bool(settings.ANJU_WECHAT_SUBSCRIBE_TEMPLATE_ID)
            and openid_for(user, self.kind) is not None
        )

    def message(self, openid, title, body, link) -> dict:
        sources = {
            "title": title,
            "body": body or title,
            "time": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "link": link,
        }
        data = {
            field: {"value": _field_value(field, sources.get(source, source))}
            for field, source in settings.ANJU_WECHAT_SUBSCRIBE_FIELDS.items()
        }
        return {
            "touser": openid,
            "template_id": settings.ANJU_WECHAT_SUBSCRIBE_TEMPLATE_ID,
            "page": settings.ANJU_WECHAT_SUBSCRIBE_PAGE.replace(
                "{link}", quote(link or "", safe="")
            ),
            "data": data,
            "miniprogram_state": settings.ANJU_WECHAT_MINIPROGRAM_STATE,
            "lang": "zh_CN",
        }

    def send(self, user, title, body, link) -> bool:
        openid = openid_for(user, self.kind) if enabled(self.kind) else None
        if openid is None:
            return False
        payload = self.message(openid, str(title), str(body or ""), str(link or ""))
        try:
            try:
                self._post(access_token(self.kind), payload)
            except WechatError as exc:
                if exc.errcode not in TOKEN_ERRORS:
                    raise
                self._post(access_token(self.kind, refresh=True), payload)
        except (WechatError, OutboundError, KeyError) as exc:
            log.warning(
                "wechat subscribe message not sent user=%s code=%s message=%s",
                user.pk,
                getattr(exc, "errcode", "unreachable"),
                str(exc)[:200],
            )
            return False
        return True

    @staticmethod
    def _post(token, payload):
        _api(
            "POST",
            "/cgi-bin/message/subscribe/send",
            params={"access_token": token},
            payload=payload,
        )
