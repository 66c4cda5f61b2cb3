"""Read-side definitions of the notices app shared by the API, the console and the reminder
engine: the holiday calendar a company works by, and whether a day is a working day."""

from dataclasses import dataclass
from datetime import date

from .calendar import Holiday, MakeupWorkday


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
