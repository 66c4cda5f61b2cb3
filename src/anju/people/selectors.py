"""The read side of people: whose record a login is, valid licences and what the work needs
(the assignment hook), the attendance against the duty roster, training history and retention
figures, shared by the API, the pages, the tasks and the services."""

import calendar
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.errors import DomainError
from anju.core.scoping import scope_q
from anju.servicedesk import selectors as desk
from anju.staff.choices import EvaluationStatus

from .choices import (
    ONBOARDING_ITEMS,
    CertificateKind,
    ClockKind,
    CorrectionStatus,
    DayMark,
    SuggestionStatus,
)
from .models import (
    Certificate,
    ClockRecord,
    Correction,
    Course,
    Employee,
    LicenceRequirement,
    ManagerReview,
    SessionAttendance,
    StaffSuggestion,
    TrainingSession,
)

EARTH_RADIUS_M = 6371008.8  # mean Earth radius (IUGG)


def distance_m(lat1, lng1, lat2, lng2) -> float:
    """Great-circle distance in metres (haversine) between two points in degrees."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp = p2 - p1
    dl = math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def employee_of(user, on=None):
    """The current (not separated by ``on``) employee record of a login, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    on = on or timezone.localdate()
    return (
        Employee.objects.filter(user=user)
        .filter(Q(separated_on__isnull=True) | Q(separated_on__gt=on))
        .select_related("community")
        .first()
    )


def active_on(queryset, on):
    """Employees of ``queryset`` on the payroll on day ``on``."""
    return queryset.filter(hire_date__lte=on).filter(
        Q(separated_on__isnull=True) | Q(separated_on__gt=on)
    )


def readable(model, user, perm, own=None):
    """Rows of ``model`` ``user`` may read with ``perm``, and (``own``: a Q on the row) their own."""
    queryset = model.objects.all()
    visible = scope_q(model, user, perm)
    if visible is None:
        return queryset
    return queryset.filter(visible | own) if own is not None else queryset.filter(visible)


def employees_readable_by(user):
    return readable(Employee, user, "people.employee.view", Q(user=user)).select_related(
        "community", "user"
    )


def certificates_readable_by(user):
    return readable(
        Certificate, user, "people.certificate.view", Q(employee__user=user)
    ).select_related("employee", "employee__community")


def clocks_readable_by(user):
    return readable(
        ClockRecord, user, "people.attendance.view", Q(employee__user=user)
    ).select_related("employee")


def corrections_readable_by(user):
    return readable(
        Correction, user, "people.attendance.view", Q(employee__user=user)
    ).select_related("employee", "community", "decided_by")


def suggestions_readable_by(user):
    return readable(StaffSuggestion, user, "people.suggestion.view", Q(author=user)).select_related(
        "community", "author", "answered_by"
    )


def pending_corrections(user):
    """Corrections waiting for ``user``'s decision (the workbench card, the queue page)."""
    return (
        Correction.objects.visible_to(user, "people.attendance.manage")
        .filter(status=CorrectionStatus.PENDING)
        .exclude(employee__user=user)
        .select_related("employee", "community")
    )


# --- licences ------------------------------------------------------------------------------


def valid_certificates(on=None):
    on = on or timezone.localdate()
    return Certificate.objects.filter(issued_on__lte=on).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=on)
    )


def certificate_required(kind):
    """The refusal of work to someone without a valid licence of ``kind`` (the API's 400 with
    code ``certificate_required`` naming the licence)."""
    label = CertificateKind(kind).label
    message = _("This work needs a valid licence: %(licence)s.") % {"licence": label}
    return DomainError(message, code="certificate_required", licence=str(kind))


