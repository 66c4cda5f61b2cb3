from django.utils import translation

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
