"""Helpers shared by the facilities services: validation, attachments, alerts, tickets."""

import logging

from anju.core import attachments as core_attachments
from anju.core import policy
from anju.core.apps import Work, check_assignment
from anju.core.errors import (  # noqa: F401  (the facilities services import them from here)
    DomainError,
    full_clean,
    refuse,
)
from anju.core.notifications import notify
from anju.core.selectors import managers_of

log = logging.getLogger("anju.facilities")


def same_community(field, obj, community):
    if obj is not None and obj.community_id != community.pk:
        from django.utils.translation import gettext as _

        refuse(field, _("This belongs to another community."))


def require_staff(user, perm, community, field="by"):
    """``user`` must hold ``perm`` as staff in ``community`` (assignees, guards, responsible people)."""
    if user is not None and not policy.staff_has(user, perm, community.pk):
        from django.utils.translation import gettext as _

        refuse(
            field, _("%(user)s does not work in this community with this duty.") % {"user": user}
        )


def require_licence(user, kind, key, community, field="assignee"):
    """The apps' assignment checks (``core.apps.check_assignment``: a licence the work needs)
    for giving ``user`` facilities work of ``kind`` ("maintenance", "inspection") and ``key``."""
    work = Work(f"facilities.{kind}", str(key), community.organization_id, community.pk)
    check_assignment(user, work, field)


def require_role(user, roles, community, field, work):
    """``user`` must be on the community's staff in one of ``roles`` (a cleaner is not given the
    equipment-room inspection): refused naming ``work`` and who may do it."""
    if user is None or user.is_superuser:
        return
    if any(m.role in roles and m.covers_community(community.pk) for m in user.active_memberships()):
        return
    from django.utils.translation import gettext as _

    from anju.core.choices import Role

    who = ", ".join(str(Role(r).label) for r in roles)
    refuse(
        field,
        _("%(work)s is work for: %(roles)s. %(user)s does not have that role in this community.")
        % {"user": user.get_full_name() or user.username, "work": work, "roles": who},
    )


def attach(obj, uploads, *, actor, field="photos", accept=core_attachments.PHOTOS):
    """Store uploaded photos (or evidence) as attachments of ``obj``: checked, re-encoded and
    named by ``core.attachments``; a bad file refuses them all, naming ``field``."""
    return core_attachments.attach(obj, uploads, actor=actor, field=field, accept=accept)


def prepare_photos(uploads, *, field, accept=core_attachments.PHOTOS):
    """``core.attachments.prepare``: check the uploads before the service changes anything."""
    return core_attachments.prepare(uploads, field=field, accept=accept)


def attachments_of(obj):
    return core_attachments.of(obj)


def alert_managers(community, title, body, link="", channels=("inbox", "sms")):
    return notify(
        managers_of(community), title, body, link=link, community=community, channels=channels
    )


def raise_ticket(
    *,
    actor,
    community,
    kind,
    category,
    description,
    source,
    title="",
    house=None,
    attachments=(),
    priority=None,
    channel=None,
    reporter=None,
):
    """Open (or find) the service-desk ticket for ``source``. The service desk's ``open_ticket``
    is idempotent per source and category, so a retry never opens a second one."""
    try:
        from anju.servicedesk.services import open_ticket
    except ImportError:  # service desk not installed in this deployment
        log.warning("service desk unavailable; no ticket for %s", source)
        return None
    kwargs = {
        "actor": actor,
        "community": community,
        "kind": kind,
        "category": category,
        "description": description,
        "channel": channel or ("staff" if actor is not None else "system"),
        "house": house,
        "source": source,
        "title": title,
        "reporter": reporter,
        # Our stored photos are shared with the ticket (one file, a row on each record).
        "attachments": tuple(attachments),
    }
    if priority is not None:
        kwargs["priority"] = priority
    return open_ticket(**kwargs)


def snapshot(obj, fields=None):
    """audit.snapshot, plus the value types it does not turn into JSON (times, files)."""
    from datetime import time

    from django.db.models.fields.files import FieldFile

    from anju.core import audit

    data = audit.snapshot(obj, fields)
    for key, value in data.items():
        if isinstance(value, time):
            data[key] = value.isoformat()
        elif isinstance(value, FieldFile):
            data[key] = value.name or ""
    return data
