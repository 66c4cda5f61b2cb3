"""Ship the solar-term table (2020-2035, Beijing time), the holiday calendar and the built-in
warm-reminder templates as data. Re-running keeps staff edits to holidays."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    SolarTerm = apps.get_model("notices", "SolarTerm")
    Holiday = apps.get_model("notices", "Holiday")
    Template = apps.get_model("notices", "ReminderTemplate")
    Trigger = apps.get_model("notices", "ReminderTrigger")
    terms = json.loads((DATA / "solar_terms.json").read_text(encoding="utf-8"))
    SolarTerm.objects.bulk_create([SolarTerm(**row) for row in terms], ignore_conflicts=True)
    holidays = json.loads((DATA / "holidays.json").read_text(encoding="utf-8"))
    # The file has grown since (days off, make-up days: 0007 loads them); take what this
    # migration's model has.
    fields = {f.name for f in Holiday._meta.concrete_fields}
    Holiday.objects.bulk_create(
        [Holiday(**{k: v for k, v in row.items() if k in fields}) for row in holidays],
        ignore_conflicts=True,
    )
    for row in json.loads((DATA / "reminder_templates.json").read_text(encoding="utf-8")):
        triggers = row.pop("triggers")
        template, created = Template.objects.get_or_create(
            organization=None, key=row["key"], defaults={**row, "builtin": True}
        )
        if created:
            Trigger.objects.bulk_create([Trigger(template=template, **t) for t in triggers])


class Migration(migrations.Migration):
    dependencies = [("notices", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
