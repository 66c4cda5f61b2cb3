"""The read side of facilities: querysets and measures shared by the API, the console pages, the
dashboard cards and the comparison reports."""

from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from .choices import FIRE_EQUIPMENT, AlertKind, AssetStatus, HazardStatus
from .models import (
    Asset,
    Certificate,
    Hazard,
    InspectionPoint,
    MaintenanceTask,
    PatrolAlert,
    PatrolCheckpoint,
)
from .rules import setting
from .services.patrol import checkpoint_window, compliance_rows


def expiring_certificates(queryset=None, days=None, today=None):
    """The certificates of ``queryset`` expiring within ``days`` (``Certificate.expiring_q``)."""
    queryset = Certificate.objects.all() if queryset is None else queryset
    return queryset.filter(Certificate.expiring_q(days, today)).order_by("expires_on")


def expiring_equipment(queryset=None, days=None, today=None):
    """Fire equipment whose validity ends within ``days`` (or already ended)."""
    today = today or timezone.localdate()
    days = setting("equipment_expiry_days") if days is None else days
    queryset = Asset.objects.all() if queryset is None else queryset
    return (
        queryset.filter(
            category__in=FIRE_EQUIPMENT,
            expires_on__isnull=False,
            expires_on__lte=today + timedelta(days=days),
        )
        .exclude(status=AssetStatus.RETIRED)
        .order_by("expires_on")
    )


def replacement_forecast(queryset, years=5, today=None):
    """Assets due for replacement (install date + expected life) in each of the next ``years`` years."""
    today = today or timezone.localdate()
    rows = {}
    for asset in queryset.exclude(status=AssetStatus.RETIRED).filter(
        installed_on__isnull=False, expected_life_years__isnull=False
    ):
        due = asset.replacement_due
        if due.year <= today.year + years:
            rows.setdefault(max(due.year, today.year), []).append(asset)
    return sorted(rows.items())


def _where(queryset, q, matching):
    return queryset.filter(q) if matching else queryset.exclude(q)


def overdue_tasks(queryset=None, today=None, *, matching=True):
    """The overdue maintenance tasks of ``queryset`` (``MaintenanceTask.overdue_q``); with
    ``matching=False`` the others."""
    queryset = MaintenanceTask.objects.all() if queryset is None else queryset
    return _where(queryset, MaintenanceTask.overdue_q(today), matching)


#: How far back the missed-checkpoint card and its list look.
MISSED_WINDOW = timedelta(hours=24)


def patrol_alerts(queryset=None, now=None, kind=AlertKind.MISSED_CHECKPOINT):
    """Patrol alerts of ``kind`` raised in the last 24 hours and not cleared by a late scan:
    what the workbench card "missed patrol checkpoints (24 h)" counts and its list shows."""
    now = now or timezone.now()
    queryset = PatrolAlert.objects.all() if queryset is None else queryset
    return queryset.filter(kind=kind, raised_at__gte=now - MISSED_WINDOW, cleared_at__isnull=True)


def open_hazards(queryset=None, *, matching=True):
    """The hazards of ``queryset`` not closed yet (awaiting rectification or its check)."""
    queryset = Hazard.objects.all() if queryset is None else queryset
    return _where(queryset, ~Q(status=HazardStatus.CLOSED), matching)


def overdue_hazards(queryset=None, today=None, *, matching=True):
    """The hazards of ``queryset`` past their rectification deadline (``Hazard.overdue_q``)."""
    queryset = Hazard.objects.all() if queryset is None else queryset
    return _where(queryset, Hazard.overdue_q(today), matching)


def shifts_between(queryset, since=None, until=None):
    tz = timezone.get_current_timezone()
    if since:
        queryset = queryset.filter(
            starts_at__gte=timezone.make_aware(datetime.combine(since, time.min), tz)
        )
    if until:
        queryset = queryset.filter(
            starts_at__lt=timezone.make_aware(
                datetime.combine(until + timedelta(days=1), time.min), tz
            )
        )
    return queryset


