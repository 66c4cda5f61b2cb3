"""Seed the rule sets: the national 民法典 default, and the Beijing and Shanghai variants
(public-income allocation, disclosure schedule). Further local rows are data, added in /admin/."""

from django.db import migrations

from anju.governance.seed import ROWS, seed_rule_sets

def seed(apps, schema_editor):
    seed_rule_sets(apps.get_model("governance", "RuleSet"))


def unseed(apps, schema_editor):
    RuleSet = apps.get_model("governance", "RuleSet")
    for jurisdiction, _name, effective, _o in ROWS:
        RuleSet.objects.filter(jurisdiction=jurisdiction, effective_from=effective).delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
