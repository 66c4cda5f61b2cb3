"""Reads of the service desk: queues, KPIs (及时率, 回访率, 满意度, 返修率, 积压) and on-time rates."""

from datetime import datetime, time, timedelta

from django.db.models import Avg, Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from anju.core.comparison import Metric, ratio

from .choices import OPEN_STATUSES, Category, DutyRole, Kind, Status
from .models import ReturnVisit, Ticket, overdue_condition

AGE_BUCKETS = [("lt1d", 1), ("1to3d", 3), ("3to7d", 7), ("gt7d", None)]
DUE_SOON = timedelta(hours=2)


def resident_tickets(user):
    """The tickets of a resident: their houses' and the ones they reported (我的报修 and the
    resident home read the same rows)."""
    return Ticket.objects.visible_to(user, "servicedesk.ticket.resident").filter(
        Q(house_id__in=user.resident_house_ids()) | Q(reporter_id=user.person_id)
    )


def period_bounds(start, end):
    """Dates -> aware datetimes [start 00:00, end+1 00:00) in the local zone."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def on_time_counts(queryset, now=None):
    """One query: decided and on-time counts for accept, arrive and resolve.

    A step is decided when it happened or its due time has passed; on time when it happened by
    its due time (due times move with appointments and pauses, so this is the fair clock)."""
    return queryset.aggregate(**on_time_expressions(now))


def on_time_expressions(now=None):
    """The counts of ``on_time_counts`` as expressions, to aggregate or to annotate groups."""
    now = now or timezone.now()
    repair = Q(kind=Kind.REPAIR)
    live = ~Q(status="cancelled")
    return {
        "accept_total": Count(
            "id", filter=live & repair & (Q(accepted_at__isnull=False) | Q(accept_due_at__lte=now))
        ),
        "accept_ok": Count("id", filter=live & repair & Q(accepted_at__lte=F("accept_due_at"))),
        "arrive_total": Count(
            "id", filter=live & repair & (Q(arrived_at__isnull=False) | Q(arrive_due_at__lte=now))
        ),
        "arrive_ok": Count("id", filter=live & repair & Q(arrived_at__lte=F("arrive_due_at"))),
        "resolve_total": Count(
            "id", filter=live & (Q(resolved_at__isnull=False) | Q(resolve_due_at__lte=now))
        ),
        "resolve_ok": Count("id", filter=live & Q(resolved_at__lte=F("resolve_due_at"))),
    }


def kpis(tickets, start, end, now=None) -> dict:
    """KPIs of the tickets opened in [start, end] (dates), plus today's backlog."""
    now = now or timezone.now()
    lo, hi = period_bounds(start, end)
    period = tickets.filter(opened_at__gte=lo, opened_at__lt=hi)
    counts = on_time_counts(period, now)
    totals = period.aggregate(
        opened=Count("id"),
        resolved=Count(
            "id",
            filter=Q(resolved_at__isnull=False) | Q(status__in=["resolved", "confirmed", "closed"]),
        ),
        reopened=Count("id", filter=Q(reopen_count__gt=0)),
        rated=Count("id", filter=Q(rating__isnull=False)),
        rated_good=Count("id", filter=Q(rating__gte=4)),
        rating_avg=Avg("rating"),
        closed=Count("id", filter=Q(status="closed")),
    )
    ever_resolved = period.filter(
        Q(resolved_at__isnull=False) | Q(reopen_count__gt=0) | Q(status="closed")
    )
    visits = ReturnVisit.objects.filter(ticket__in=period)
    visit_counts = visits.aggregate(
        due=Count("ticket", distinct=True, filter=~Q(status="cancelled")),
        done=Count("ticket", distinct=True, filter=Q(status="done") & ~Q(outcome="unreachable")),
        unhappy=Count("id", filter=Q(outcome__in=["reopen", "complaint"])),
    )
    by_kind = dict(period.values_list("kind").annotate(n=Count("id")).order_by())
    daily = {
        row["day"]: row["n"]
        for row in period.annotate(day=TruncDate("opened_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    }
    resolved_daily = {
        row["day"]: row["n"]
        for row in tickets.filter(resolved_at__gte=lo, resolved_at__lt=hi)
        .annotate(day=TruncDate("resolved_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    }
    days = []
    day = start
    while day <= end and len(days) < 370:
        days.append(
            {
                "date": day.isoformat(),
                "opened": daily.get(day, 0),
                "resolved": resolved_daily.get(day, 0),
            }
        )
        day += timedelta(days=1)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "opened": totals["opened"],
        "resolved": totals["resolved"],
        "closed": totals["closed"],
        "by_kind": {k: by_kind.get(k, 0) for k in Kind.values},
        "on_time": {
            step: {
                "rate": ratio(counts[f"{step}_ok"], counts[f"{step}_total"]),
                "on_time": counts[f"{step}_ok"],
                "total": counts[f"{step}_total"],
            }
            for step in ("accept", "arrive", "resolve")
        },
        "return_visit": {
            "rate": ratio(visit_counts["done"], visit_counts["due"]),
            "done": visit_counts["done"],
            "due": visit_counts["due"],
            "unhappy": visit_counts["unhappy"],
        },
        "satisfaction": {
            "average": round(float(totals["rating_avg"]), 2)
            if totals["rating_avg"] is not None
            else None,
            "share_4_or_5": ratio(totals["rated_good"], totals["rated"]),
            "rated": totals["rated"],
        },
        "reopen": {
            "rate": ratio(totals["reopened"], ever_resolved.count()),
            "reopened": totals["reopened"],
        },
        "backlog": backlog(tickets, now),
        "daily": days,
    }


def backlog(tickets, now=None) -> dict:
    """Open tickets now, by age, category and assignee."""
    now = now or timezone.now()
    open_tickets = tickets.filter(status__in=OPEN_STATUSES)
    agg = {}
    lower = None
    for name, days in AGE_BUCKETS:
        q = Q()
        if days is not None:
            q &= Q(opened_at__gt=now - timedelta(days=days))
        if lower is not None:
            q &= Q(opened_at__lte=now - timedelta(days=lower))
        agg[name] = Count("id", filter=q)
        lower = days
    by_age = open_tickets.aggregate(
        total=Count("id"), overdue=Count("id", filter=overdue_condition(now)), **agg
    )
    labels = dict(Category.choices)
    by_category = [
        {
            "category": row["category"],
            "label": str(labels.get(row["category"], row["category"])),
            "count": row["n"],
        }
        for row in open_tickets.values("category")
        .annotate(n=Count("id"))
        .order_by("-n", "category")
    ]
    by_person = [
        {
            "assignee": row["assignee_id"],
            "name": " ".join(
                part for part in (row["assignee__first_name"], row["assignee__last_name"]) if part
            )
            or (row["assignee__username"] or "")
            if row["assignee_id"]
            else "",
            "count": row["n"],
        }
        for row in open_tickets.values(
            "assignee_id", "assignee__first_name", "assignee__last_name", "assignee__username"
        )
        .annotate(n=Count("id"))
        .order_by("-n", "assignee_id")
    ]
    return {
        "total": by_age.pop("total"),
        "overdue": by_age.pop("overdue"),
        "by_age": by_age,
        "by_category": by_category,
        "by_person": by_person,
    }


def resolve_on_time_rate(tickets, days=90, now=None):
    now = now or timezone.now()
    counts = on_time_counts(tickets.filter(opened_at__gte=now - timedelta(days=days)), now)
    return {
        "rate": ratio(counts["resolve_ok"], counts["resolve_total"]),
        "arrive_rate": ratio(counts["arrive_ok"], counts["arrive_total"]),
        "total": counts["resolve_total"],
    }


def resident_on_time(house, days=90, now=None):
    """What a resident sees: the on-time rate of their building and of their community."""
    base = Ticket.objects.all()
    return {
        "building": resolve_on_time_rate(base.filter(building_id=house.building_id), days, now),
        "community": resolve_on_time_rate(base.filter(community_id=house.community_id), days, now),
        "days": days,
    }


def desk_counts(tickets, now=None, assignee=None) -> dict:
    """The desk's numbers now, in one query: ``open``, ``unassigned`` (new), ``overdue``
    (``models.overdue_condition``, the rule of the list ``?overdue=true`` opens), ``due_soon``
    (resolve-by within two hours) and, given ``assignee``, ``mine`` (their open tickets). The
    dashboard cards and the workbench read these, so each shows what its link lists."""
    now = now or timezone.now()
    counts = {
        "open": Count("id"),
        "unassigned": Count("id", filter=Q(status=Status.NEW)),
        "overdue": Count("id", filter=overdue_condition(now)),
        "due_soon": Count(
            "id", filter=Q(resolve_due_at__gte=now, resolve_due_at__lt=now + DUE_SOON)
        ),
    }
    if assignee is not None:
        counts["mine"] = Count("id", filter=Q(assignee=assignee))
    return tickets.filter(status__in=OPEN_STATUSES).aggregate(**counts)


def next_due_at():
    """The due time of a ticket's next SLA step in SQL (``Ticket.current_due``): accept, then
    arrive for repairs, then resolve."""
    repair = Q(kind=Kind.REPAIR)
    return Case(
        When(repair & Q(accepted_at__isnull=True), then=F("accept_due_at")),
        When(repair & Q(arrived_at__isnull=True), then=F("arrive_due_at")),
        default=F("resolve_due_at"),
    )


def by_next_due(tickets):
    """Open tickets in the order to work them: the next SLA step due first, those paused while
    waiting for the resident last (the workbench queue, the technician's tasks).

    A queryset is ordered in SQL (annotated ``next_due_at``), so it may be sliced afterwards
    and a ticket due for acceptance soon is never cut off by older ones; a list is sorted."""
    if isinstance(tickets, QuerySet):
        return tickets.annotate(
            next_due_at=next_due_at(),
            waiting_last=Case(
                When(status=Status.WAITING, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        ).order_by("waiting_last", "next_due_at", "id")
    return sorted(tickets, key=lambda t: (t.status == Status.WAITING, t.current_due()[1]))


def staff_queue(tickets):
    """Open tickets, most urgent first: the due time of the next step."""
    return by_next_due(
        tickets.filter(status__in=OPEN_STATUSES).select_related(
            "house__building", "assignee", "first_responder", "community"
        )
    )


def open_tasks_for(user):
    """维修工: the open tickets assigned to ``user`` that they may see, next due first (my
    tasks, the dashboard card, the field page)."""
    return by_next_due(
        Ticket.objects.visible_to(user, "servicedesk.ticket.view")
        .filter(assignee=user, status__in=OPEN_STATUSES)
        .select_related("house__building", "community")
    )


def return_visits_due(visits, day=None):
    """Pending return visits due by the end of ``day`` (today): the card and ``?due=today``."""
    day = day or timezone.localdate()
    _, end = period_bounds(day, day)
    return (
        visits.filter(status=ReturnVisit.Status.PENDING, due_at__lt=end)
        .select_related("ticket__house__building", "ticket__reporter", "agent", "ticket__community")
        .order_by("due_at", "id")
    )


def return_visit_recorded(ticket):
    """Whether ``ticket``'s return visit is done: none pending and one recorded (a reopened
    ticket resolved again gets a new pending one, which may be recorded)."""
    visits = ReturnVisit.objects.filter(ticket_id=ticket.pk)
    return (
        not visits.filter(status=ReturnVisit.Status.PENDING).exists()
        and visits.filter(status=ReturnVisit.Status.DONE).exists()
    )


def return_visits_of(user, community_id=None):
    """The return visits ``user`` may record, in the current community when one is chosen (the
    workbench, the dashboard card and the return-visit list read the same rows)."""
    visits = ReturnVisit.objects.visible_to(user, "servicedesk.ticket.return_visit")
    return visits.in_community(community_id) if community_id else visits


# Roster and skills ---------------------------------------------------------------------------

SERVICE_ROLES = ("agent", "technician", "manager")


def staff_in_scope(user, perm, roles=SERVICE_ROLES):
    """The service desk's staff ``user`` may see with ``perm`` (``scoping.staff_in_scope``)."""
    from anju.core.scoping import staff_in_scope as in_scope

    return in_scope(user, perm, roles)


def shifts_between(shifts, start, end):
    """Shifts overlapping [start, end)."""
    return shifts.filter(starts_at__lt=end, ends_at__gt=start)


def duty_shifts(community_id, user_ids, start, end):
    """The roster's shifts of ``user_ids`` in a community overlapping [start, end), by person
    and start (attendance compares the clock-ins with them)."""
    from .models import DutyShift

    shifts = DutyShift.objects.filter(community_id=community_id, user_id__in=list(user_ids))
    return list(shifts_between(shifts, start, end).order_by("user_id", "starts_at", "id"))


def on_duty_now(community_ids, now=None):
    """community id -> shifts running now (one query), by duty then start."""
    from .models import DutyShift

    now = now or timezone.now()
    result = {}
    rows = (
        DutyShift.objects.filter(
            community_id__in=list(community_ids),
            starts_at__lte=now,
            ends_at__gt=now,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("role", "starts_at", "id")
    )
    for shift in rows:
        result.setdefault(shift.community_id, []).append(shift)
    return result


def duty_cover(communities, roles=(DutyRole.AGENT, DutyRole.TECHNICIAN), now=None):
    """Who answers now, per community and duty: ``[{"community", "role", "role_label",
    "on_duty": [users], "next": the next shift or None}]`` in two queries. A row whose
    ``on_duty`` is empty is a gap the workbench and the dispatch form warn about, naming who
    comes on next (within a week)."""
    from .models import DutyShift

    now = now or timezone.now()
    communities = list(communities)
    ids = [c.pk for c in communities]
    running = on_duty_now(ids, now)
    upcoming = {}
    for shift in (
        DutyShift.objects.filter(
            community_id__in=ids,
            role__in=list(roles),
            starts_at__gt=now,
            starts_at__lt=now + timedelta(days=7),
            user__is_active=True,
        )
        .select_related("user")
        .order_by("starts_at", "id")
    ):
        upcoming.setdefault((shift.community_id, shift.role), shift)
    rows = []
    for community in communities:
        shifts = running.get(community.pk, [])
        for role in roles:
            rows.append(
                {
                    "community": community,
                    "role": role,
                    "role_label": DutyRole(role).label,
                    "on_duty": [s.user for s in shifts if s.role == role],
                    "shifts": [s for s in shifts if s.role == role],
                    "next": upcoming.get((community.pk, role)),
                }
            )
    return rows


def duty_gaps(communities, roles=(DutyRole.AGENT, DutyRole.TECHNICIAN), now=None):
    """The rows of ``duty_cover`` with nobody on duty now."""
    return [row for row in duty_cover(communities, roles, now) if not row["on_duty"]]


def roster_week(community, monday, staff, now=None, roles=None):
    """The week grid of one community: one row per person (those with a shift that week first,
    then the community's other service staff), one cell per day with the shifts starting then.
    ``roles`` maps a person to their usual duty (for adding a shift from the grid)."""
    from .models import DutyShift

    now = now or timezone.now()
    start, end = period_bounds(monday, monday + timedelta(days=6))
    shifts = list(
        shifts_between(DutyShift.objects.filter(community_id=community.pk), start, end)
        .select_related("user")
        .order_by("starts_at", "id")
    )
    days = [monday + timedelta(days=i) for i in range(7)]
    people = {}
    for shift in shifts:
        people.setdefault(shift.user_id, shift.user)
    with_shifts = list(people)
    for user in staff:
        people.setdefault(user.pk, user)
    rows = []
    for user_id, user in people.items():
        cells = []
        for day in days:
            cell = []
            for shift in shifts:
                if shift.user_id != user_id:
                    continue
                local_start = timezone.localtime(shift.starts_at)
                local_end = timezone.localtime(shift.ends_at)
                if local_start.date() == day or (day == monday and local_start.date() < monday):
                    midnight = local_end.time() == datetime.min.time()
                    days_later = (local_end.date() - local_start.date()).days
                    cell.append(
                        {
                            "shift": shift,
                            "start": local_start,
                            "end": local_end,
                            # a shift ending at midnight reads "16:00–24:00"
                            "end_label": "24:00"
                            if midnight and days_later == 1
                            else f"{local_end:%H:%M}",
                            "now": shift.starts_at <= now < shift.ends_at,
                            "overnight": days_later > (1 if midnight else 0),
                        }
                    )
            cells.append({"day": day, "shifts": cell})
        hours = sum(
            (min(s.ends_at, end) - max(s.starts_at, start)).total_seconds()
            for s in shifts
            if s.user_id == user_id
        )
        own = [s.role for s in shifts if s.user_id == user_id]
        role = (roles or {}).get(user_id) or (own[0] if own else "technician")
        rows.append(
            {
                "user": user,
                "role": role,
                "role_label": DutyRole(role).label,
                "cells": cells,
                "hours": round(hours / 3600, 1),
                "on_duty": any(c["now"] for cell in cells for c in cell["shifts"]),
            }
        )
    rows.sort(key=lambda r: (r["user"].pk not in with_shifts, -r["hours"], r["user"].pk))
    return {"community": community, "days": days, "rows": rows, "count": len(shifts)}


def community_metrics(user, community_ids, start, end, now=None):
    """小区对比: the service desk's measures per community, in three grouped queries."""
    from django.utils.translation import gettext as _

    from anju.core import policy

    if not policy.staff_has(user, "servicedesk.kpi.view"):
        return []
    now = now or timezone.now()
    lo, hi = period_bounds(start, end)
    tickets = Ticket.objects.visible_to(user, "servicedesk.kpi.view").filter(
        community_id__in=community_ids
    )
    period = tickets.filter(opened_at__gte=lo, opened_at__lt=hi)
    rows = {
        row["community_id"]: row
        for row in period.values("community_id")
        .annotate(opened=Count("id"), rating=Avg("rating"), **on_time_expressions(now))
        .order_by()
    }
    visits = {
        row["ticket__community_id"]: row
        for row in ReturnVisit.objects.filter(ticket__in=period)
        .values("ticket__community_id")
        .annotate(
            due=Count("ticket", distinct=True, filter=~Q(status="cancelled")),
            done=Count(
                "ticket", distinct=True, filter=Q(status="done") & ~Q(outcome="unreachable")
            ),
        )
        .order_by()
    }
    backlog_rows = {
        row["community_id"]: row
        for row in tickets.filter(status__in=OPEN_STATUSES)
        .values("community_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=overdue_condition(now)))
        .order_by()
    }

    def each(fn):
        return {cid: fn(rows.get(cid)) for cid in community_ids}

    section = _("Service desk")
    return [
        Metric(
            "tickets", _("Tickets opened"), "", "", each(lambda r: r["opened"] if r else 0), section
        ),
        Metric(
            "resolve_on_time",
            _("Resolved on time"),
            "%",
            "high",
            each(lambda r: ratio(r["resolve_ok"], r["resolve_total"]) if r else None),
            section,
        ),
        Metric(
            "arrive_on_time",
            _("Arrived on time (repairs)"),
            "%",
            "high",
            each(lambda r: ratio(r["arrive_ok"], r["arrive_total"]) if r else None),
            section,
        ),
        Metric(
            "return_visits",
            _("Return-visit rate"),
            "%",
            "high",
            {
                cid: ratio(visits[cid]["done"], visits[cid]["due"]) if cid in visits else None
                for cid in community_ids
            },
            section,
        ),
        Metric(
            "satisfaction",
            _("Satisfaction"),
            "/5",
            "high",
            each(lambda r: round(float(r["rating"]), 2) if r and r["rating"] is not None else None),
            section,
        ),
        Metric(
            "backlog",
            _("Open tickets now"),
            "",
            "low",
            {cid: backlog_rows.get(cid, {}).get("open", 0) for cid in community_ids},
            section,
        ),
        Metric(
            "overdue",
            _("Overdue tickets now"),
            "",
            "low",
            {cid: backlog_rows.get(cid, {}).get("overdue", 0) for cid in community_ids},
            section,
        ),
    ]


def staff_metrics(user, staff_ids, start, end, now=None):
    """员工绩效: each person's service-desk work in the period, in the communities ``user`` may
    see: tickets resolved as assignee (on time, rating, reopened), tickets owned as first
    responder (首问), return visits done."""
    from django.utils.translation import gettext as _

    from anju.core import policy

    if not policy.staff_has(user, "servicedesk.kpi.view"):
        return []
    now = now or timezone.now()
    lo, hi = period_bounds(start, end)
    tickets = Ticket.objects.visible_to(user, "servicedesk.kpi.view")
    resolved = {
        row["assignee_id"]: row
        for row in tickets.filter(
            assignee_id__in=staff_ids, resolved_at__gte=lo, resolved_at__lt=hi
        )
        .values("assignee_id")
        .annotate(
            n=Count("id"),
            on_time=Count("id", filter=Q(resolved_at__lte=F("resolve_due_at"))),
            rating=Avg("rating"),
            reopened=Count("id", filter=Q(reopen_count__gt=0)),
        )
        .order_by()
    }
    owned = dict(
        tickets.filter(first_responder_id__in=staff_ids, opened_at__gte=lo, opened_at__lt=hi)
        .values("first_responder_id")
        .annotate(n=Count("id"))
        .values_list("first_responder_id", "n")
        .order_by()
    )
    visits = dict(
        ReturnVisit.objects.filter(
            ticket__in=tickets, done_by_id__in=staff_ids, done_at__gte=lo, done_at__lt=hi
        )
        .values("done_by_id")
        .annotate(n=Count("id"))
        .values_list("done_by_id", "n")
        .order_by()
    )

    def each(fn):
        return {pk: fn(resolved.get(pk)) for pk in staff_ids}

    section = _("Service desk")
    return [
        Metric(
            "resolved", _("Tickets resolved"), "", "", each(lambda r: r["n"] if r else 0), section
        ),
        Metric(
            "resolved_on_time",
            _("Resolved on time"),
            "%",
            "high",
            each(lambda r: ratio(r["on_time"], r["n"]) if r else None),
            section,
        ),
        Metric(
            "rating",
            _("Satisfaction"),
            "/5",
            "high",
            each(lambda r: round(float(r["rating"]), 2) if r and r["rating"] is not None else None),
            section,
        ),
        Metric(
            "reopened",
            _("Reopened"),
            "",
            "low",
            each(lambda r: r["reopened"] if r else None),
            section,
        ),
        Metric(
            "first_contact",
            _("First-contact tickets"),
            "",
            "",
            {pk: owned.get(pk, 0) for pk in staff_ids},
            section,
        ),
        Metric(
            "return_visits",
            _("Return visits made"),
            "",
            "",
            {pk: visits.get(pk, 0) for pk in staff_ids},
            section,
        ),
    ]


def tickets_for_source(user, source, limit=10):
    """The newest tickets raised from ``source`` (an asset, a hazard, a meter) that ``user`` may
    see: what other apps show beside their own objects."""
    return (
        Ticket.objects.visible_to(user, "servicedesk.ticket.view")
        .for_source(source)
        .order_by("-opened_at")[:limit]
    )
