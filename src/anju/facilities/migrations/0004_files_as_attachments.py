"""Inspection check-in photos, incident evidence and drill photos become attachments of their
records (core.attachments): each stored file gets an Attachment row on its record, checked and
re-encoded like a new upload (core.attachments.fill_legacy), then the file columns go."""

from django.db import migrations

FILES = [("inspectioncheckin", "photo"), ("incidentrecord", "evidence"), ("drill", "photo")]


def forwards(apps, schema_editor):
    from anju.core.attachments import fill_legacy

    Attachment = apps.get_model("core", "Attachment")
    ContentType = apps.get_model("contenttypes", "ContentType")
    made = []
    for model_name, field in FILES:
        model = apps.get_model("facilities", model_name)
        content_type, _ = ContentType.objects.get_or_create(
            app_label="facilities", model=model_name
        )
        for row in model.objects.exclude(**{field: ""}).exclude(**{f"{field}__isnull": True}):
            name = getattr(row, field).name
            made.append(
                Attachment.objects.create(
                    organization_id=row.organization_id,
                    community_id=row.community_id,
                    content_type=content_type,
                    object_id=str(row.pk),
                    file=name,
                    name=name.rsplit("/", 1)[-1][:200],
                )
            )
    fill_legacy(made)


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0003_lean_task_indexes"),
        ("core", "0009_attachment_legacy_facts"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveField(model_name="drill", name="photo"),
        migrations.RemoveField(model_name="incidentrecord", name="evidence"),
        migrations.RemoveField(model_name="inspectioncheckin", name="photo"),
    ]