def shift_progress(shift, now=None):
    """Checkpoints in order, each with its window, the counted scan and the result so far."""
    now = now or timezone.now()
    scans = {}
    for scan in shift.scans.order_by("scanned_at"):
        best = scans.get(scan.checkpoint_id)
        if best is None or (scan.counted and not best.counted):
            scans[scan.checkpoint_id] = scan
    missed = set(
        PatrolAlert.objects.filter(
            shift=shift, kind=AlertKind.MISSED_CHECKPOINT, cleared_at__isnull=True
        ).values_list("checkpoint_id", flat=True)
    )
    points, next_id = [], None
    for cp in shift.route.checkpoints.all():
        opens, closes = checkpoint_window(shift, cp)
        scan = scans.get(cp.pk)
        if scan is not None:
            state = scan.timing
        elif cp.pk in missed or closes < now:
            state = "missed"
        elif opens <= now:
            state = "open"
        else:
            state = "waiting"
        if next_id is None and state in ("open", "waiting"):
            next_id = cp.pk
        points.append(
            {
                "checkpoint": cp.pk,
                "order": cp.order,
                "name": cp.name,
                "place": cp.place,
                "opens_at": timezone.localtime(opens).isoformat(),
                "closes_at": timezone.localtime(closes).isoformat(),
                "scanned_at": timezone.localtime(scan.scanned_at).isoformat() if scan else None,
                "state": state,
            }
        )
    return {
        "shift": shift.pk,
        "route": shift.route.name,
        "status": shift.status,
        "starts_at": timezone.localtime(shift.starts_at).isoformat(),
        "ends_at": timezone.localtime(shift.ends_at).isoformat(),
        "next": next_id,
        "expected": shift.expected_count,
        "on_time": shift.on_time_count,
        "compliance": shift.compliance,
        "checkpoints": points,
    }


def rectification_rates(hazards):
    """隐患整改率: hazards rectified (and verified or closed) over hazards found, per community."""
    done = (HazardStatus.VERIFIED, HazardStatus.CLOSED)
    rows = (
        hazards.order_by()
        .values("community_id", "community__name")
        .annotate(
            found=Count("id"),
            rectified=Count("id", filter=Q(status__in=done)),
            overdue=Count("id", filter=Hazard.overdue_q()),
        )
    )
    out = []
    for row in rows:
        row["rate"] = round(row["rectified"] * 100 / row["found"], 1) if row["found"] else None
        out.append(row)
    return out


def hazards_by_age(hazards, now=None):
    """Open hazards in age buckets (days since found): 0-3, 4-7, 8-30, >30."""
    now = now or timezone.now()
    open_ = open_hazards(hazards)
    buckets = [("0-3", 0, 3), ("4-7", 4, 7), ("8-30", 8, 30), (">30", 31, None)]
    out = []
    for label, low, high in buckets:
        q = Q(found_at__lte=now - timedelta(days=low))
        if high is not None:
            q &= Q(found_at__gt=now - timedelta(days=high + 1))
        out.append((label, open_.filter(q).count()))
    return out


def patrol_compliance_by_day(shifts, days=14, today=None):
    today = today or timezone.localdate()
    rows = compliance_rows(shifts_between(shifts, today - timedelta(days=days - 1), today), "day")
    return [(row["day"], row["rate"], row["missed"]) for row in rows]


def community_metrics(user, community_ids, start, end, now=None):
    """小区对比: overdue maintenance and open hazards now, patrol checkpoints missed in the
    period, grouped by community."""
    from django.utils.translation import gettext as _

    from anju.core import policy
    from anju.core.comparison import Metric

    now = now or timezone.now()
    today = timezone.localdate(now)
    section = _("Facilities & safety")
    metrics = []

    def grouped(queryset, **annotations):
        return {
            row["community_id"]: row
            for row in queryset.filter(community_id__in=community_ids)
            .values("community_id")
            .annotate(**annotations)
            .order_by()
        }

    def per(rows, name):
        return {cid: rows.get(cid, {}).get(name, 0) for cid in community_ids}

    if policy.staff_has(user, "facilities.maintenance.view"):
        rows = grouped(
            overdue_tasks(
                MaintenanceTask.objects.visible_to(user, "facilities.maintenance.view"), today
            ),
            n=Count("id"),
        )
        metrics.append(
            Metric(
                "overdue_maintenance", _("Overdue maintenance"), "", "low", per(rows, "n"), section
            )
        )
    if policy.staff_has(user, "facilities.hazard.view"):
        rows = grouped(
            open_hazards(Hazard.objects.visible_to(user, "facilities.hazard.view")),
            open=Count("id"),
            late=Count("id", filter=Hazard.overdue_q(today)),
        )
        metrics.append(
            Metric("open_hazards", _("Open hazards"), "", "low", per(rows, "open"), section)
        )
        metrics.append(
            Metric(
                "late_hazards",
                _("Hazards past the deadline"),
                "",
                "low",
                per(rows, "late"),
                section,
            )
        )
    if policy.staff_has(user, "facilities.patrol.view"):
        zone = timezone.get_current_timezone()
        lo = datetime.combine(start, time.min, tzinfo=zone)
        hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
        rows = grouped(
            PatrolAlert.objects.visible_to(user, "facilities.patrol.view").filter(
                kind=AlertKind.MISSED_CHECKPOINT, raised_at__gte=lo, raised_at__lt=hi
            ),
            n=Count("id"),
        )
        metrics.append(
            Metric(
                "missed_checkpoints",
                _("Missed patrol checkpoints"),
                "",
                "low",
                per(rows, "n"),
                section,
            )
        )
    return metrics


