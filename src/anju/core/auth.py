from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from . import identity
from .models import User


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with a username or a phone number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        username = username.strip()
        user = User.objects.filter(Q(username=username) | Q(phone=username)).order_by("id").first()
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
