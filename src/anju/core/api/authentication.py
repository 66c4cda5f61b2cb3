from django.utils.translation import gettext_lazy as _
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
