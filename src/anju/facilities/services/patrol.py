"""Security patrols (巡更): routes, shifts, scans (also late off-line ones), alerts, compliance."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, policy

from ..choices import PATROL_ROLES, AlertKind, ShiftStatus, Timing
from ..models import PatrolAlert, PatrolCheckpoint, PatrolRoute, PatrolScan, PatrolShift
from ..rules import setting
from .common import (
    alert_managers,
    full_clean,
    raise_ticket,
    refuse,
    require_role,
    require_staff,
    snapshot,
)


@transaction.atomic
def create_patrol_route(*, actor, community, name, idle_minutes=None, checkpoints=(), active=True):
    route = PatrolRoute(
        organization_id=community.organization_id,
        community=community,
        name=name,
        idle_minutes=idle_minutes,
        active=active,
    )
    full_clean(route)
    route.save()
    for i, cp in enumerate(checkpoints, start=1):
        add_checkpoint(actor=actor, route=route, order=cp.pop("order", i), **cp)
    audit.record(actor, "facilities.patrol_route.created", route, after=snapshot(route))
    return route


@transaction.atomic
def add_checkpoint(
    *, actor, route, name, order=None, place="", opens_after_minutes=0, closes_after_minutes=60
):
    if closes_after_minutes <= opens_after_minutes:
        refuse("closes_after_minutes", _("The window must close after it opens."))
    if order is None:
        order = (
            route.checkpoints.order_by("-order").values_list("order", flat=True).first() or 0
        ) + 1
    if route.checkpoints.filter(order=order).exists():
        refuse("order", _("Another checkpoint of this route has this position."))
    cp = PatrolCheckpoint(
        organization_id=route.organization_id,
        community_id=route.community_id,
        route=route,
        order=order,
        name=name,
        place=place,
        opens_after_minutes=opens_after_minutes,
        closes_after_minutes=closes_after_minutes,
    )
    full_clean(cp, exclude=["qr_token"])
    cp.save()
    audit.record(actor, "facilities.patrol_checkpoint.added", cp, after=snapshot(cp))
    return cp


@transaction.atomic
def create_shift(*, actor, route, guard, starts_at, ends_at, name=""):
    if ends_at <= starts_at:
        refuse("ends_at", _("A shift must end after it starts."))
    require_staff(guard, "facilities.patrol.work", route.community, "guard")
    require_role(guard, PATROL_ROLES, route.community, "guard", _("Patrol"))
    count = route.checkpoints.count()
    if not count:
        refuse("route", _("The route has no checkpoints yet."))
    shift = PatrolShift(
        organization_id=route.organization_id,
        community_id=route.community_id,
        route=route,
        guard=guard,
        starts_at=starts_at,
        ends_at=ends_at,
        name=name,
        expected_count=count,
    )
    full_clean(shift)
    shift.save()
    audit.record(actor, "facilities.patrol_shift.created", shift, after=snapshot(shift))
    return shift


def checkpoint_window(shift, checkpoint):
    return (
        shift.starts_at + timedelta(minutes=checkpoint.opens_after_minutes),
        shift.starts_at + timedelta(minutes=checkpoint.closes_after_minutes),
    )


def scan_timing(shift, checkpoint, scanned_at):
    opens, closes = checkpoint_window(shift, checkpoint)
    if scanned_at < opens:
        return Timing.EARLY
    if scanned_at > closes:
        return Timing.LATE
    return Timing.ON_TIME


def shift_for(checkpoint, scanned_at, by):
    """The shift a scan belongs to: the route's shift covering the scan time, the scanning guard's first."""
    candidates = PatrolShift.objects.filter(
        route_id=checkpoint.route_id, starts_at__lte=scanned_at, ends_at__gte=scanned_at
    )
    return (
        candidates.filter(guard=by).order_by("starts_at").first()
        or candidates.order_by("starts_at").first()
    )


def record_scan(
    *,
    actor,
    checkpoint,
    scanned_at,
    by=None,
    client_id=None,
    latitude=None,
    longitude=None,
    now=None,
):
    """Store a guard's scan with the time it was made. Scans queued off-line arrive late and still
    land in the shift that covered their time; a re-sent scan (same client_id) is stored once."""
    now = now or timezone.now()
    by = by or actor
    if client_id:
        existing = PatrolScan.objects.filter(client_id=client_id).first()
        if existing is not None:
            return existing
    if by != actor and not policy.staff_has(
        actor, "facilities.patrol.manage", checkpoint.community_id
    ):
        refuse("by", _("You can only record your own scans."))
    if scanned_at > now + timedelta(seconds=setting("clock_skew_seconds")):
        refuse("scanned_at", _("The scan time is in the future; check the phone's clock."))
    try:
        with transaction.atomic():
            return _store_scan(
                actor, checkpoint, scanned_at, by, client_id, latitude, longitude, now
            )
    except IntegrityError:
        if client_id:  # the same off-line scan sent twice at once
            existing = PatrolScan.objects.filter(client_id=client_id).first()
            if existing is not None:
                return existing
        raise


def _store_scan(actor, checkpoint, scanned_at, by, client_id, latitude, longitude, now):
    shift = shift_for(checkpoint, scanned_at, by)
    if shift is None:
        refuse("scanned_at", _("No patrol shift of this route covers the scan time."))
    shift = PatrolShift.objects.select_for_update().get(pk=shift.pk)
    timing = scan_timing(shift, checkpoint, scanned_at)
    counted = (
        timing == Timing.ON_TIME
        and not shift.scans.filter(checkpoint=checkpoint, counted=True).exists()
    )
    scan = PatrolScan.objects.create(
        organization_id=shift.organization_id,
        community_id=shift.community_id,
        shift=shift,
        checkpoint=checkpoint,
        by=by,
        scanned_at=scanned_at,
        received_at=now,
        offline=(now - scanned_at).total_seconds() > setting("offline_after_seconds"),
        timing=timing,
        counted=counted,
        client_id=client_id or None,
        latitude=latitude,
        longitude=longitude,
    )
    updates = {"scan_count": F("scan_count") + 1}
    if counted:
        updates["on_time_count"] = F("on_time_count") + 1
    if shift.last_scan_at is None or scanned_at > shift.last_scan_at:
        updates["last_scan_at"] = scanned_at
    if shift.status == ShiftStatus.SCHEDULED:
        updates["status"] = ShiftStatus.ACTIVE
    PatrolShift.objects.filter(pk=shift.pk).update(**updates)
    if counted:
        # An off-line scan arriving after the alert proves the guard was there in time.
        cleared = PatrolAlert.objects.filter(
            shift=shift,
            kind=AlertKind.MISSED_CHECKPOINT,
            checkpoint=checkpoint,
            cleared_at__isnull=True,
        ).update(cleared_at=now)
        if cleared:
            PatrolShift.objects.filter(pk=shift.pk).update(missed_count=F("missed_count") - cleared)
    PatrolAlert.objects.filter(
        shift=shift,
        kind=AlertKind.IDLE_GAP,
        cleared_at__isnull=True,
        gap_since__lt=scanned_at,
        raised_at__gt=scanned_at,
    ).update(cleared_at=now)
    audit.record(
        actor,
        "facilities.patrol.scanned",
        scan,
        after={
            "checkpoint": checkpoint.pk,
            "scanned_at": scanned_at.isoformat(),
            "timing": timing,
            "offline": scan.offline,
            "shift": shift.pk,
        },
    )
    return scan


def _raise_alert(shift, kind, now, *, checkpoint=None, gap_since=None):
    """Create the alert row once; the unique constraints refuse a second. Returns it or None."""
    try:
        with transaction.atomic():
            alert = PatrolAlert.objects.create(
                organization_id=shift.organization_id,
                community_id=shift.community_id,
                shift=shift,
                kind=kind,
                checkpoint=checkpoint,
                gap_since=gap_since,
                raised_at=now,
            )
    except IntegrityError:
        return None
    guard = shift.guard.get_full_name() or shift.guard.username
    link = f"/console/facilities/patrol-shifts/{shift.pk}/"
    if kind == AlertKind.MISSED_CHECKPOINT:
        _opens, closes = checkpoint_window(shift, checkpoint)
        title = _("Missed patrol checkpoint: %(cp)s") % {"cp": checkpoint.name}
        body = _("%(guard)s did not scan %(cp)s (%(route)s) before %(closes)s.") % {
            "guard": guard,
            "cp": checkpoint.name,
            "route": shift.route.name,
            "closes": f"{timezone.localtime(closes):%Y-%m-%d %H:%M}",
        }
        PatrolShift.objects.filter(pk=shift.pk).update(missed_count=F("missed_count") + 1)
        ticket = raise_ticket(
            actor=None,
            community=shift.community,
            kind="complaint",
            category="security",
            description=body,
            source=alert,
            title=title,
        )
        if ticket is not None:
            PatrolAlert.objects.filter(pk=alert.pk).update(ticket_id=ticket.pk)
            alert.ticket_id = ticket.pk
    else:
        title = _("No patrol scan for %(minutes)s minutes: %(guard)s") % {
            "minutes": shift.route.idle_limit,
            "guard": guard,
        }
        body = _(
            "%(guard)s (%(route)s) has not scanned since %(since)s: possible absence or sleeping."
        ) % {
            "guard": guard,
            "route": shift.route.name,
            "since": f"{timezone.localtime(gap_since):%Y-%m-%d %H:%M}",
        }
    alert_managers(shift.community, title, body, link=link)
    audit.record(
        None,
        f"facilities.patrol.{kind}",
        alert,
        after={"shift": shift.pk, "checkpoint": getattr(checkpoint, "pk", None)},
    )
    return alert


def sweep_patrols(now=None):
    """Run every minute: raise missed-checkpoint and idle-gap alerts (each once), finish shifts."""
    now = now or timezone.now()
    grace = timedelta(minutes=setting("patrol_missed_grace_minutes"))
    raised = []
    shifts = PatrolShift.objects.filter(
        status__in=(ShiftStatus.SCHEDULED, ShiftStatus.ACTIVE), starts_at__lte=now
    ).select_related("route", "guard", "community")
    for shift in shifts:
        checkpoints = list(shift.route.checkpoints.all())
        counted = set(shift.scans.filter(counted=True).values_list("checkpoint_id", flat=True))
        alerted = set(
            PatrolAlert.objects.filter(shift=shift, kind=AlertKind.MISSED_CHECKPOINT).values_list(
                "checkpoint_id", flat=True
            )
        )
        for cp in checkpoints:
            _opens, closes = checkpoint_window(shift, cp)
            if closes + grace < now and cp.pk not in counted and cp.pk not in alerted:
                alert = _raise_alert(shift, AlertKind.MISSED_CHECKPOINT, now, checkpoint=cp)
                if alert:
                    raised.append(alert)
        if now < shift.ends_at:
            since = max(shift.last_scan_at or shift.starts_at, shift.starts_at)
            if now - since > timedelta(minutes=shift.route.idle_limit):
                alert = _raise_alert(shift, AlertKind.IDLE_GAP, now, gap_since=since)
                if alert:
                    raised.append(alert)
        last_close = max(
            (checkpoint_window(shift, cp)[1] for cp in checkpoints), default=shift.ends_at
        )
        if now >= max(shift.ends_at, last_close + grace):
            PatrolShift.objects.filter(pk=shift.pk).exclude(status=ShiftStatus.FINISHED).update(
                status=ShiftStatus.FINISHED
            )
    return raised


def compliance_rows(shifts, group_by):
    """Compliance (checkpoints scanned on time / expected) grouped by guard, route or shift name."""
    from django.db.models import Sum

    keys = {
        "guard": ["guard_id", "guard__username", "guard__first_name"],
        "route": ["route_id", "route__name"],
        "shift": ["name"],
        "day": ["day"],
    }[group_by]
    queryset = shifts
    if group_by == "day":
        from django.db.models.functions import TruncDate

        queryset = queryset.annotate(
            day=TruncDate("starts_at", tzinfo=timezone.get_current_timezone())
        )
    rows = (
        queryset.values(*keys)
        .annotate(
            expected=Sum("expected_count"),
            on_time=Sum("on_time_count"),
            scans=Sum("scan_count"),
            missed=Sum("missed_count"),
        )
        .order_by(*keys)
    )
    out = []
    for row in rows:
        expected = row["expected"] or 0
        row["rate"] = round(row["on_time"] * 100 / expected, 1) if expected else None
        out.append(row)
    return out
