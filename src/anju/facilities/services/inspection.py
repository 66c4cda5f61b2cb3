"""Inspection rounds (巡检): routes of points, plans per shift, daily tasks, QR check-ins."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit

from ..choices import INSPECTION_ROLES, TICKET_CATEGORY, InspectionKind, InspectionStatus, Timing
from ..models import (
    InspectionCheckin,
    InspectionPlan,
    InspectionPoint,
    InspectionRoute,
    InspectionTask,
)
from .common import (
    attach,
    full_clean,
    prepare_photos,
    raise_ticket,
    refuse,
    require_licence,
    require_role,
    require_staff,
    same_community,
    snapshot,
)
from .maintenance import check_checklist, evaluate_answers


@transaction.atomic
def create_inspection_route(
    *,
    actor,
    community,
    name,
    kind=InspectionKind.EQUIPMENT,
    description="",
    points=(),
    active=True,
):
    route = InspectionRoute(
        organization_id=community.organization_id,
        community=community,
        name=name,
        kind=kind,
        description=description,
        active=active,
    )
    full_clean(route)
    route.save()
    for i, point in enumerate(points, start=1):
        add_point(actor=actor, route=route, order=point.pop("order", i), **point)
    audit.record(actor, "facilities.inspection_route.created", route, after=snapshot(route))
    return route


@transaction.atomic
def add_point(
    *,
    actor,
    route,
    name,
    order=None,
    asset=None,
    building=None,
    place="",
    checklist=(),
    offset_minutes=0,
    tolerance_minutes=15,
):
    same_community("asset", asset, route.community)
    same_community("building", building, route.community)
    if asset is None and not place and building is None:
        refuse("place", _("A point is an asset or a place: choose the asset or write the place."))
    if order is None:
        order = route.points.count() + 1
    point = InspectionPoint(
        organization_id=route.organization_id,
        community_id=route.community_id,
        route=route,
        order=order,
        name=name,
        asset=asset,
        building=building,
        place=place,
        checklist=check_checklist(list(checklist)),
        offset_minutes=offset_minutes,
        tolerance_minutes=tolerance_minutes,
    )
    full_clean(point, exclude=["qr_token"])
    point.save()
    audit.record(actor, "facilities.inspection_point.added", point, after=snapshot(point))
    return point


def require_route_role(assignee, route, field="assignee"):
    """Only staff whose role fits the route's kind walk it (equipment: technicians, cleaning:
    cleaners, security: guards)."""
    kind = InspectionKind(route.kind)
    require_role(assignee, INSPECTION_ROLES[kind], route.community, field, kind.label)


@transaction.atomic
def create_inspection_plan(
    *,
    actor,
    route,
    shift_name,
    start_time,
    duration_minutes=120,
    weekdays=(),
    assignee=None,
    active=True,
):
    require_staff(assignee, "facilities.inspection.work", route.community, "assignee")
    require_route_role(assignee, route)
    require_licence(assignee, "inspection", route.kind, route.community)
    weekdays = sorted({int(d) for d in weekdays})
    if any(d < 1 or d > 7 for d in weekdays):
        refuse("weekdays", _("Weekdays are numbers from 1 (Monday) to 7 (Sunday)."))
    plan = InspectionPlan(
        organization_id=route.organization_id,
        community_id=route.community_id,
        route=route,
        shift_name=shift_name,
        start_time=start_time,
        duration_minutes=duration_minutes,
        weekdays=weekdays,
        assignee=assignee,
        active=active,
    )
    full_clean(plan)
    plan.save()
    audit.record(actor, "facilities.inspection_plan.created", plan, after=snapshot(plan))
    return plan


def generate_inspection_tasks(*, first_day=None, last_day=None):
    """One task per active plan and matching day (bulk, idempotent)."""
    first_day = first_day or timezone.localdate()
    last_day = last_day or first_day + timedelta(days=1)
    tz = timezone.get_current_timezone()
    rows = []
    plans = InspectionPlan.objects.filter(active=True, route__active=True)
    for plan in plans:
        day = first_day
        while day <= last_day:
            if not plan.weekdays or day.isoweekday() in plan.weekdays:
                starts = timezone.make_aware(datetime.combine(day, plan.start_time), tz)
                rows.append(
                    InspectionTask(
                        organization_id=plan.organization_id,
                        community_id=plan.community_id,
                        plan=plan,
                        route_id=plan.route_id,
                        day=day,
                        starts_at=starts,
                        ends_at=starts + timedelta(minutes=plan.duration_minutes),
                        assignee_id=plan.assignee_id,
                    )
                )
            day += timedelta(days=1)
    InspectionTask.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def point_timing(task, point, scanned_at):
    expected = task.starts_at + timedelta(minutes=point.offset_minutes)
    tolerance = timedelta(minutes=point.tolerance_minutes)
    if scanned_at < expected - tolerance:
        return Timing.EARLY
    if scanned_at > expected + tolerance:
        return Timing.LATE
    return Timing.ON_TIME


def find_task(point, scanned_at):
    """The round of the point's route that covers the scan time (late scans belong to the last
    round that had started)."""
    return (
        InspectionTask.objects.filter(
            route_id=point.route_id, starts_at__lte=scanned_at + timedelta(hours=1)
        )
        .filter(ends_at__gte=scanned_at - timedelta(hours=12))
        .exclude(status=InspectionStatus.MISSED)
        .order_by("-starts_at")
        .first()
    )


@transaction.atomic
def check_in(
    *,
    actor,
    point,
    scanned_at=None,
    task=None,
    answers=None,
    photo=None,
    latitude=None,
    longitude=None,
    note="",
):
    """A scan at an inspection point: timing, answers, optional photo and location. An abnormal
    answer opens one ticket carrying the photo."""
    now = timezone.now()
    scanned_at = scanned_at or now
    if scanned_at > now + timedelta(minutes=5):
        refuse("scanned_at", _("The scan time is in the future."))
    task = task or find_task(point, scanned_at)
    if task is None or task.route_id != point.route_id:
        refuse("point", _("No inspection round of this route is scheduled around this time."))
    task = InspectionTask.objects.select_for_update().get(pk=task.pk)
    if task.status == InspectionStatus.MISSED:
        refuse("point", _("This round was missed and is closed."))
    existing = InspectionCheckin.objects.filter(task=task, point=point).first()
    if existing is not None and existing.timing != Timing.MISSED:
        return existing
    clean, failed = evaluate_answers(point.checklist, answers or {})
    checkin = existing or InspectionCheckin(
        organization_id=task.organization_id, community_id=task.community_id, task=task, point=point
    )
    checkin.by = actor
    checkin.scanned_at = scanned_at
    checkin.timing = point_timing(task, point, scanned_at)
    checkin.answers = clean
    checkin.abnormal = bool(failed)
    checkin.latitude, checkin.longitude = latitude, longitude
    checkin.note = note
    photos = prepare_photos(photo, field="photo")  # a bad photo refuses before anything
    checkin.save()
    stored = attach(checkin, photos, actor=actor, field="photo")
    if failed:
        category = TICKET_CATEGORY.get(point.asset.category, "other") if point.asset_id else "other"
        ticket = raise_ticket(
            actor=actor,
            community=task.community,
            kind="repair",
            category=category,
            description=_("Inspection at %(point)s found: %(items)s. %(note)s")
            % {"point": point.name, "items": "、".join(failed), "note": note},
            source=checkin,
            title=_("Abnormal inspection: %(point)s") % {"point": point.name},
            attachments=stored,
        )
        if ticket is not None:
            checkin.ticket_id = ticket.pk
            checkin.save(update_fields=["ticket_id"])
    _refresh_task_status(task, now)
    audit.record(
        actor,
        "facilities.inspection.checked_in",
        checkin,
        after={"timing": checkin.timing, "abnormal": checkin.abnormal},
    )
    return checkin


def _refresh_task_status(task, now):
    points = task.route.points.count()
    done = task.checkins.exclude(timing=Timing.MISSED).count()
    if done >= points:
        task.status = InspectionStatus.DONE
        task.finished_at = task.finished_at or now
    elif done and task.status == InspectionStatus.NOT_STARTED:
        task.status = InspectionStatus.IN_PROGRESS
    task.save(update_fields=["status", "finished_at"])


def sweep_inspection_tasks(now=None):
    """Close rounds whose time is over: unscanned points are missed; a round with no scan is
    missed, one left half done is overdue."""
    now = now or timezone.now()
    closed = 0
    open_tasks = InspectionTask.objects.filter(
        ends_at__lt=now, status__in=(InspectionStatus.NOT_STARTED, InspectionStatus.IN_PROGRESS)
    )
    for pk in list(open_tasks.values_list("pk", flat=True)):
        with transaction.atomic():
            task = (
                InspectionTask.objects.select_for_update()
                .filter(
                    pk=pk, status__in=(InspectionStatus.NOT_STARTED, InspectionStatus.IN_PROGRESS)
                )
                .first()
            )
            if task is None:
                continue
            scanned = set(task.checkins.values_list("point_id", flat=True))
            missing = [p for p in task.route.points.all() if p.pk not in scanned]
            InspectionCheckin.objects.bulk_create(
                [
                    InspectionCheckin(
                        organization_id=task.organization_id,
                        community_id=task.community_id,
                        task=task,
                        point=p,
                        timing=Timing.MISSED,
                    )
                    for p in missing
                ]
            )
            task.status = InspectionStatus.MISSED if not scanned else InspectionStatus.OVERDUE
            task.save(update_fields=["status"])
            audit.record(
                None,
                "facilities.inspection.closed",
                task,
                after={"status": task.status, "missed_points": len(missing)},
            )
            closed += 1
    return closed
