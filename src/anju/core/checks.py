"""System checks of a production configuration (``anju check --deploy`` shows them)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def field_key_check(app_configs, **kwargs):
    """ID numbers are encrypted with ANJU_FIELD_KEY; without it the key is SECRET_KEY, and
    rotating SECRET_KEY (as one does after a leak) would make every stored ID number unreadable."""
    if settings.EMBEDDED or settings.DEBUG or getattr(settings, "ANJU_FIELD_KEY", ""):
        return []
    return [
        checks.Warning(
            "ANJU_FIELD_KEY is not set: ID numbers are encrypted with SECRET_KEY.",
            hint="Set ANJU_FIELD_KEY to a long random value kept apart from SECRET_KEY, before "
            "the first ID number is stored; never change it without re-encrypting (core.crypto).",
            id="anju.W001",
        )
    ]