def staff_metrics(user, staff_ids, start, end, now=None):
    """员工绩效: maintenance tasks completed (and on time) and patrol checkpoints kept, per person,
    in the communities ``user`` may see."""
    from django.db.models import F, Sum
    from django.utils.translation import gettext as _

    from anju.core import policy
    from anju.core.comparison import Metric, ratio

    from .models import PatrolShift

    zone = timezone.get_current_timezone()
    lo = datetime.combine(start, time.min, tzinfo=zone)
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    section = _("Facilities & safety")
    metrics = []
    if policy.staff_has(user, "facilities.maintenance.view"):
        rows = {
            row["completed_by_id"]: row
            for row in MaintenanceTask.objects.visible_to(user, "facilities.maintenance.view")
            .filter(completed_by_id__in=staff_ids, completed_at__gte=lo, completed_at__lt=hi)
            .values("completed_by_id")
            .annotate(
                n=Count("id"), on_time=Count("id", filter=Q(completed_at__date__lte=F("due_on")))
            )
            .order_by()
        }
        metrics += [
            Metric(
                "maintenance_done",
                _("Maintenance tasks done"),
                "",
                "",
                {pk: rows.get(pk, {}).get("n", 0) for pk in staff_ids},
                section,
            ),
            Metric(
                "maintenance_on_time",
                _("Maintenance done on time"),
                "%",
                "high",
                {
                    pk: ratio(rows[pk]["on_time"], rows[pk]["n"]) if pk in rows else None
                    for pk in staff_ids
                },
                section,
            ),
        ]
    if policy.staff_has(user, "facilities.inspection.view"):
        from .choices import InspectionStatus
        from .models import InspectionTask

        rows = {
            row["assignee_id"]: row
            for row in InspectionTask.objects.visible_to(user, "facilities.inspection.view")
            .filter(
                assignee_id__in=staff_ids,
                starts_at__gte=lo,
                starts_at__lt=hi,
                ends_at__lte=now or timezone.now(),
            )
            .values("assignee_id")
            .annotate(n=Count("id"), done=Count("id", filter=Q(status=InspectionStatus.DONE)))
            .order_by()
        }
        metrics.append(
            Metric(
                "inspections_done",
                _("Inspection rounds done"),
                "%",
                "high",
                {
                    pk: ratio(rows[pk]["done"], rows[pk]["n"]) if pk in rows else None
                    for pk in staff_ids
                },
                section,
            )
        )
    if policy.staff_has(user, "facilities.patrol.view"):
        rows = {
            row["guard_id"]: row
            for row in PatrolShift.objects.visible_to(user, "facilities.patrol.view")
            .filter(
                guard_id__in=staff_ids,
                starts_at__gte=lo,
                starts_at__lt=hi,
                ends_at__lte=now or timezone.now(),
            )
            .values("guard_id")
            .annotate(expected=Sum("expected_count"), kept=Sum("on_time_count"), shifts=Count("id"))
            .order_by()
        }
        metrics += [
            Metric(
                "patrol_shifts",
                _("Patrol shifts"),
                "",
                "",
                {pk: rows.get(pk, {}).get("shifts", 0) for pk in staff_ids},
                section,
            ),
            Metric(
                "patrol_compliance",
                _("Patrol checkpoints kept"),
                "%",
                "high",
                {
                    pk: ratio(rows[pk]["kept"] or 0, rows[pk]["expected"] or 0)
                    if pk in rows
                    else None
                    for pk in staff_ids
                },
                section,
            ),
        ]
    return metrics


# Codes scanned or typed on the phone pages -------------------------------------------------

#: The prefixes of the QR codes printed on labels: checkpoint, inspection point, asset.
CODE_PREFIXES = ("ANJU-CP:", "ANJU-IP:", "ANJU-AS:")


def find_by_code(user, model, perm, code):
    """The checkpoint, inspection point or asset a scanned or typed code names, among those
    ``user`` may see with ``perm``: the QR text (``ANJU-CP:<token>``), a label's address ending in
    the token, the token alone, the number (id) or, for an asset, its asset code. None when
    nothing matches."""
    text = str(code if code is not None else "").strip()
    for prefix in CODE_PREFIXES:
        if text.upper().startswith(prefix):
            text = text[len(prefix) :]
    text = text.rstrip("/").rsplit("/", 1)[-1].strip()
    if not text or len(text) > 200:
        return None
    queryset = model.objects.visible_to(user, perm)
    found = None
    if text.isdigit() and len(text) < 18:
        found = queryset.filter(pk=int(text)).first()
    if found is None:
        match = Q(qr_token=text)
        if model is Asset:
            match |= Q(code__iexact=text)
        found = queryset.filter(match).first()
    return found


