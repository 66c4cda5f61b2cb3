"""A paper ballot's scan belongs to the ballot, not to its vote: the vote's attachments are read
by every owner, a ballot's scan (a signed form) only by the staff who record ballots. Scans stored
before are handed to their ballots; one scan several ballots pointed at is copied per ballot
(a row each, one stored file)."""

from django.db import migrations


def forwards(apps, schema_editor):
    Attachment = apps.get_model("core", "Attachment")
    Ballot = apps.get_model("governance", "Ballot")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ballot_type, _ = ContentType.objects.get_or_create(app_label="governance", model="ballot")
    taken = set()
    for ballot in Ballot.objects.exclude(scan=None).select_related("scan").order_by("pk"):
        scan = ballot.scan
        if scan.pk not in taken:
            taken.add(scan.pk)
            Attachment.objects.filter(pk=scan.pk).update(
                content_type=ballot_type, object_id=str(ballot.pk)
            )
            continue
        copy = Attachment.objects.create(
            organization_id=scan.organization_id,
            community_id=scan.community_id,
            content_type=ballot_type,
            object_id=str(ballot.pk),
            file=scan.file.name,
            thumbnail=scan.thumbnail.name,
            name=scan.name,
            caption=scan.caption,
            media_type=scan.media_type,
            size=scan.size,
            width=scan.width,
            height=scan.height,
            note=scan.note,
            uploaded_by_id=scan.uploaded_by_id,
        )
        # Ballots are append-only for the code (its manager refuses updates); the historical
        # model's plain manager may move the file reference, which is outside the hash.
        Ballot.objects.filter(pk=ballot.pk).update(scan_id=copy.pk)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0003_number_per_community"),
        ("core", "0009_attachment_legacy_facts"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
