"""Every community gets a short code (unique in its company), part of its business numbers."""

from django.db import migrations, models

import anju.core.models


def give_codes(apps, schema_editor):
    Community = apps.get_model("core", "Community")
    taken = {}
    for community in Community.objects.order_by("organization_id", "pk"):
        codes = taken.setdefault(community.organization_id, set())
        n = len(codes) + 1
        while f"C{n}" in codes:
            n += 1
        community.code = f"C{n}"
        codes.add(community.code)
        community.save(update_fields=["code"])


class Migration(migrations.Migration):
    dependencies = [("core", "0012_notification_preferences")]

    operations = [
        migrations.AddField(
            model_name="community",
            name="code",
            field=models.CharField(
                blank=True,
                help_text=(
                    "2 to 6 letters or digits, unique in the company; part of every business "
                    "number (BX-A1-20261202-0001). Left empty, one is given."
                ),
                max_length=6,
                validators=[anju.core.models.COMMUNITY_CODE],
                verbose_name="short code",
            ),
        ),
        migrations.RunPython(give_codes, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="community",
            constraint=models.UniqueConstraint(
                fields=("organization", "code"), name="community_code_unique"
            ),
        ),
    ]
