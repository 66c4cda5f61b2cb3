from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.utils import translation
from django.utils.functional import SimpleLazyObject, empty

SESSION_KEY = "anju_community"


class CurrentCommunityMiddleware:
    """Remembers the community picked in the console switcher (``request.community_id``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.community_id = None
        if hasattr(request, "session"):
            request.community_id = request.session.get(SESSION_KEY)
        return self.get_response(request)


def activate_user_language(request, language):
    translation.activate(language)
    request.LANGUAGE_CODE = language


class LazyMessageMiddleware(MessageMiddleware):
    """Django's MessageMiddleware, with the message storage made when first used.

    API calls (the busiest requests) never show a flash message; building the cookie and
    session storages on each of them cost more than the rest of the middleware stack."""

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        storage = getattr(request, "_messages", None)
        if isinstance(storage, SimpleLazyObject) and storage._wrapped is empty:
            return response  # never used: nothing to store
        return super().process_response(request, response)


class PermissionsPolicyMiddleware:
    """Sends ``ANJU_PERMISSIONS_POLICY``: browser features no page of ours needs are off."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.ANJU_PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response
