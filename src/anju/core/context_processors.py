from django.conf import settings
from django.urls import NoReverseMatch, reverse

from . import policy
from .apps import anju_apps
from .models import Community

TAB_ORDER = ["portal:ticket-list", "portal:billing-bills", "portal:inbox", "portal:vote-list"]

SECTIONS = [
    ("main", ""),
    ("service", "servicedesk"),
    ("billing", "billing"),
    ("facilities", "facilities"),
    ("notices", "notices"),
    ("spaces", "spaces"),
    ("staff", "staff"),
    ("governance", "governance"),
    ("data", "data"),
]


def _console_nav(request):
    user = request.user
    items = []
    for config in anju_apps():
        for label, url_name, perm, section in config.console_nav:
            if perm and not policy.staff_has(user, perm):
                continue
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue
            active = request.path == url or (url != "/console/" and request.path.startswith(url))
            items.append({"label": label, "url": url, "section": section, "active": active})
    # Only the most specific match is active (/console/service/roster/ is not the workbench).
    active = [i for i in items if i["active"]]
    if len(active) > 1:
        best = max(active, key=lambda i: len(i["url"]))
        for item in active:
            item["active"] = item is best
    order = [s for s, _ in SECTIONS]
    items.sort(key=lambda i: order.index(i["section"]) if i["section"] in order else len(order))
    return items


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
    if request.path.startswith("/console/") and user.is_staff_member:
        data["console_nav"] = _console_nav(request)
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
