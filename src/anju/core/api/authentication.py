from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .. import identity, logins


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>`` with a key from ``POST /api/v1/auth/token/``: unexpired,
    not revoked, its user active. The user's scope is read in the same round trip
    (core.identity); the token's "last used" is written at most once per few minutes."""

    def authenticate_credentials(self, key):
        found = identity.user_by_token(key)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        user, login = found
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        logins.touch_token(login)
        return user, login


class GatewayAuthentication(authentication.BaseAuthentication):
    """``Authorization: Gateway <key>``: the request is a machine's (an IoT gateway, a parking
    gate controller, a door controller), not a person's. ``request.user`` is anonymous and
    ``request.auth`` the machine, found by the app that issued the key (the
    ``machine_for_key`` hook: iot's gateways); an unknown or disabled key is refused."""

    scheme = "Gateway"

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        prefix = f"{self.scheme} "
        if not header.startswith(prefix):
            return None
        machine = machine_for_key(header[len(prefix) :].strip())
        if machine is None:
            raise exceptions.AuthenticationFailed(_("Unknown or disabled gateway key."))
        return AnonymousUser(), machine

    def authenticate_header(self, request):
        return self.scheme


def machine_for_key(key):
    from ..apps import anju_apps

    if not key:
        return None
    for config in anju_apps():
        machine = config.machine_for_key(key)
        if machine is not None:
            return machine
    return None


class GatewayAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = GatewayAuthentication
    name = "gatewayKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Gateway <key> (the key shown once when the IoT gateway was created)",
        }
