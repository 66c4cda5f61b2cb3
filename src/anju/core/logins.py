"""Logins (登录): the API tokens and browser sessions a user is signed in with.

Each successful API login gets a new random token, kept only as its SHA-256 digest, that expires
after ``ANJU_TOKEN_TTL_HOURS``; each console or portal login records its session. The owner
lists them and revokes any (``/api/v1/me/logins/``, the profile pages); a password change
revokes the others. "Last used" is written at most once per ``ANJU_LOGIN_TOUCH_MINUTES``, not
on every request."""

import hashlib
import ipaddress
import secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import login as django_login
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Login

SESSION_TOUCHED = "_anju_login_touched"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def client_address(request):
    """The client's address: the peer, or the entry ``ANJU_PROXY_COUNT`` proxies back in
    X-Forwarded-For (each trusted proxy appends the address it saw)."""
    request = getattr(request, "_request", request)
    address = request.META.get("REMOTE_ADDR") or None
    count = settings.ANJU_PROXY_COUNT
    if count > 0:
        forwarded = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if len(forwarded) >= count:
            address = forwarded[-count]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def masked_address(address):
    """203.0.113.* / 2001:db8:85a3::*: enough to recognise a place, not a household."""
    if not address:
        return ""
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        return ".".join(address.split(".")[:3]) + ".*"
    return ":".join(ip.exploded.split(":")[:3]).replace(":0000", ":0") + "::*"


def _user_agent(request):
    request = getattr(request, "_request", request)
    return request.META.get("HTTP_USER_AGENT", "")[:255]


def issue_token(user, request=None):
    """A new API token for ``user``: (key to hand out once, its Login row)."""
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    row = Login.objects.create(
        user=user,
        kind=Login.Kind.TOKEN,
        token_digest=digest(key),
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(hours=settings.ANJU_TOKEN_TTL_HOURS),
        user_agent=_user_agent(request) if request is not None else "",
        address=client_address(request) if request is not None else None,
    )
    return key, row


def start_session(request, user, backend=None):
    """Django's login, and the session recorded as one of the user's logins."""
    django_login(request, user, backend=backend)
    request.session.save()  # the key exists from here on
    now = timezone.now()
    request.session[SESSION_TOUCHED] = now.timestamp()
    Login.objects.create(
        user=user,
        kind=Login.Kind.SESSION,
        session_key=request.session.session_key,
        created_at=now,
        last_used_at=now,
        expires_at=request.session.get_expiry_date(),
        user_agent=_user_agent(request),
        address=client_address(request),
    )


def session_key_changed(old_key, new_key):
    """After ``update_session_auth_hash`` cycled the current session's key."""
    if old_key and new_key and old_key != new_key:
        Login.objects.filter(session_key=old_key).update(session_key=new_key)


def forget_session(session_key):
    """At logout: the session ends, and its row with it."""
    if session_key:
        Login.objects.filter(session_key=session_key).delete()


def _touch_due(last_used):
    return last_used <= timezone.now() - timedelta(minutes=settings.ANJU_LOGIN_TOUCH_MINUTES)


def touch_token(row):
    """Record a token's use, at most once per few minutes (one UPDATE, no read)."""
    if _touch_due(row.last_used_at):
        row.last_used_at = timezone.now()
        Login.objects.filter(pk=row.pk).update(last_used_at=row.last_used_at)


class SessionActivityMiddleware:
    """Keeps a recorded session's "last used" and expiry roughly current, writing at most once
    per ``ANJU_LOGIN_TOUCH_MINUTES``: the time of the last write lives in the session itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        touched = session.get(SESSION_TOUCHED) if session is not None else None
        if touched is not None and request.user.is_authenticated:
            last = datetime.fromtimestamp(touched, tz=UTC)
            if _touch_due(last):
                now = timezone.now()
                session[SESSION_TOUCHED] = now.timestamp()
                Login.objects.filter(session_key=session.session_key).update(
                    last_used_at=now, expires_at=session.get_expiry_date()
                )
        return self.get_response(request)


def current_login_id(request):
    """The id of the Login the request is made with, or None."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, Login):
        return auth.pk
    session = getattr(request, "session", None)
    key = session.session_key if session is not None else None
    if key and getattr(request, "auth", None) is None:
        return Login.objects.filter(session_key=key).values_list("pk", flat=True).first()
    return None


def active_logins(user):
    return Login.objects.filter(user=user, expires_at__gt=timezone.now()).order_by(
        "-last_used_at", "-id"
    )


_SYSTEMS = [
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("HarmonyOS", "HarmonyOS"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
]
_BROWSERS = [
    ("MicroMessenger", "WeChat"),
    ("AnjuApp", "Anju app"),
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
]


def device_label(user_agent):
    """A short name for a User-Agent ("Chrome · Android"), or the start of it."""
    system = next((name for key, name in _SYSTEMS if key in user_agent), "")
    browser = next((name for key, name in _BROWSERS if key in user_agent), "")
    if browser or system:
        return " · ".join(part for part in (browser, system) if part)
    return user_agent[:40]


def as_rows(request, logins):
    """The list the API and the profile pages show."""
    current = current_login_id(request)
    return [
        {
            "id": row.pk,
            "kind": row.kind,
            "kind_label": row.get_kind_display(),
            "created": row.created_at,
            "last_used": row.last_used_at,
            "expires": row.expires_at,
            "user_agent": row.user_agent,
            "device": device_label(row.user_agent),
            "address": masked_address(row.address),
            "current": row.pk == current,
        }
        for row in logins
    ]


def _session_store():
    return import_string(settings.SESSION_ENGINE + ".SessionStore")


def revoke(rows):
    """Delete these logins: tokens stop at once, sessions are removed from the store."""
    rows = list(rows)
    store = _session_store()
    for row in rows:
        if row.session_key:
            store(session_key=row.session_key).delete()
    Login.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


def revoke_all(user, *, keep=None):
    """Every login of ``user`` but ``keep`` (a Login id)."""
    rows = Login.objects.filter(user=user)
    if keep is not None:
        rows = rows.exclude(pk=keep)
    return revoke(rows)


def purge_expired():
    """Expired rows (their tokens and sessions no longer work anyway)."""
    deleted, _ = Login.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
