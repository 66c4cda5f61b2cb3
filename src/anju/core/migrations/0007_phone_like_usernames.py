"""Usernames that look like a mobile number other than the login's own phone read as that
phone at the login form since issue 16 (core.auth.find_login), so such a login could no longer
use its username. They are renamed u<old name> (u<old name>-<id> if taken), audited; the
owner logs in with the new name (or their phone). A username equal to the login's own phone
stays."""

from django.db import migrations
from django.utils import timezone

from anju.core.auth import mobile_number


def rename_phone_like_usernames(apps, schema_editor):
    User = apps.get_model("core", "User")
    AuditEntry = apps.get_model("core", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = None
    # Only digits, whitespace, dashes and a plus can spell a phone number: the rest is not read.
    for user in User.objects.filter(username__regex=r"^[-+0-9\s]+$").order_by("id"):
        as_phone = mobile_number(user.username)
        if as_phone is None or as_phone == (user.phone or ""):
            continue
        new = f"u{user.username}"[:150]
        if User.objects.filter(username=new).exists():
            new = f"u{user.username}-{user.pk}"[:150]
        old, user.username = user.username, new
        user.save(update_fields=["username"])
        if content_type is None:
            content_type, _ = ContentType.objects.get_or_create(app_label="core", model="user")
        AuditEntry.objects.create(
            organization_id=user.home_organization_id,
            actor_type="system",
            actor_label="system",
            action="core.user.renamed",
            content_type=content_type,
            object_id=str(user.pk),
            object_repr=new[:200],
            before={"username": old[:3] + "****" + old[-4:]},
            after={"username": new[:4] + "****" + new[-4:], "reason": "phone_like_username"},
            created_at=timezone.now(),
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0006_login"), ("contenttypes", "0002_remove_content_type_name")]

    operations = [migrations.RunPython(rename_phone_like_usernames, migrations.RunPython.noop)]
