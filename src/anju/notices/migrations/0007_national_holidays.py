"""The national holiday calendar from scripts/holidays.py: the State Council's days off and
make-up working days for the published years, computed festival dates marked provisional. The
rows shipped before become the national calendar; staff edits of them are replaced by the
official data (they were the one table every company shared)."""

import json
from datetime import date
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def _day(value):
    return date.fromisoformat(value) if value else None


def load_national_calendar(apps, schema_editor):
    Holiday = apps.get_model("notices", "Holiday")
    Workday = apps.get_model("notices", "MakeupWorkday")
    rows = json.loads((DATA / "holidays.json").read_text(encoding="utf-8"))
    for row in rows:
        holiday, _created = Holiday.objects.update_or_create(
            organization=None,
            year=row["year"],
            key=row["key"],
            defaults={
                "name": row["name"],
                "date": _day(row["date"]),
                "off_from": _day(row["off_from"]),
                "off_until": _day(row["off_until"]),
                "provisional": row["provisional"],
                "source": row["source"],
            },
        )
        wanted = {_day(d) for d in row["workdays"]}
        Workday.objects.filter(holiday=holiday).exclude(date__in=wanted).delete()
        have = set(Workday.objects.filter(holiday=holiday).values_list("date", flat=True))
        Workday.objects.bulk_create(
            [Workday(holiday=holiday, date=d) for d in sorted(wanted - have)]
        )


class Migration(migrations.Migration):
    dependencies = [("notices", "0006_holiday_calendar")]

    operations = [migrations.RunPython(load_national_calendar, migrations.RunPython.noop)]
