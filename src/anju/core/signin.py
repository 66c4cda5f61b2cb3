"""Signing in: every login path goes through ``authenticate`` here, which django-axes limits per
account and per address (``ANJU_LOGIN_FAILURE_LIMIT``, ``ANJU_LOGIN_ADDRESS_FAILURE_LIMIT``
within ``ANJU_LOGIN_COOLOFF_MINUTES``), audits each failure and tells an account's owner when
it is locked. The API token view, the console and portal login forms call it; a later login
kind (an SMS code) calls it with its own credentials, e.g.
``signin.authenticate(request, username=phone, code=code)``, and an authentication backend that
checks them.

``LockoutBackend`` (first in AUTHENTICATION_BACKENDS) refuses a locked account or address in
every ``django.contrib.auth.authenticate`` call that has a request (the admin site's login too);
``AxesMiddleware`` answers those with ``lockout_response``."""

import math
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import auth as django_auth
from django.http import HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import audit, logins
from .auth import find_login, mobile_number
from .crypto import mask_middle
from .notifications import notify

USERNAME_MAX = 150


class LoginThrottled(Exception):
    """Too many failed logins for this account or address: try again in ``wait`` seconds."""

    def __init__(self, wait: int):
        self.wait = max(1, int(wait))
        minutes = math.ceil(self.wait / 60)
        self.message = ngettext(
            "Too many failed logins. Try again in %(minutes)d minute.",
            "Too many failed logins. Try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
        super().__init__(self.message)


def http_request(request):
    """The Django request behind a DRF one (axes keeps its marks on the object it is given)."""
    return getattr(request, "_request", request)


def account_key(request, credentials):
    """AXES_USERNAME_CALLABLE: what axes counts failures against. The login the input means
    (so its username and its phone are one account), else the input as typed, normalised."""
    typed = (credentials or {}).get("username")
    if not isinstance(typed, str):
        return None
    typed = typed.strip()[:USERNAME_MAX]
    request = http_request(request)
    cache = request.__dict__.setdefault("_anju_account_keys", {})  # axes asks several times
    if typed not in cache:
        user = find_login(typed)
        cache[typed] = user.get_username() if user is not None else mobile_number(typed) or typed
    return cache[typed]


def client_address(request):
    """AXES_CLIENT_IP_CALLABLE: the same client address the login list records."""
    return logins.client_address(request)


def _limits():
    return {
        "username": settings.ANJU_LOGIN_FAILURE_LIMIT,
        "ip_address": settings.ANJU_LOGIN_ADDRESS_FAILURE_LIMIT,
    }


class AttemptHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit of its own for each lockout parameter (axes has one
    limit for all): failures are reported scaled to AXES_FAILURE_LIMIT, so that the account
    locks at ANJU_LOGIN_FAILURE_LIMIT and the address at ANJU_LOGIN_ADDRESS_FAILURE_LIMIT."""

    def get_failures(self, request, credentials=None) -> int:
        limit = settings.AXES_FAILURE_LIMIT
        worst = 0
        for parameter, attempts in self._counted(request, credentials):
            failures = sum(f for _, f in attempts)
            own = _limits().get(parameter, limit)
            worst = max(worst, failures * limit // own)
        return worst

    def _counted(self, request, credentials):
        """[(parameter, [(attempt time, failures), ...] oldest first)] within the cool-off."""
        parameters = get_lockout_parameters(request, credentials)
        found = []
        for parameter, attempts in zip(
            parameters, self.get_user_attempts(request, credentials), strict=True
        ):
            name = parameter if isinstance(parameter, str) else "+".join(parameter)
            rows = list(
                attempts.order_by("attempt_time").values_list(
                    "attempt_time", "failures_since_start"
                )
            )
            found.append((name, rows))
        return found

    def lock_waits(self, request, credentials):
        """{parameter: seconds until it unlocks} for the parameters locked now. Attempts leave
        the count a cool-off after their last failure, oldest first."""
        cool_off = timedelta(minutes=settings.ANJU_LOGIN_COOLOFF_MINUTES)
        now = timezone.now()
        waits = {}
        for parameter, rows in self._counted(request, credentials):
            own = _limits().get(parameter, settings.AXES_FAILURE_LIMIT)
            total = sum(f for _, f in rows)
            for attempt_time, failures in rows:
                if total < own:
                    break
                total -= failures
                if total < own:
                    waits[parameter] = math.ceil((attempt_time + cool_off - now).total_seconds())
        return waits


class LockoutBackend(AxesStandaloneBackend):
    """Axes' backend; a call without a request (a shell, the test client's ``login``) is no
    web login and is neither counted nor refused."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def _handler():
    AxesProxyHandler.get_implementation()
    return AxesProxyHandler.implementation