def refusals(user_ids, work):
    """{user id: DomainError} of those of ``user_ids`` lacking a valid licence ``work`` needs
    (its company's ``LicenceRequirement`` rows); two queries whatever the number of people."""
    kinds = list(
        LicenceRequirement.objects.filter(
            organization_id=work.organization_id, work=work.kind, key=work.key
        ).values_list("kind", flat=True)
    )
    if not kinds:
        return {}
    on = work.on or timezone.localdate()
    held = set(
        valid_certificates(on)
        .filter(employee__user_id__in=user_ids, kind__in=kinds)
        .filter(Q(employee__separated_on__isnull=True) | Q(employee__separated_on__gt=on))
        .values_list("employee__user_id", "kind")
    )
    refused = {}
    for pk in user_ids:
        missing = [k for k in sorted(kinds) if (pk, k) not in held]
        if missing:
            refused[pk] = certificate_required(missing[0])
    return refused


def expiring(user, days=None, today=None):
    """Licences ``user`` may see that expire within ``days`` (the largest alert lead)."""
    today = today or timezone.localdate()
    days = days or max(settings.ANJU_PEOPLE_CERTIFICATE_ALERT_DAYS or (60,))
    return (
        Certificate.objects.visible_to(user, "people.certificate.view")
        .filter(expires_on__gte=today, expires_on__lte=today + timedelta(days=days))
        .filter(employee__separated_on__isnull=True)
        .select_related("employee")
    )


def my_licences(user, today=None):
    """A person's own licences with how many days each has left (None: no expiry)."""
    today = today or timezone.localdate()
    rows = Certificate.objects.filter(employee__user=user).order_by("expires_on", "id")
    lead = max(settings.ANJU_PEOPLE_CERTIFICATE_ALERT_DAYS or (60,))
    result = []
    for cert in rows:
        left = None if cert.expires_on is None else (cert.expires_on - today).days
        tone = "ok" if left is None or left > lead else ("bad" if left < 0 else "warn")
        result.append({"certificate": cert, "days_left": left, "tone": tone})
    return result


# --- attendance ----------------------------------------------------------------------------


def month_bounds(month):
    """(first day, last day) of "YYYY-MM"; DomainError naming ``month`` if malformed."""
    found = re.fullmatch(r"(\d{4})-(\d{2})", str(month or ""))
    if not found or not 1 <= int(found[2]) <= 12:
        message = _("Enter the month as YYYY-MM.")
        raise DomainError(message, fields={"month": [message]})
    year, number = int(found[1]), int(found[2])
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


def _aware(day, at=time.min):
    return timezone.make_aware(datetime.combine(day, at), timezone.get_current_timezone())


@dataclass
class ShiftResult:
    """One rostered shift against the clock: marks and minutes late, early and over."""

    starts_at: datetime
    ends_at: datetime
    clock_in: datetime | None = None
    clock_out: datetime | None = None
    marks: list = field(default_factory=list)
    late_minutes: int = 0
    early_minutes: int = 0
    overtime_minutes: int = 0

    @property
    def labels(self):
        return [str(DayMark(m).label) for m in self.marks]