def unknown_code_message(model):
    """What a person is told when a code names nothing: the thing in words and what to do."""
    from django.utils.translation import gettext as _

    if model is PatrolCheckpoint:
        return _("There is no such patrol checkpoint. Check the QR code or type its number.")
    if model is InspectionPoint:
        return _("There is no such inspection point. Check the QR code or type its number.")
    return _("There is no such asset. Check the QR code or type its asset code.")


# A field worker's home: one list of what is theirs to do, in order of due time ----------------


def _end_of(day):
    return timezone.make_aware(datetime.combine(day, time(23, 59)))


def my_tickets(user):
    """The open service-desk tickets assigned to ``user``, read through the service desk's own
    queue rule (servicedesk.selectors.staff_queue / by_next_due)."""
    from django.apps import apps

    from anju.core import policy
    from anju.servicedesk import selectors as desk

    if not policy.staff_has(user, "servicedesk.ticket.view"):
        return []
    tickets = apps.get_model("servicedesk", "Ticket").objects.visible_to(
        user, "servicedesk.ticket.view"
    )
    return desk.by_next_due(list(desk.staff_queue(tickets.filter(assignee=user))[:30]))


def my_maintenance(user, today=None, days=7):
    """Maintenance tasks still to do that are the user's (or nobody's yet), due within ``days``."""
    from anju.core import policy

    from .models.maintenance import OPEN_TASK_STATES

    if not policy.staff_has(user, "facilities.maintenance.work"):
        return MaintenanceTask.objects.none()
    today = today or timezone.localdate()
    return (
        MaintenanceTask.objects.visible_to(user, "facilities.maintenance.work")
        .filter(status__in=OPEN_TASK_STATES, due_on__lte=today + timedelta(days=days))
        .filter(Q(assignee=user) | Q(assignee__isnull=True))
        .select_related("asset", "plan")
        .order_by("due_on", "id")[:30]
    )


def my_rounds(user, day=None):
    """Today's inspection rounds that are the user's (or nobody's yet), with their points."""
    from anju.core import policy

    from .models import InspectionTask

    if not policy.staff_has(user, "facilities.inspection.work"):
        return InspectionTask.objects.none()
    day = day or timezone.localdate()
    return (
        InspectionTask.objects.visible_to(user, "facilities.inspection.work")
        .filter(day=day)
        .filter(Q(assignee=user) | Q(assignee__isnull=True))
        .select_related("route", "plan")
        .prefetch_related("route__points", "checkins")
        .order_by("starts_at", "id")
    )


def my_work(user, now=None):
    """Tickets, maintenance tasks and inspection rounds of ``user`` in one list, the one due
    first on top: each row a dict with ``kind``, ``obj``, ``due`` (a time), ``tone`` and what
    the step to do next is."""
    from .choices import InspectionStatus

    now = now or timezone.now()
    rows = []
    for ticket in my_tickets(user):
        due = ticket.current_due(now)
        rows.append(
            {
                "kind": "ticket",
                "obj": ticket,
                "step": due[0] if due else "",
                "due": due[1] if due else None,
                "tone": ticket.sla_state(now, due=due) if due else "",
            }
        )
    for task in my_maintenance(user, timezone.localdate(now)):
        rows.append({"kind": "task", "obj": task, "due": _end_of(task.due_on), "tone": task.tone})
    for task in my_rounds(user, timezone.localdate(now)):
        if task.status in (InspectionStatus.DONE, InspectionStatus.MISSED):
            continue
        done = {c.point_id for c in task.checkins.all()}
        points = list(task.route.points.all())
        tone = "bad" if task.status == InspectionStatus.OVERDUE else ""
        if not tone and task.starts_at <= now:
            tone = "warn"
        rows.append(
            {
                "kind": "round",
                "obj": task,
                "due": task.ends_at,
                "tone": tone,
                "points": [(p, p.pk in done) for p in points],
                "done": len(done),
                "total": len(points),
            }
        )
    rows.sort(key=lambda r: (r["due"] is None, r["due"] or now))
    return rows


def shift_summary(shift, now=None):
    """The guard's shift at a glance: the next checkpoint and its window, how many are done."""
    progress = shift_progress(shift, now)
    points = progress["checkpoints"]
    nxt = next((p for p in points if p["checkpoint"] == progress["next"]), None)
    done = sum(1 for p in points if p["state"] in ("on_time", "early", "late"))
    return {
        "progress": progress,
        "next": nxt,
        "next_opens": datetime.fromisoformat(nxt["opens_at"]) if nxt else None,
        "next_closes": datetime.fromisoformat(nxt["closes_at"]) if nxt else None,
        "done": done,
        "total": len(points),
        "missed": sum(1 for p in points if p["state"] == "missed"),
    }
