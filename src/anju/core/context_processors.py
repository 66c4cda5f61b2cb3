from django.conf import settings
from django.urls import NoReverseMatch, reverse

from . import navigation, notifications
from .apps import anju_apps
from .models import Community

TAB_ORDER = ["portal:ticket-list", "portal:billing-bills", "portal:inbox", "portal:vote-list"]


def _portal_nav():
    items = []
    for config in anju_apps():
        for label, url_name, icon in config.portal_nav:
            try:
                items.append(
                    {"label": label, "url": reverse(url_name), "icon": icon, "name": url_name}
                )
            except NoReverseMatch:
                continue
    return items


def anju(request):
    user = getattr(request, "user", None)
    data = {"ANJU_EMBEDDED": settings.EMBEDDED}
    if user is None or not user.is_authenticated:
        return data
    data["large_text"] = user.large_text
    if request.path.startswith(("/console/", "/app/")):
        # The bell (console) and the badge on Me (portal): one COUNT on the user's index.
        data["unread_notifications"] = notifications.unread_count(user)
    if request.path.startswith("/console/") and user.is_staff_member:
        data["console_menu"] = navigation.console_menu(user, request.path)
        communities = Community.objects.filter(pk__in=user.staff_community_ids()).order_by("name")
        data["switch_communities"] = communities
        data["current_community"] = next(
            (c for c in communities if c.pk == request.community_id), None
        )
    if request.path.startswith("/app/"):
        nav = [item for item in _portal_nav() if item["name"] != "portal:home"]
        data["portal_nav"] = nav
        # The tab bar holds Home, three everyday tasks and Me; the home page shows every entry.
        tabs = [item for name in TAB_ORDER for item in nav if item["name"] == name]
        data["portal_tabs"] = (tabs + [i for i in nav if i not in tabs])[:3]
    return data
