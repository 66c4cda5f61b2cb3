"""The handover's vocabulary."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")