def compare(shifts, clocks, now=None):
    """Each shift (``starts_at``/``ends_at``, by start) against ``clocks`` (kind and ``at``):
    the first clock-in from ``ANJU_PEOPLE_CLOCK_WINDOW_HOURS`` before the start until the end,
    the last clock-out after the start until the window after the end; each clock counts for
    one shift. A shift across midnight is one shift: its clock-out is on the next day."""
    now = now or timezone.now()
    window = timedelta(hours=settings.ANJU_PEOPLE_CLOCK_WINDOW_HOURS)
    grace = timedelta(minutes=settings.ANJU_PEOPLE_LATE_GRACE_MINUTES)
    overtime = timedelta(minutes=settings.ANJU_PEOPLE_OVERTIME_MINUTES)
    clocks = sorted(clocks, key=lambda c: c.at)
    used = set()
    results = []
    for shift in sorted(shifts, key=lambda s: s.starts_at):
        start, end = shift.starts_at, shift.ends_at
        result = ShiftResult(start, end)
        ins = [
            c
            for c in clocks
            if c.kind == ClockKind.IN and id(c) not in used and start - window <= c.at < end
        ]
        outs = [
            c
            for c in clocks
            if c.kind == ClockKind.OUT and id(c) not in used and start < c.at <= end + window
        ]
        if ins:
            used.add(id(ins[0]))
            result.clock_in = ins[0].at
        if outs:
            used.add(id(outs[-1]))
            result.clock_out = outs[-1].at
        if start > now:
            results.append(result)  # still to come: nothing to mark
            continue
        if result.clock_in is None and result.clock_out is None:
            result.marks.append(DayMark.ABSENT)
            results.append(result)
            continue
        if result.clock_in is None or result.clock_in > start + grace:
            result.marks.append(DayMark.LATE)
            if result.clock_in is not None:
                result.late_minutes = int((result.clock_in - start).total_seconds() // 60)
        if result.clock_out is None:
            if end + window < now:
                result.marks.append(DayMark.NO_CLOCK_OUT)
        elif result.clock_out < end - grace:
            result.marks.append(DayMark.LEFT_EARLY)
            result.early_minutes = int((end - result.clock_out).total_seconds() // 60)
        elif result.clock_out > end + overtime:
            result.marks.append(DayMark.OVERTIME)
            result.overtime_minutes = int((result.clock_out - end).total_seconds() // 60)
        if not result.marks:
            result.marks.append(DayMark.ON_TIME)
        results.append(result)
    return results


def attendance_of(employees, first, last, now=None):
    """{employee id: [ShiftResult]} over the shifts starting in [first, last] (dates), for
    employees of one community with logins: the roster (servicedesk) and the clocks, in two
    queries."""
    employees = [e for e in employees if e.user_id]
    if not employees:
        return {}
    community_id = employees[0].community_id
    start, end = _aware(first), _aware(last + timedelta(days=1))
    window = timedelta(hours=settings.ANJU_PEOPLE_CLOCK_WINDOW_HOURS)
    by_user = {e.user_id: e for e in employees}
    shifts = defaultdict(list)
    for shift in desk.duty_shifts(community_id, list(by_user), start, end):
        if start <= shift.starts_at < end:
            shifts[by_user[shift.user_id].pk].append(shift)
    clocks = defaultdict(list)
    rows = ClockRecord.objects.filter(
        employee__in=[e.pk for e in employees],
        at__gte=start - window,
        at__lt=end + timedelta(hours=24) + window,
    ).only("employee_id", "kind", "at")
    for row in rows:
        clocks[row.employee_id].append(row)
    return {e.pk: compare(shifts[e.pk], clocks[e.pk], now) for e in employees}


def monthly_sheet(user, community, month, now=None):
    """The month's attendance sheet of a community (考勤表, for payroll): one row per person."""
    first, last = month_bounds(month)
    employees = list(
        active_in(employees_readable_by(user).filter(community=community), first, last)
        .filter(user__isnull=False)
        .order_by("name")
    )
    results = attendance_of(employees, first, last, now)
    rows = []
    for employee in employees:
        shifts = results.get(employee.pk, [])
        marks = Counter(m for r in shifts for m in r.marks)
        rows.append(
            {
                "employee": employee,
                "shifts": len(shifts),
                "on_time": marks[DayMark.ON_TIME],
                "late": marks[DayMark.LATE],
                "left_early": marks[DayMark.LEFT_EARLY],
                "absent": marks[DayMark.ABSENT],
                "no_clock_out": marks[DayMark.NO_CLOCK_OUT],
                "late_minutes": sum(r.late_minutes for r in shifts),
                "overtime_minutes": sum(r.overtime_minutes for r in shifts),
                "results": shifts,
            }
        )
    return rows


def active_in(queryset, first, last):
    """Employees on the payroll for at least one day of [first, last]."""
    return queryset.filter(hire_date__lte=last).filter(
        Q(separated_on__isnull=True) | Q(separated_on__gt=first)
    )


# --- training ------------------------------------------------------------------------------


def training_history(employee):
    return (
        SessionAttendance.objects.filter(employee=employee)
        .select_related("session__course")
        .order_by("-session__held_on")
    )


def onboarding_of(employee):
    """The onboarding checklist of a person: (key, label, tick or None) for every item."""
    ticks = {t.item: t for t in employee.onboarding.select_related("done_by")}
    return [(key, label, ticks.get(key)) for key, label in ONBOARDING_ITEMS]


def yearly_courses_due(employee, year=None):
    """Courses required every year for the person's position not yet passed this year."""
    year = year or timezone.localdate().year
    passed = SessionAttendance.objects.filter(
        employee=employee, passed=True, session__held_on__year=year
    ).values("session__course_id")
    courses = Course.objects.filter(organization_id=employee.organization_id).exclude(pk__in=passed)
    return [c for c in courses if employee.position in (c.yearly_for or [])]


# --- retention -----------------------------------------------------------------------------


def _months(first, last):
    month = first.replace(day=1)
    while month <= last:
        yield month
        month = (month + timedelta(days=32)).replace(day=1)


def ratio(numerator, denominator, places="0.0001"):
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(places), ROUND_HALF_UP)


def headcount(rows, day):
    """People on the payroll at the end of ``day``: hired on or before it, not yet left (a
    person who leaves on a day is no longer counted at its end)."""
    return sum(
        1
        for r in rows
        if r["hire_date"] <= day and (r["separated_on"] is None or r["separated_on"] > day)
    )


def retention(user, first, last, community_id=None):
    """Per month of [first, last]: headcount at the start and end, hires, separations, those
    within probation, and turnover.

    Turnover (流失率) of a month = separations in the month / average headcount, the average
    headcount being (headcount at the end of the day before the month + headcount at the end
    of its last day) / 2. Over the whole period: the sum of separations / the average of the
    monthly average headcounts."""
    queryset = Employee.objects.visible_to(user, "people.retention.view")
    if community_id:
        queryset = queryset.filter(community_id=community_id)
    return figures_of(_rows(queryset), first, last)


def _rows(queryset):
    return list(
        queryset.values(
            "id", "community_id", "hire_date", "separated_on", "probation_end", "separation_reason"
        )
    )


def figures_of(rows, first, last):
    """``retention``'s figures of employee ``rows`` (dicts) over [first, last]."""
    months = []
    for month in _months(first, last):
        end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        opening = headcount(rows, month - timedelta(days=1))
        closing = headcount(rows, end)
        left = [r for r in rows if r["separated_on"] and month <= r["separated_on"] <= end]
        average = Decimal(opening + closing) / 2
        months.append(
            {
                "month": f"{month:%Y-%m}",
                "opening": opening,
                "closing": closing,
                "average": average,
                "hires": sum(1 for r in rows if month <= r["hire_date"] <= end),
                "separations": len(left),
                "within_probation": sum(
                    1
                    for r in left
                    if r["probation_end"] and r["separated_on"] <= r["probation_end"]
                ),
                "turnover": ratio(len(left), average),
            }
        )
    separations = sum(m["separations"] for m in months)
    mean = sum((m["average"] for m in months), Decimal(0)) / len(months) if months else 0
    leavers = [r for r in rows if r["separated_on"] and first <= r["separated_on"] <= last]
    stayers = [
        r
        for r in rows
        if r["hire_date"] <= last and (r["separated_on"] is None or r["separated_on"] > last)
    ]
    reasons = Counter(r["separation_reason"] for r in leavers if r["separation_reason"])
    return {
        "from": first,
        "to": last,
        "months": months,
        "separations": separations,
        "hires": sum(m["hires"] for m in months),
        "turnover": ratio(separations, mean),
        "within_probation": sum(m["within_probation"] for m in months),
        "headcount": stayers and len(stayers) or 0,
        "average_tenure_months": ratio(
            sum((last - r["hire_date"]).days for r in stayers),
            Decimal("30.44") * len(stayers),
            "0.1",
        ),
        "leavers_tenure_months": ratio(
            sum((r["separated_on"] - r["hire_date"]).days for r in leavers),
            Decimal("30.44") * len(leavers),
            "0.1",
        ),
        "reasons": dict(reasons.most_common()),
        "by_community": dict(Counter(r["community_id"] for r in leavers)),
    }


def quarter_bounds(quarter):
    """(first day, last day) of "YYYY-Qn"; DomainError naming ``quarter`` if malformed."""
    found = re.fullmatch(r"(\d{4})-Q([1-4])", str(quarter or "").upper())
    if not found:
        message = _("Enter the quarter as YYYY-Q1 to YYYY-Q4.")
        raise DomainError(message, fields={"quarter": [message]})
    year, first_month = int(found[1]), (int(found[2]) - 1) * 3 + 1
    last_month = first_month + 2
    return date(year, first_month, 1), date(
        year, last_month, calendar.monthrange(year, last_month)[1]
    )


def quarter_measures(user, community, start, end):
    """The community's measures over the quarter as ``user`` sees them (every app's
    ``community_metrics``: on-time rate, satisfaction, collection rate, hazards, patrols and
    this app's turnover), kept beside a manager's quarterly review."""
    from anju.core.comparison import community_metrics

    return [
        {"section": str(m.section), "label": str(m.label), "value": m.display(community.pk)}
        for m in community_metrics(user, [community.pk], start, end)
    ]


def reviews_readable_by(user):
    """Quarterly reviews ``user`` may read: those of their scope, and their own."""
    return readable(ManagerReview, user, "people.review.view", Q(manager=user)).select_related(
        "community", "manager"
    )


def turnover_by_community(user, community_ids, start, end):
    """community id -> turnover over [start, end] (``retention``'s definition)."""
    queryset = Employee.objects.visible_to(user, "people.retention.view")
    rows = defaultdict(list)
    for row in _rows(queryset.filter(community_id__in=list(community_ids))):
        rows[row["community_id"]].append(row)
    return {pk: figures_of(rows[pk], start, end)["turnover"] for pk in community_ids}


def suggestion_counts(user, community_id=None):
    """Staff suggestions per community and status (群策群力 counts)."""
    queryset = StaffSuggestion.objects.visible_to(user, "people.suggestion.view")
    if community_id:
        queryset = queryset.filter(community_id=community_id)
    rows = queryset.values("community_id", "community__name", "status").annotate(n=Count("id"))
    result = {}
    for row in rows:
        entry = result.setdefault(
            row["community_id"],
            {"community": row["community__name"], **dict.fromkeys(SuggestionStatus.values, 0)},
        )
        entry[row["status"]] = row["n"]
    return list(result.values())


def own_reviews(user):
    """A community manager's own quarterly reviews, newest first."""
    return ManagerReview.objects.filter(manager=user).select_related("community", "evaluator")


def reviews_to_acknowledge(user):
    """The quarterly reviews waiting for ``user`` (the manager reviewed) to acknowledge."""
    return own_reviews(user).filter(status=EvaluationStatus.RECORDED)


def quarter_of(day):
    """ "YYYY-Qn" of ``day``."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def last_quarter(today=None):
    """The quarter before today's: the one a review is usually written for."""
    today = today or timezone.localdate()
    first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    return quarter_of(first - timedelta(days=1))


def sets_requirements(user, organization_id):
    """Whether ``user`` decides which of the company's work needs a licence (its
    administrators): ``services.require_licence``'s rule, for the pages."""
    if user.is_superuser:
        return True
    return any(
        m.organization_id == organization_id and m.role == "org_admin"
        for m in user.active_memberships()
    )


def requirements_readable_by(user):
    return LicenceRequirement.objects.visible_to(user, "people.certificate.view")


def courses_readable_by(user):
    return Course.objects.visible_to(user, "people.training.view")


def sessions_readable_by(user):
    return TrainingSession.objects.visible_to(user, "people.training.view").select_related(
        "course", "community"
    )
