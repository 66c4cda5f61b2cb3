"""Visitor passes (访客通行证), the visitor log, walk-in visitors and the log's purge."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, notifications, policy
from anju.core import selectors as core_selectors
from anju.core import services as core_services
from anju.core.crypto import mask_middle
from anju.core.errors import Conflict, DomainError, Forbidden, refuse

from .. import plates
from ..choices import EntryKind, PassState, PassStatus, WalkInStatus
from ..models import PASS_PREFIX, VisitorEntry, VisitorPass, WalkIn

PASS_FIELDS = ["house", "visitor_name", "visitor_phone", "plate", "valid_from", "valid_until"]


class UnknownCode(DomainError):
    """No pass (or none the caller's gate may check) has this code: 404, whatever the reason,
    so a foreign pass is told apart from a made-up code by nobody."""

    code = "not_found"
    status = 404


def share_path(visitor_pass):
    return f"/app/v/{visitor_pass.token}/"


def _name(value, field="visitor_name"):
    value = " ".join(str(value or "").split())
    if not value:
        refuse(field, _("Enter the visitor's name."))
    if len(value) > 40:
        refuse(field, _("A name has at most 40 characters."))
    return value


def _plate(value):
    plate = plates.normalize(value)
    if plate and not plates.valid(plate):
        refuse("plate", _("Enter a plate number such as 浙A12345 (or leave it empty)."))
    return plate


def _resident_of(actor, house):
    return bool(getattr(actor, "person_id", None)) and house.pk in actor.resident_house_ids()


@transaction.atomic
def issue_pass(
    *,
    actor,
    house,
    visitor_name,
    valid_from,
    valid_until,
    entries=1,
    visitor_phone="",
    plate="",
    link_base="",
    now=None,
):
    """A resident's pass for a visitor to their own home; the visitor gets the link by SMS
    when a phone is given."""
    now = now or timezone.now()
    if not _resident_of(actor, house):
        refuse("house", _("You can give visitor passes only for a home you live in."))
    name = _name(visitor_name)
    phone = core_services.validate_phone(str(visitor_phone or ""), field="visitor_phone")
    plate = _plate(plate)
    if valid_from is None:
        refuse("valid_from", _("Enter when the pass starts."))
    if valid_until is None:
        refuse("valid_until", _("Enter when the pass ends."))
    if valid_until <= valid_from:
        refuse("valid_until", _("The pass must end after it starts."))
    if valid_until <= now:
        refuse("valid_until", _("The pass would already have ended."))
    days = settings.ANJU_GATE_PASS_MAX_DAYS
    if valid_until - valid_from > timedelta(days=days):
        refuse(
            "valid_until",
            _("A visitor pass lasts at most %(days)s days.") % {"days": days},
        )
    if valid_from > now + timedelta(days=30):
        refuse("valid_from", _("A pass can be given at most 30 days ahead."))
    limit = settings.ANJU_GATE_PASS_MAX_ENTRIES
    try:
        entries = int(entries)
    except (TypeError, ValueError):
        refuse("entries", _("Enter the number of entries, from 1 to %(n)s.") % {"n": limit})
    if not 1 <= entries <= limit:
        refuse("entries", _("Enter the number of entries, from 1 to %(n)s.") % {"n": limit})
    visitor_pass = VisitorPass.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        issued_by=actor,
        visitor_name=name,
        visitor_phone=phone,
        plate=plate,
        valid_from=valid_from,
        valid_until=valid_until,
        entries=entries,
    )
    audit.record(actor, "gate.pass.created", visitor_pass, after=audit.snapshot(visitor_pass))
    if phone:
        text = _(
            "%(name)s, you are invited to %(community)s. Show this pass at the gate: %(link)s"
        ) % {
            "name": name,
            "community": house.community.name,
            "link": f"{link_base.rstrip('/')}{share_path(visitor_pass)}",
        }
        transaction.on_commit(lambda: notifications.sms_backend().send(phone, text))
    return visitor_pass


@transaction.atomic
def revoke_pass(*, actor, visitor_pass, now=None):
    if not (
        _resident_of(actor, visitor_pass.house)
        or policy.staff_has(actor, "gate.pass.revoke", visitor_pass.community_id)
    ):
        raise Forbidden(_("Only a resident of the home or the management may revoke this pass."))
    visitor_pass = VisitorPass.objects.select_for_update().get(pk=visitor_pass.pk)
    visitor_pass.status = VisitorPass.machine.check("revoke", visitor_pass.status)
    visitor_pass.revoked_at = now or timezone.now()
    visitor_pass.save(update_fields=["status", "revoked_at"])
    audit.record(actor, "gate.pass.revoked", visitor_pass)
    return visitor_pass


def code_of(text) -> str:
    """The pass code in what the guard typed or the camera read (``ANJU-VP:<code>``, a share
    link, or the bare code), upper-cased."""
    text = str(text or "").strip()
    if text.upper().startswith(PASS_PREFIX):
        text = text[len(PASS_PREFIX) :]
    return text.strip().upper()


REFUSALS = {
    PassState.USED: ("used", gettext_lazy("This pass has been used: it allows no more entries.")),
    PassState.EXPIRED: ("expired", gettext_lazy("This pass has expired.")),
    PassState.UPCOMING: ("not_yet_valid", gettext_lazy("This pass is not valid yet.")),
    PassState.REVOKED: ("revoked", gettext_lazy("The resident has revoked this pass.")),
}


def _refuse_state(state, visitor_pass):
    code, message = REFUSALS[state]
    raise Conflict(
        str(message),
        code=code,
        state=str(state),
        valid_from=visitor_pass.valid_from.isoformat(),
        valid_until=visitor_pass.valid_until.isoformat(),
        allowed=[],
    )


def _enter(actor, visitor_pass, *, gate, at, kind_note=""):
    visitor_pass.entries_used += 1
    if visitor_pass.entries_used >= visitor_pass.entries:
        visitor_pass.status = PassStatus.USED
    visitor_pass.save(update_fields=["entries_used", "status"])
    entry = VisitorEntry.objects.create(
        organization_id=visitor_pass.organization_id,
        community_id=visitor_pass.community_id,
        house_id=visitor_pass.house_id,
        visitor_pass=visitor_pass,
        kind=EntryKind.PASS,
        visitor_name=visitor_pass.visitor_name,
        phone_masked=mask_middle(visitor_pass.visitor_phone),
        plate=visitor_pass.plate,
        gate=str(gate or "")[:60],
        at=at,
        by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor,
        "gate.pass.entered",
        visitor_pass,
        after={"entries_used": visitor_pass.entries_used, "gate": entry.gate, "via": kind_note},
    )
    if visitor_pass.issued_by_id:
        notifications.notify(
            [visitor_pass.issued_by],
            _("Your visitor has arrived"),
            _("%(name)s came in at %(gate)s.")
            % {"name": visitor_pass.visitor_name, "gate": entry.gate or _("the gate")},
            link="/app/gate/passes/",
            community=visitor_pass.community,
            event="gate.pass.entered",
        )
    return entry


@transaction.atomic
def verify_pass(*, actor, code, gate="", at=None):
    """The guard checks a pass at the gate: valid now and with an entry left, it lets the
    visitor in (one entry used, the log written); else 409 with the reason, 404 when unknown."""
    at = at or timezone.now()
    code = code_of(code)
    if not code:
        refuse("code", _("Scan the visitor's QR code or type the code on the pass."))
    visitor_pass = (
        VisitorPass.objects.select_for_update(of=("self",))
        .select_related("house__building", "community", "issued_by")
        .filter(code=code)
        .first()
    )
    if visitor_pass is None or not policy.staff_has(
        actor, "gate.pass.verify", visitor_pass.community_id
    ):
        raise UnknownCode(_("No visitor pass has this code."))
    state = visitor_pass.state_at(at)
    if state != PassState.VALID:
        _refuse_state(state, visitor_pass)
    entry = _enter(actor, visitor_pass, gate=gate, at=at, kind_note="code")
    return visitor_pass, entry


@transaction.atomic
def use_pass_by_plate(*, actor, community_id, plate, at=None, gate=""):
    """The parking gate reads a plate: a valid pass carrying it lets the car in (one entry).
    Returns the pass, or None when no valid pass carries the plate. ``actor`` is the person or
    None for a gate controller."""
    from ..selectors import visitor_pass_for_plate

    at = at or timezone.now()
    found = visitor_pass_for_plate(community_id, plate, at)
    if found is None:
        return None
    visitor_pass = VisitorPass.objects.select_for_update().get(pk=found.pk)
    if visitor_pass.state_at(at) != PassState.VALID:
        return None
    _enter(actor, visitor_pass, gate=gate, at=at, kind_note="plate")
    return visitor_pass


# Walk-in visitors ---------------------------------------------------------------------------


@transaction.atomic
def register_walk_in(
    *, actor, house, visitor_name, visitor_phone="", plate="", purpose="", gate=""
):
    """The guard registers a visitor without a pass; the home's residents are asked at once."""
    if not policy.staff_has(actor, "gate.walkin.register", house.community_id):
        raise Forbidden(_("You may not register visitors in this community."))
    name = _name(visitor_name)
    phone = core_services.validate_phone(str(visitor_phone or ""), field="visitor_phone")
    walk_in = WalkIn.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        visitor_name=name,
        phone_masked=mask_middle(phone),
        plate=_plate(plate),
        purpose=" ".join(str(purpose or "").split())[:100],
        gate=str(gate or "")[:60],
        registered_by=actor,
    )
    audit.record(actor, "gate.walkin.created", walk_in, after=audit.snapshot(walk_in))
    notifications.notify(
        core_selectors.household_users([house.pk]),
        _("A visitor is at the gate"),
        _("%(name)s asks to visit your home. Let them in?") % {"name": name},
        link=f"/app/gate/walk-ins/{walk_in.pk}/",
        community=house.community,
        channels=("inbox", "wechat", "sms"),
        urgent=True,
        event="gate.walkin.created",
    )
    return walk_in


