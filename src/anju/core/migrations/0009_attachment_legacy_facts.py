"""Attachments stored before uploads were checked: their content type, size and image size
filled from the stored file, images re-encoded without their metadata (with a thumbnail); a row
whose file is gone, or of a type that is not served (HTML, SVG, executables), keeps a note."""

from django.db import migrations


def forwards(apps, schema_editor):
    from anju.core.attachments import fill_legacy

    Attachment = apps.get_model("core", "Attachment")
    fill_legacy(Attachment.objects.filter(media_type="").order_by("id"))


class Migration(migrations.Migration):
    dependencies = [("core", "0008_attachment_facts")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
