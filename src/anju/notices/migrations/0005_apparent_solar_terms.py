"""Solar terms from the Sun's apparent longitude (scripts/solar_terms.py): the shipped moments
were its astrometric longitude, 1 to 17 minutes early, and 2020's 大雪 a day early. Update every
shipped row, and move the reminder proposals still awaiting approval to the corrected date."""

import json
from datetime import date
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def _fmt(day):
    return f"{day.month}月{day.day}日"


def correct(apps, schema_editor):
    SolarTerm = apps.get_model("notices", "SolarTerm")
    Proposal = apps.get_model("notices", "ReminderProposal")
    rows = json.loads((DATA / "solar_terms.json").read_text(encoding="utf-8"))
    current = {(t.year, t.name): t for t in SolarTerm.objects.all()}
    moved = {}
    for row in rows:
        day = date.fromisoformat(row["date"])
        term = current.get((row["year"], row["name"]))
        if term is None:
            SolarTerm.objects.create(**{**row, "date": day})
            continue
        if term.date != day:
            moved[f"solar_term:{term.name}:{term.year}"] = (term.date, day)
        if term.date != day or term.moment != row["moment"]:
            term.date, term.moment, term.order = day, row["moment"], row["order"]
            term.save(update_fields=["date", "moment", "order"])
    for key, (before, after) in moved.items():
        for proposal in Proposal.objects.filter(occurrence_key=key, status="proposed"):
            proposal.occurrence_date = after
            proposal.title = proposal.title.replace(_fmt(before), _fmt(after))
            proposal.body = proposal.body.replace(_fmt(before), _fmt(after))
            proposal.save(update_fields=["occurrence_date", "title", "body"])


class Migration(migrations.Migration):
    dependencies = [("notices", "0004_lean_receipts")]

    operations = [migrations.RunPython(correct, migrations.RunPython.noop)]