@transaction.atomic
def answer_walk_in(*, actor, walk_in, confirm, now=None):
    """A resident of the home lets the visitor in or declines; the guard sees the answer."""
    if not _resident_of(actor, walk_in.house):
        raise Forbidden(_("Only a resident of the visited home can answer."))
    now = now or timezone.now()
    walk_in = WalkIn.objects.select_for_update().get(pk=walk_in.pk)
    action = "confirm" if confirm else "decline"
    walk_in.status = WalkIn.machine.check(action, walk_in.status)
    walk_in.answered_by = actor
    walk_in.answered_at = now
    walk_in.save(update_fields=["status", "answered_by", "answered_at"])
    if walk_in.status == WalkInStatus.CONFIRMED:
        VisitorEntry.objects.create(
            organization_id=walk_in.organization_id,
            community_id=walk_in.community_id,
            house_id=walk_in.house_id,
            kind=EntryKind.WALK_IN,
            visitor_name=walk_in.visitor_name,
            phone_masked=walk_in.phone_masked,
            plate=walk_in.plate,
            gate=walk_in.gate,
            at=now,
            by=walk_in.registered_by,
        )
    audit.record(actor, f"gate.walkin.{walk_in.status}", walk_in)
    if walk_in.registered_by_id:
        notifications.notify(
            [walk_in.registered_by],
            _("Let the visitor in") if confirm else _("The resident declined the visitor"),
            walk_in.visitor_name,
            link=f"/console/gate/walk-ins/{walk_in.pk}/",
            community=walk_in.community,
            event=f"gate.walkin.{walk_in.status}",
        )
    return walk_in


# Retention ----------------------------------------------------------------------------------


@transaction.atomic
def purge_visitor_data(*, now=None):
    """Delete the visitor log, walk-ins and passes ended more than ANJU_VISITOR_RETENTION_DAYS
    ago (PIPL 第19条: kept no longer than needed). Returns the counts."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ANJU_VISITOR_RETENTION_DAYS)
    entries, _n = VisitorEntry.objects.filter(at__lt=cutoff).delete()
    walk_ins, _n = WalkIn.objects.filter(created_at__lt=cutoff).delete()
    passes, _n = VisitorPass.objects.filter(valid_until__lt=cutoff).delete()
    counts = {"entries": entries, "walk_ins": walk_ins, "passes": passes}
    if any(counts.values()):
        audit.record(None, "gate.visitors.purged", after={**counts, "before": cutoff.isoformat()})
    return counts
