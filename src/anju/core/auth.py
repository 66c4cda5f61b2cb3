import re

from django.contrib.auth.backends import ModelBackend

from . import identity
from .models import User

_SEPARATORS = re.compile(r"[\s\-]")
_MOBILE = re.compile(r"1\d{10}")


def mobile_number(value) -> str | None:
    """The 11-digit mainland mobile number ``value`` spells (spaces, dashes, +86 or 0086
    allowed), or None when it is not one."""
    if not isinstance(value, str):
        return None
    digits = _SEPARATORS.sub("", value.strip())
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
            break
    return digits if _MOBILE.fullmatch(digits) else None


def find_login(identifier) -> User | None:
    """The login someone means by what they typed at a login form: a mobile number is the
    login with that phone (no username can shadow it); anything else is a username, then a
    phone as typed (a landline)."""
    if not isinstance(identifier, str) or not identifier.strip():
        return None
    identifier = identifier.strip()
    phone = mobile_number(identifier)
    if phone is not None:
        return User.objects.filter(phone=phone).first()
    return (
        User.objects.filter(username=identifier).first()
        or User.objects.filter(phone=identifier).first()
    )


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with a username or a phone number (a phone-looking input is a phone)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = find_login(username)
        if user is None:
            User().set_password(password)  # same time as a real check (timing)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        # The session's user with their scope, in one query (core.identity).
        user = identity.user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
