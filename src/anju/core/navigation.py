"""Where each staff member lands and what their menu holds.

A role's home is the page its work starts from (UX.md "Screens by person"): technician → my
tasks, guard → current patrol shift, cleaner → today's tasks, agent → workbench, cashier →
desk, manager and company admin → the dashboard, committee → votes. Apps declare homes and the
role's everyday entries (``AnjuAppConfig.role_homes`` / ``role_work``); this module reads them.
The menu shows "My work" first, then the rest grouped by what it is about.
"""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import policy
from .apps import anju_apps
from .choices import Role

DASHBOARD = "console:dashboard"

# When a person holds several roles, the first of these that they hold decides their home.
ROLE_PRIORITY = [
    Role.ORG_ADMIN,
    Role.MANAGER,
    Role.AGENT,
    Role.CASHIER,
    Role.FINANCE,
    Role.COMMITTEE,
    Role.TECHNICIAN,
    Role.GUARD,
    Role.CLEANER,
]

SECTIONS = [
    ("main", _("My work")),
    ("service", _("Service desk")),
    ("billing", pgettext_lazy("menu section", "Billing")),
    ("facilities", _("Facilities & safety")),
    ("notices", _("Notices & surveys")),
    ("spaces", _("Shared spaces")),
    ("parking", _("Parking")),
    ("works", _("Renovation & moves")),
    ("life", _("Community life")),
    ("green", _("Green living")),
    ("staff", pgettext_lazy("menu section", "Staff")),
    ("governance", _("Owners' governance")),
    ("data", _("Master data")),
]
SECTION_ORDER = [key for key, _label in SECTIONS]


def user_roles(user) -> list[str]:
    """The user's staff roles, most decisive first."""
    if user.is_superuser:
        return [Role.ORG_ADMIN]
    held = {m.role for m in user.active_memberships()}
    return [role for role in ROLE_PRIORITY if role in held]


def home_url_name(user) -> str:
    homes = {}
    for config in anju_apps():
        for role, url_name in config.role_homes.items():
            homes.setdefault(role, url_name)
    for role in user_roles(user):
        if role in (Role.ORG_ADMIN, Role.MANAGER):
            return DASHBOARD
        if role in homes:
            return homes[role]
    return DASHBOARD


def home_url(user) -> str:
    try:
        return reverse(home_url_name(user))
    except NoReverseMatch:
        return reverse(DASHBOARD)


def _work_names(user, home):
    names = [home]
    roles = user_roles(user)
    for config in anju_apps():
        for role in roles:
            for name in config.role_work.get(role, ()):
                if name not in names:
                    names.append(name)
    return names


def console_menu(user, path):
    """``[{"key", "label", "items": [{"label", "url", "active"}], "open"}]``: "My work" first
    (the home and the role's everyday entries), then each section, only what ``user`` may open."""
    entries = []
    for config in anju_apps():
        for label, url_name, perm, section in config.console_nav:
            if perm and not policy.staff_has(user, perm):
                continue
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue
            entries.append({"label": label, "url": url, "name": url_name, "section": section})
    home = home_url_name(user)
    if home != DASHBOARD:  # the dashboard is the managers' home; the field roles do not get it
        entries = [e for e in entries if e["name"] != DASHBOARD]
    work = _work_names(user, home)
    by_name = {e["name"]: e for e in entries}
    mine = [by_name[name] for name in work if name in by_name]
    mine += [e for e in entries if e["section"] == "main" and e not in mine]
    for entry in mine:
        entry["section"] = "main"
    # Only the most specific match is active (/console/service/roster/ is not the workbench).
    active = [
        e
        for e in entries
        if path == e["url"] or (e["url"] != "/console/" and path.startswith(e["url"]))
    ]
    best = max(active, key=lambda e: len(e["url"]), default=None)
    groups = []
    for key, label in SECTIONS:
        items = mine if key == "main" else [e for e in entries if e["section"] == key]
        if not items:
            continue
        for item in items:
            item["active"] = item is best
        groups.append(
            {
                "key": key,
                "label": label,
                "items": items,
                "open": key == "main" or any(i["active"] for i in items),
            }
        )
    return groups
