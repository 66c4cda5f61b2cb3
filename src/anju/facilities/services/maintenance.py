"""Maintenance plans (保养) and their tasks: legal floors, generation, completion, overdue sweep."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import DomainError

from ..choices import TICKET_CATEGORY, AssetStatus, Frequency, TaskResult, TaskStatus
from ..models import Asset, MaintenancePlan, MaintenanceTask
from ..models.maintenance import FALLING_DUE_STATES
from ..rules import floor_for, plan_interval_days, setting
from .common import (
    attach,
    full_clean,
    raise_ticket,
    refuse,
    require_licence,
    require_staff,
    snapshot,
)

STEP = {
    Frequency.WEEKLY: lambda n: relativedelta(weeks=n),
    Frequency.MONTHLY: lambda n: relativedelta(months=n),
    Frequency.QUARTERLY: lambda n: relativedelta(months=3 * n),
    Frequency.YEARLY: lambda n: relativedelta(years=n),
    Frequency.EVERY_N_DAYS: lambda n: relativedelta(days=n),
}


def check_legal_floor(category, kind, frequency, interval):
    """Refuse a plan looser than the law allows (DOMAIN.md §5, rules.LEGAL_FLOORS)."""
    if frequency == Frequency.EVERY_N_DAYS and (not interval or interval < 1):
        refuse("interval", _("Enter the number of days between two occurrences."))
    floor = floor_for(category, kind)
    if floor is None:
        return
    days = plan_interval_days(frequency, interval)
    if days > floor.max_days:
        message = _(
            "This plan is looser than the law allows: at most %(max)s days between two occurrences, this plan "
            "allows up to %(days)s. %(citation)s"
        ) % {"max": floor.max_days, "days": days, "citation": floor.citation}
        raise DomainError(message, code="legal_floor", fields={"frequency": [message]})


def check_checklist(checklist, field="checklist"):
    if not isinstance(checklist, list):
        refuse(field, _("The checklist must be a list of items."))
    keys = set()
    for i, item in enumerate(checklist):
        if not isinstance(item, dict) or not str(item.get("label", "")).strip():
            refuse(field, _("Item %(n)s needs a label.") % {"n": i + 1})
        item.setdefault("key", f"i{i + 1}")
        item.setdefault("type", "check")
        if item["type"] not in ("check", "number"):
            refuse(field, _("Item %(n)s: the type must be “check” or “number”.") % {"n": i + 1})
        if item["key"] in keys:
            refuse(field, _("Item %(n)s repeats a key.") % {"n": i + 1})
        keys.add(item["key"])
    return checklist


def _check_assets(assets, community, category):
    for asset in assets:
        if asset.community_id != community.pk:
            refuse("assets", _("%(asset)s belongs to another community.") % {"asset": asset})
        if asset.category != category:
            refuse("assets", _("%(asset)s is not of the plan's category.") % {"asset": asset})


@transaction.atomic
def create_plan(
    *,
    actor,
    community,
    name,
    category,
    frequency,
    starts_on,
    kind="maintenance",
    interval=1,
    assets=(),
    checklist=(),
    assignee=None,
    active=True,
):
    check_legal_floor(category, kind, frequency, interval)
    checklist = check_checklist(list(checklist))
    assets = list(assets)
    _check_assets(assets, community, category)
    require_staff(assignee, "facilities.maintenance.work", community, "assignee")
    require_licence(assignee, "maintenance", category, community)
    plan = MaintenancePlan(
        organization_id=community.organization_id,
        community=community,
        name=name,
        category=category,
        kind=kind,
        frequency=frequency,
        interval=interval or 1,
        starts_on=starts_on,
        checklist=checklist,
        assignee=assignee,
        active=active,
    )
    full_clean(plan)
    plan.save()
    plan.assets.set(assets)
    audit.record(
        actor,
        "facilities.plan.created",
        plan,
        after={**snapshot(plan), "assets": [a.pk for a in assets]},
    )
    return plan


@transaction.atomic
def update_plan(plan, data, *, actor):
    plan = MaintenancePlan.objects.select_for_update().get(pk=plan.pk)
    assets = data.pop("assets", None)
    if "checklist" in data:
        data["checklist"] = check_checklist(list(data["checklist"]))
    before = snapshot(plan)
    for key, value in data.items():
        if key in ("community", "organization"):
            continue
        setattr(plan, key, value)
    check_legal_floor(plan.category, plan.kind, plan.frequency, plan.interval)
    require_staff(plan.assignee, "facilities.maintenance.work", plan.community, "assignee")
    require_licence(plan.assignee, "maintenance", plan.category, plan.community)
    if assets is not None:
        _check_assets(assets, plan.community, plan.category)
        plan.assets.set(assets)
    elif "category" in data:
        _check_assets(plan.assets.all(), plan.community, plan.category)
    full_clean(plan)
    plan.save()
    after = snapshot(plan)
    changed = {k: v for k, v in before.items() if after.get(k) != v}
    audit.record(
        actor, "facilities.plan.changed", plan, before=changed, after={k: after[k] for k in changed}
    )
    return plan


def occurrences(plan, start: date, end: date):
    """Due dates of ``plan`` within [start, end], counted from ``starts_on`` (month ends clamp)."""
    step = STEP[plan.frequency]
    interval = max(int(plan.interval or 1), 1)
    dates = []
    if plan.frequency == Frequency.EVERY_N_DAYS or plan.frequency == Frequency.WEEKLY:
        days = interval * (7 if plan.frequency == Frequency.WEEKLY else 1)
        first = plan.starts_on
        if first < start:
            first += timedelta(days=-(-(start - first).days // days) * days)
        d = first
        while d <= end:
            dates.append(d)
            d += timedelta(days=days)
        return dates
    n = 0
    while True:
        d = plan.starts_on + step(
            interval * n
        )  # from the anchor each time, so 31st stays 31st where it exists
        if d > end:
            return dates
        if d >= start:
            dates.append(d)
        n += 1


def generate_tasks(*, actor=None, until=None, today=None, plans=None):
    """Create the tasks of active plans due between today and ``until`` (default: the
    ``generate_ahead_days`` setting). Bulk and idempotent: one INSERT ... SELECT per plan crosses
    its assets with its due dates, and the unique (plan, asset, due_on) skips what exists."""
    today = today or timezone.localdate()
    until = until or today + timedelta(days=setting("generate_ahead_days"))
    queryset = MaintenancePlan.objects.filter(active=True) if plans is None else plans
    made = 0
    for plan in queryset.order_by("pk"):
        dates = occurrences(plan, max(today, plan.starts_on), until)
        if not dates:
            continue
        with transaction.atomic():
            created = _insert_occurrences(plan, dates)
            if plan.generated_until is None or plan.generated_until < until:
                MaintenancePlan.objects.filter(pk=plan.pk).update(generated_until=until)
            if created:
                audit.record(
                    actor,
                    "facilities.plan.tasks_generated",
                    plan,
                    after={"until": until.isoformat(), "created": created},
                )
        made += created
    return made


def _insert_occurrences(plan, dates):
    task = MaintenanceTask._meta
    link = MaintenancePlan.assets.through._meta
    asset = Asset._meta
    column = {f.name: f.column for f in task.concrete_fields}
    targets = [
        "organization",
        "community",
        "plan",
        "asset",
        "due_on",
        "status",
        "assignee",
        "answers",
        "readings",
        "result",
        "notes",
    ]
    days = " UNION ALL ".join(["SELECT %s AS due_on"] * len(dates))
    plan_column = link.get_field("maintenanceplan").column
    asset_column = link.get_field("asset").column
    # Identifiers come from model metadata; every value is a query parameter.
    sql = (
        f"INSERT INTO {task.db_table} ({', '.join(column[t] for t in targets)}) "  # noqa: S608
        f"SELECT %s, %s, %s, l.{asset_column}, d.due_on, %s, %s, %s, %s, '', '' "
        f"FROM {link.db_table} l JOIN {asset.db_table} a ON a.{asset.pk.column} = l.{asset_column} "
        f"CROSS JOIN ({days}) d "
        f"WHERE l.{plan_column} = %s AND a.{asset.get_field('status').column} <> %s "
        f"ON CONFLICT DO NOTHING"
    )
    params = [
        plan.organization_id,
        plan.community_id,
        plan.pk,
        TaskStatus.SCHEDULED,
        plan.assignee_id,
        "{}",
        "{}",
        *dates,
        plan.pk,
        AssetStatus.RETIRED,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _locked_task(task):
    return (
        MaintenanceTask.objects.select_for_update()
        .select_related("plan", "asset", "community")
        .get(pk=task.pk)
    )


@transaction.atomic
def assign_task(task, *, actor, assignee):
    task = _locked_task(task)
    MaintenanceTask.machine.check("assign", task.status)
    require_staff(assignee, "facilities.maintenance.work", task.community, "assignee")
    require_licence(assignee, "maintenance", task.plan.category, task.community)
    before = task.assignee_id
    task.assignee = assignee
    task.save(update_fields=["assignee"])
    audit.record(
        actor,
        "facilities.task.assigned",
        task,
        before={"assignee": before},
        after={"assignee": assignee.pk},
    )
    return task


@transaction.atomic
def start_task(task, *, actor):
    task = _locked_task(task)
    if task.status == TaskStatus.IN_PROGRESS:
        return task
    task.status = MaintenanceTask.machine.check("start", task.status)
    task.started_at = timezone.now()
    if task.assignee_id is None:
        task.assignee = actor
    task.save(update_fields=["status", "started_at", "assignee"])
    audit.record(actor, "facilities.task.started", task, after={"status": task.status})
    return task


def evaluate_answers(checklist, answers, field="answers"):
    """Check every item is answered; return (clean answers, failed item labels)."""
    if not isinstance(answers, dict):
        refuse(field, _("Answers must map each checklist item to its result."))
    clean, failed = {}, []
    for item in checklist:
        key, label = item["key"], item["label"]
        if key not in answers or answers[key] in ("", None):
            refuse(field, _("Answer “%(item)s”.") % {"item": label})
        value = answers[key]
        if item.get("type") == "number":
            try:
                number = Decimal(str(value))
            except (InvalidOperation, ValueError):
                refuse(field, _("“%(item)s” needs a number.") % {"item": label})
            low, high = item.get("min"), item.get("max")
            ok = (low is None or number >= Decimal(str(low))) and (
                high is None or number <= Decimal(str(high))
            )
            clean[key] = {"value": str(number), "ok": ok}
        else:
            ok = (
                value
                if isinstance(value, bool)
                else str(value).lower() in ("1", "true", "yes", "ok", "pass")
            )
            clean[key] = {"value": bool(ok), "ok": bool(ok)}
        if not clean[key]["ok"]:
            failed.append(label)
    return clean, failed


@transaction.atomic
def complete_task(task, *, actor, answers=None, readings=None, notes="", photos=()):
    """Record the work: checklist answers, readings, photos. A failed item opens one repair ticket."""
    task = _locked_task(task)
    if task.status == TaskStatus.DONE:
        return task
    MaintenanceTask.machine.check("complete", task.status)
    require_licence(actor, "maintenance", task.plan.category, task.community, "actor")
    clean, failed = evaluate_answers(task.plan.checklist, answers or {})
    if readings is not None and not isinstance(readings, dict):
        refuse("readings", _("Readings must be name/value pairs."))
    now = timezone.now()
    task.answers = clean
    task.readings = readings or {}
    task.notes = notes
    task.result = TaskResult.FAILED if failed else TaskResult.PASSED
    task.status = TaskStatus.DONE
    task.completed_at = now
    task.completed_by = actor
    task.started_at = task.started_at or now
    stored = attach(task, photos, actor=actor)
    if failed:
        ticket = raise_ticket(
            actor=actor,
            community=task.community,
            kind="repair",
            category=TICKET_CATEGORY.get(task.asset.category, "other"),
            description=_("Maintenance of %(asset)s found failed items: %(items)s. %(notes)s")
            % {"asset": task.asset, "items": "、".join(failed), "notes": notes},
            source=task,
            title=_("Failed maintenance item: %(asset)s") % {"asset": task.asset.name},
            attachments=stored,
        )
        task.ticket_id = getattr(ticket, "pk", None)
    task.save()
    audit.record(
        actor,
        "facilities.task.completed",
        task,
        after={"result": task.result, "failed": failed, "photos": len(stored)},
    )
    return task


@transaction.atomic
def cancel_task(task, *, actor, reason=""):
    task = _locked_task(task)
    task.status = MaintenanceTask.machine.check("cancel", task.status)
    task.notes = reason
    task.save(update_fields=["status", "notes"])
    audit.record(actor, "facilities.task.cancelled", task, after={"reason": reason})
    return task


def sweep_overdue_tasks(today=None):
    """Mark tasks past their due date overdue and open one ticket for each, exactly once:
    a conditional UPDATE claims each row, so two workers never both open it."""
    candidates = (
        MaintenanceTask.objects.filter(MaintenanceTask.overdue_q(today))
        .exclude(status=TaskStatus.OVERDUE)
        .values_list("pk", flat=True)
    )
    count = 0
    for pk in list(candidates):
        with transaction.atomic():
            claimed = MaintenanceTask.objects.filter(pk=pk, status__in=FALLING_DUE_STATES).update(
                status=TaskStatus.OVERDUE, overdue_at=timezone.now()
            )
            if not claimed:
                continue
            task = MaintenanceTask.objects.select_related("plan", "asset", "community").get(pk=pk)
            ticket = raise_ticket(
                actor=None,
                community=task.community,
                kind="repair",
                category=TICKET_CATEGORY.get(task.asset.category, "other"),
                description=_("%(plan)s for %(asset)s was due on %(due)s and is not done.")
                % {"plan": task.plan.name, "asset": task.asset, "due": f"{task.due_on:%Y-%m-%d}"},
                source=task,
                title=_("Overdue maintenance: %(asset)s") % {"asset": task.asset.name},
            )
            if ticket is not None:
                MaintenanceTask.objects.filter(pk=pk).update(ticket_id=ticket.pk)
            audit.record(
                None,
                "facilities.task.overdue",
                task,
                after={"due_on": task.due_on.isoformat(), "ticket": getattr(ticket, "pk", None)},
            )
            count += 1
    return count
