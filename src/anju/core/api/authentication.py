from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .. import identity


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, with the user's scope read in the same round trip."""

    def authenticate_credentials(self, key):
        found = identity.user_by_token(key)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user, token = found
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, token
