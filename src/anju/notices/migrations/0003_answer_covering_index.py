"""PostgreSQL only: a covering index so survey results aggregate 100,000 responses from the
index alone (SQLite has no INCLUDE; the plain index serves it there)."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS answer_results_cover ON notices_answer "
            "(survey_id, kind) INCLUDE (dimension, norm, score, low)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS answer_results_cover")


class Migration(migrations.Migration):
    dependencies = [("notices", "0002_builtin_data")]

    operations = [migrations.RunPython(create, drop)]
