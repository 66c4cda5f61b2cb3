"""Read-side definitions of the notices app shared by the API, the console, the portal and the
reminder engine: the notices a user may read and their inbox, a notice's attachments and reach,
the households a survey invites, the dissatisfaction list, the holiday calendar a company works
by, and whether a day is a working day."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import attachments as core_attachments

from .calendar import Holiday, MakeupWorkday, SolarTerm
from .choices import SEASON_START, ProposalStatus, SuggestionStatus
from .models import ActionItem, Notice, NoticeReceipt, SurveyInvitation


class DayKind:
    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    MAKEUP_WORKDAY = "makeup_workday"  # 调休上班日


@dataclass(frozen=True)
class DayStatus:
    day: date
    working: bool
    kind: str
    holiday: Holiday | None  # the holiday giving the day off, or the one it is worked for
    provisional: bool  # the answer may change with a notice not yet published


def calendar_for(organization_id=None):
    """The holidays one company works by: the national calendar and its own rows (with no
    company, the national calendar alone)."""
    rows = Holiday.objects.all()
    if organization_id is None:
        return rows.filter(organization__isnull=True)
    return rows.for_organization(organization_id)


def published_years():
    """Years whose national arrangement the State Council has published."""
    return set(
        Holiday.objects.filter(organization__isnull=True, provisional=False)
        .values_list("year", flat=True)
        .distinct()
    )


def day_status(day, organization_id=None):
    """The one answer to "is ``day`` a working day?" for a company (national rules when None):
    a make-up working day is worked even on a weekend; a day off of a holiday is not worked;
    otherwise weekdays are worked and weekends not."""
    holidays = calendar_for(organization_id)
    unpublished = day.year not in published_years()
    makeup = (
        MakeupWorkday.objects.filter(date=day, holiday__in=holidays)
        .select_related("holiday")
        .order_by("holiday__organization_id", "holiday_id")
        .first()
    )
    if makeup is not None:
        return DayStatus(day, True, DayKind.MAKEUP_WORKDAY, makeup.holiday, unpublished)
    off = (
        holidays.filter(off_from__lte=day, off_until__gte=day)
        .order_by("provisional", "organization_id", "date")
        .first()
    )
    if off is not None:
        return DayStatus(day, False, DayKind.HOLIDAY, off, off.provisional or unpublished)
    if day.weekday() >= 5:
        return DayStatus(day, False, DayKind.WEEKEND, None, unpublished)
    return DayStatus(day, True, DayKind.WORKDAY, None, unpublished)


def is_working_day(day, organization_id=None):
    return day_status(day, organization_id).working


def season_starts(start, end):
    """(season code, solar term, date) of each season's beginning (立春, 立夏, 立秋, 立冬) from
    ``start`` to ``end``: the dates the warm reminders' season triggers fire on."""
    by_name = {name: code for code, name in SEASON_START.items()}
    rows = SolarTerm.objects.filter(name__in=by_name, date__gte=start, date__lte=end)
    return [(by_name[t.name], t.name, t.date) for t in rows.order_by("date")]


# Notices and surveys ------------------------------------------------------------------------


def notice_attachments(notice):
    return core_attachments.by_object(Notice, [notice.pk])[notice.pk]


def attachments_by_notice(notice_ids):
    """{str(notice id): [attachments]} for a page of notices, in one query."""
    return {str(pk): rows for pk, rows in core_attachments.by_object(Notice, notice_ids).items()}


def readable_notices(user, perm="notices.notice.view"):
    """The notices ``user`` may read (the rule is ``Notice.readable_by``): the API, the pages
    and the attachment view use it."""
    return Notice.readable_by(user, perm)


def inbox_for(user):
    return NoticeReceipt.inbox_of(user)


def reach_report(notice, unread_limit=500):
    receipts = NoticeReceipt.objects.filter(notice=notice)
    totals = receipts.aggregate(total=Count("id"), read=Count("read_at"))
    rows = (
        receipts.order_by()
        .values("building_id", "building__name")
        .annotate(total=Count("id"), read=Count("read_at"))
        .order_by("building__name")
    )
    by_building = [
        {
            "building": r["building_id"],
            "building_name": r["building__name"] or _("Staff"),
            "total": r["total"],
            "read": r["read"],
            "unread": r["total"] - r["read"],
            "rate": round(r["read"] * 100 / r["total"], 1) if r["total"] else 0.0,
        }
        for r in rows
    ]
    unread = (
        receipts.filter(read_at__isnull=True)
        .select_related("person", "user", "house__building")
        .order_by("building_id", "house_id", "id")[:unread_limit]
    )
    total = totals["total"]
    return {
        "notice": notice.pk,
        "status": notice.status,
        "total": total,
        "read": totals["read"],
        "unread": total - totals["read"],
        "rate": round(totals["read"] * 100 / total, 1) if total else 0.0,
        "by_building": by_building,
        "unread_recipients": [
            {
                "receipt": r.pk,
                "name": r.person.name
                if r.person_id
                else (r.user.get_full_name() or r.user.username),
                "phone": (r.person.phone if r.person_id else r.user.phone) or "",
                "house": r.house.label if r.house_id else "",
                "resent_count": r.resent_count,
            }
            for r in unread
        ],
    }


def invited_survey_ids(user):
    """The surveys (ids, as a subquery) that invite one of ``user``'s households."""
    return SurveyInvitation.objects.filter(house_id__in=user.resident_house_ids()).values(
        "survey_id"
    )


def eligible_houses(user, survey):
    if not user.person_id:
        return []
    mine = set(user.resident_house_ids())
    return list(
        SurveyInvitation.objects.filter(survey=survey, house_id__in=mine).values_list(
            "house_id", flat=True
        )
    )


def dissatisfaction_list(queryset):
    """Anonymous low answers (no one to call back): the dissatisfaction list."""
    return queryset.filter(low=True, anonymous=True)


def overdue_action_items(queryset=None, today=None, *, matching=True):
    """Action items promised at a meeting, still open after their due date: the workbench card
    "overdue meeting actions" and the list ``?overdue=true`` it opens."""
    today = today or timezone.localdate()
    queryset = ActionItem.objects.all() if queryset is None else queryset
    rule = Q(status="open", due_on__lt=today)
    return queryset.filter(rule) if matching else queryset.exclude(rule)


def reminders_to_approve(queryset):
    """Warm reminders the calendar proposed, still awaiting approval: the workbench card
    "warm reminders to approve" and the pending list of the reminders page it opens."""
    return queryset.filter(status=ProposalStatus.PROPOSED)


def suggestions_awaiting_reply(queryset, *, matching=True):
    """Suggestions nobody has answered yet: the workbench card "suggestions awaiting reply" and
    the suggestions list ``?awaiting=true`` it opens."""
    rule = Q(status=SuggestionStatus.OPEN)
    return queryset.filter(rule) if matching else queryset.exclude(rule)
