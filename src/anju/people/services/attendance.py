"""考勤: clocking in and out inside the community's geofence or by the office QR code, and
corrections (补卡) asked for by the person and approved by the manager."""

import hmac
import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import full_clean, refuse
from anju.core.notifications import notify
from anju.core.selectors import managers_of

from ..choices import ClockKind, ClockMethod, CorrectionStatus
from ..models import AttendanceSite, ClockRecord, Correction
from ..selectors import distance_m, employee_of
from .common import require, text


def _coordinate(value, field, bound):
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        number = None
    if number is None or not number.is_finite() or abs(number) > bound:
        refuse(field, _("Give a coordinate between -%(bound)s and %(bound)s.") % {"bound": bound})
    return number.quantize(Decimal("0.000001"))


@transaction.atomic
def set_site(*, actor, community, latitude, longitude, radius_m) -> AttendanceSite:
    """The community's geofence (centre and radius) for clocking in; the office QR is made once."""
    require(actor, "people.attendance.manage", community)
    lat = _coordinate(latitude, "latitude", 90)
    lng = _coordinate(longitude, "longitude", 180)
    site = AttendanceSite.objects.select_for_update().filter(community=community).first()
    before = audit.snapshot(site, ["latitude", "longitude", "radius_m"]) if site else None
    site = site or AttendanceSite(
        organization_id=community.organization_id,
        community=community,
        qr_token=secrets.token_urlsafe(18),
    )
    site.latitude, site.longitude, site.radius_m = lat, lng, radius_m
    full_clean(site, exclude=["organization", "community"])
    site.save()
    audit.record(
        actor,
        "people.site.set",
        site,
        before=before,
        after=audit.snapshot(site, ["latitude", "longitude", "radius_m"]),
        community=community,
    )
    return site


def _current_employee(actor):
    employee = employee_of(actor)
    if employee is None:
        refuse("employee", _("You have no employee record; ask your manager."))
    return employee


@transaction.atomic
def clock(*, actor, kind, lat=None, lng=None, qr=None, at=None) -> ClockRecord:
    """打卡: ``kind`` "in" or "out", inside the community's geofence (``lat``/``lng`` from the
    phone) or with the office QR code (``qr``)."""
    if kind not in ClockKind.values:
        refuse("kind", _("Clock “in” or “out”."))
    employee = _current_employee(actor)
    site = AttendanceSite.objects.filter(community_id=employee.community_id).first()
    if site is None:
        refuse("location", _("Your community has no clock-in place yet; ask your manager."))
    record = ClockRecord(
        organization_id=employee.organization_id,
        community_id=employee.community_id,
        employee=employee,
        kind=kind,
        at=at or timezone.now(),
    )
    if qr not in (None, ""):
        if not hmac.compare_digest(str(qr).encode(), site.qr_token.encode()):
            refuse("qr", _("This is not your community's office QR code."))
        record.method = ClockMethod.QR
    else:
        if lat in (None, "") or lng in (None, ""):
            refuse("location", _("Allow the location, or scan the office QR code."))
        record.latitude = _coordinate(lat, "lat", 90)
        record.longitude = _coordinate(lng, "lng", 180)
        distance = distance_m(site.latitude, site.longitude, record.latitude, record.longitude)
        if distance > site.radius_m:
            refuse(
                "location",
                _(
                    "You are %(distance)s m from %(community)s, outside its %(radius)s m area: "
                    "clock in on site or scan the office QR code."
                )
                % {
                    "distance": round(distance),
                    "community": site.community.name,
                    "radius": site.radius_m,
                },
            )
        record.method = ClockMethod.GEOFENCE
        record.distance_m = round(distance)
    record.save()
    audit.record(
        actor,
        "people.clock.recorded",
        record,
        after={"kind": kind, "method": record.method, "at": record.at.isoformat()},
        community=employee.community,
    )
    return record


@transaction.atomic
def request_correction(*, actor, kind, at, reason) -> Correction:
    """补卡: the person asks for a clock they missed, with the reason."""
    employee = _current_employee(actor)
    if kind not in ClockKind.values:
        refuse("kind", _("Clock “in” or “out”."))
    if at is None:
        refuse("at", _("Give the time of the missing clock."))
    now = timezone.now()
    if at > now:
        refuse("at", _("A correction is for a time that has passed."))
    if at < now - timedelta(days=31):
        refuse("at", _("Corrections are asked within a month."))
    reason = text(reason)
    if not reason:
        refuse("reason", _("Say why the clock is missing."))
    correction = Correction.objects.create(
        organization_id=employee.organization_id,
        community_id=employee.community_id,
        employee=employee,
        kind=kind,
        at=at,
        reason=reason,
    )
    audit.record(
        actor,
        "people.correction.requested",
        correction,
        after={"kind": kind, "at": at.isoformat(), "reason": reason},
        community=employee.community,
    )
    notify(
        managers_of(employee.community),
        _("Clock correction from %(name)s") % {"name": employee.name},
        reason,
        link="/console/people/corrections/",
        community=employee.community,
    )
    return correction


@transaction.atomic
def decide_correction(*, actor, correction, approve, note="") -> Correction:
    """The manager approves (a clock record is added, marked as a correction) or rejects."""
    correction = (
        Correction.objects.select_for_update(of=("self",))
        .select_related("employee__user", "community")
        .get(pk=correction.pk)
    )
    require(actor, "people.attendance.manage", correction.community)
    if correction.employee.user_id == actor.pk:
        refuse("correction", _("Nobody approves their own correction."))
    action = "approve" if approve else "reject"
    correction.status = correction.machine.check(action, correction.status)
    correction.decided_by = actor
    correction.decided_at = timezone.now()
    correction.decision_note = text(note)
    if approve:
        correction.record = ClockRecord.objects.create(
            organization_id=correction.organization_id,
            community_id=correction.community_id,
            employee=correction.employee,
            kind=correction.kind,
            at=correction.at,
            method=ClockMethod.CORRECTION,
        )
    correction.save()
    audit.record(
        actor,
        f"people.correction.{'approved' if approve else 'rejected'}",
        correction,
        before={"status": CorrectionStatus.PENDING},
        after={"status": correction.status, "note": correction.decision_note},
        community=correction.community,
    )
    if correction.employee.user is not None:
        notify(
            [correction.employee.user],
            _("Your clock correction was approved")
            if approve
            else _("Your clock correction was rejected"),
            correction.decision_note,
            link="/console/people/clock/",
            community=correction.community,
        )
    return correction