def _waits(request, credentials):
    AxesProxyHandler.update_request(request)
    handler = _handler()
    if not isinstance(handler, AttemptHandler):
        return {}
    return handler.lock_waits(request, credentials)


def _masked(typed):
    typed = (typed or "")[:USERNAME_MAX]
    return mask_middle(typed) if mobile_number(typed) else typed


def _organization(user):
    """The company whose audit log shows the login's failures (staff or resident)."""
    if user is None:
        return None
    if user.home_organization_id:
        return user.home_organization
    return user.person.organization if user.person_id else None


def _record_failure(request, typed, user, *, throttled):
    # No object: an audit row's label would be the username, which may be a phone number.
    audit.record(
        None,
        "core.login.failed",
        organization=_organization(user),
        after={
            "username": _masked(typed),
            "user": user.pk if user is not None else None,
            "path": request.path[:200],
            "address": logins.masked_address(logins.client_address(request)),
            "throttled": throttled,
        },
    )


def _tell_owner(request, user, wait):
    minutes = math.ceil(wait / 60)
    audit.record(
        None,
        "core.login.locked",
        organization=_organization(user),
        after={
            "user": user.pk,
            "address": logins.masked_address(logins.client_address(request)),
            "minutes": minutes,
        },
    )
    with translation.override(user.language or settings.LANGUAGE_CODE):
        title = _("Your login was locked after repeated failed attempts")
        body = ngettext(
            "Someone entered a wrong password for your login several times. Logging in is "
            "paused for %(minutes)d minute. If it was not you, change your password.",
            "Someone entered a wrong password for your login several times. Logging in is "
            "paused for %(minutes)d minutes. If it was not you, change your password.",
            minutes,
        ) % {"minutes": minutes}
    notify(
        [user],
        title,
        body,
        channels=("inbox", "sms") if user.phone else ("inbox",),
        urgent=True,  # a security warning is not held by quiet hours
        event="core.login.locked",
    )


def authenticate(request, **credentials):
    """The user the credentials name, or None; raises ``LoginThrottled`` while the account or
    the address is locked out (including on the failure that locks it)."""
    request = http_request(request)
    typed = credentials.get("username")
    credentials["username"] = typed.strip()[:USERNAME_MAX] if isinstance(typed, str) else typed
    if not settings.AXES_ENABLED:
        return django_auth.authenticate(request, **credentials)
    locked_before = _waits(request, credentials)
    user = django_auth.authenticate(request, **credentials)
    # Axes' middleware must leave our own answer alone (lockout_response checks this mark).
    request.anju_signin = True
    if user is not None and not getattr(request, "axes_locked_out", False):
        AccessAttempt.objects.filter(username=account_key(request, credentials)).delete()
        return user
    account = find_login(credentials["username"])
    waits = locked_before or _waits(request, credentials)
    _record_failure(request, typed, account, throttled=bool(locked_before))
    if waits:
        if "username" in waits and "username" not in locked_before and account is not None:
            _tell_owner(request, account, waits["username"])
        raise LoginThrottled(max(waits.values()))
    return None


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: a lockout on a path that does not answer it itself (ours do)."""
    if getattr(request, "anju_signin", False) and original_response is not None:
        return original_response
    wait = max(_waits(request, credentials or {}).values(), default=60)
    throttled = LoginThrottled(wait)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"error": {"code": "throttled", "message": throttled.message, "fields": {}}},
            status=429,
        )
    else:
        response = HttpResponse(throttled.message, status=429, content_type="text/plain")
    response["Retry-After"] = str(throttled.wait)
    return response


def login(request, user, backend=None):
    """Start a browser session after ``authenticate`` (and record it as a login)."""
    logins.start_session(http_request(request), user, backend=backend)
