"""Goods release (物品放行): a resident applies to take large items out; a tenant's application
waits for an owner's confirmation; the guard checks the code and the items at the gate."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, notifications, policy
from anju.core.choices import OWNER_RELATIONS, Relation
from anju.core.errors import Conflict, Forbidden, refuse
from anju.core.models import Occupancy, User

from .. import selectors
from ..choices import ReleaseStatus
from ..models import RELEASE_PREFIX, ReleasePass
from .visitors import UnknownCode

MAX_ITEMS = 20
DAYS_AHEAD = 30


def _items(items):
    if isinstance(items, str):
        items = items.splitlines()
    if not isinstance(items, list | tuple):
        refuse("items", _("List the items, one per line."))
    cleaned = [" ".join(str(i).split())[:100] for i in items if str(i or "").strip()]
    if not cleaned:
        refuse("items", _("List the items you take out, e.g. a sofa, two boxes of books."))
    if len(cleaned) > MAX_ITEMS:
        refuse("items", _("List at most %(n)s items.") % {"n": MAX_ITEMS})
    return cleaned


def _owners(house):
    people = (
        Occupancy.objects.active()
        .filter(house=house, relation__in=OWNER_RELATIONS)
        .values("person_id")
    )
    return list(User.objects.filter(is_active=True, person_id__in=people))


@transaction.atomic
def apply_release(*, actor, house, items, date):
    relation = selectors.relation_to(actor, house)
    if relation is None:
        refuse("house", _("You can apply only for a home you live in."))
    items = _items(items)
    today = timezone.localdate()
    if date is None or date < today or date > today + timedelta(days=DAYS_AHEAD):
        refuse("date", _("Choose a date from today to %(n)s days ahead.") % {"n": DAYS_AHEAD})
    tenant = relation == Relation.TENANT
    release = ReleasePass.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        applicant=actor,
        items=items,
        date=date,
        status=ReleaseStatus.WAITING_OWNER if tenant else ReleaseStatus.APPROVED,
    )
    audit.record(actor, "gate.release.created", release, after=audit.snapshot(release))
    if tenant:
        notifications.notify(
            _owners(house),
            _("Your tenant asks to take items out"),
            "、".join(items),
            link="/app/gate/release/",
            community=house.community,
            channels=("inbox", "wechat", "sms"),
            event="gate.release.created",
        )
    return release


def _owner_of(actor, house):
    return selectors.relation_to(actor, house) in OWNER_RELATIONS


@transaction.atomic
def confirm_release(*, actor, release, confirm=True):
    """An owner confirms (or declines) a tenant's application for their home."""
    if not _owner_of(actor, release.house):
        raise Forbidden(_("Only an owner of the home can confirm a tenant's application."))
    release = ReleasePass.objects.select_for_update().get(pk=release.pk)
    release.status = ReleasePass.machine.check("confirm" if confirm else "decline", release.status)
    release.confirmed_by = actor
    release.save(update_fields=["status", "confirmed_by"])
    audit.record(actor, f"gate.release.{release.status}", release)
    if release.applicant_id:
        notifications.notify(
            [release.applicant],
            _("The owner confirmed your goods release")
            if confirm
            else _("The owner declined your goods release"),
            "、".join(release.items),
            link="/app/gate/release/",
            community=release.community,
            event=f"gate.release.{release.status}",
        )
    return release


@transaction.atomic
def cancel_release(*, actor, release):
    if release.applicant_id != actor.pk and not _owner_of(actor, release.house):
        raise Forbidden(_("Only the applicant or an owner can cancel this application."))
    release = ReleasePass.objects.select_for_update().get(pk=release.pk)
    release.status = ReleasePass.machine.check("cancel", release.status)
    release.save(update_fields=["status"])
    audit.record(actor, "gate.release.cancelled", release)
    return release


def code_of(text):
    text = str(text or "").strip()
    if text.upper().startswith(RELEASE_PREFIX):
        text = text[len(RELEASE_PREFIX) :]
    return text.strip().upper()


def find_release(*, actor, code):
    """The release pass with ``code`` for the guard to check, with its items: 404 when unknown
    or of another community; 409 when it is not for today or not approved."""
    code = code_of(code)
    if not code:
        refuse("code", _("Scan the QR code of the release pass or type its code."))
    release = (
        ReleasePass.objects.select_related("house__building", "applicant").filter(code=code).first()
    )
    if release is None or not policy.staff_has(actor, "gate.release.verify", release.community_id):
        raise UnknownCode(_("No goods release pass has this code."))
    return release


def check_release(release, today=None):
    today = today or timezone.localdate()
    if release.status != ReleaseStatus.APPROVED:
        raise Conflict(
            _("This release pass is “%(state)s”.") % {"state": release.get_status_display()},
            code=release.status,
            allowed=ReleasePass.machine.allowed_actions(release.status),
        )
    if release.date != today:
        raise Conflict(
            _("This release pass is for %(date)s, not today.") % {"date": release.date},
            code="wrong_date",
            allowed=[],
        )


@transaction.atomic
def release_goods(*, actor, release, now=None):
    """The guard has checked the items: they go out, the pass is used."""
    if not policy.staff_has(actor, "gate.release.verify", release.community_id):
        raise Forbidden(_("You may not let goods out in this community."))
    release = ReleasePass.objects.select_for_update().get(pk=release.pk)
    check_release(release, timezone.localdate(now) if now else None)
    release.status = ReleasePass.machine.check("release", release.status)
    release.released_by = actor
    release.released_at = now or timezone.now()
    release.save(update_fields=["status", "released_by", "released_at"])
    audit.record(actor, "gate.release.released", release)
    return release
