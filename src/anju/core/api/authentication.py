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


class KeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Gateway <key>``: the request is a machine's (an IoT gateway, a parking
    gate controller), not a person's. ``request.user`` is anonymous and ``request.auth`` is
    what ``key_lookup`` found; an unknown or disabled key is refused. An app sets
    ``key_lookup`` to its services' lookup (iot: ``gateway_for_key``)."""

    scheme = "Gateway"
    key_lookup = None  # a callable: key -> the machine, or None

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        prefix = f"{self.scheme} "
        if not header.startswith(prefix):
            return None
        machine = type(self).key_lookup(header[len(prefix) :].strip())
        if machine is None:
            raise exceptions.AuthenticationFailed(_("Unknown or disabled gateway key."))
        return AnonymousUser(), machine

    def authenticate_header(self, request):
        return self.scheme


class KeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = KeyAuthentication
    match_subclasses = True
    name = "gatewayKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Gateway <key> (the key shown once when the IoT gateway was created)",
        }
