"""The vocabulary of staff performance and evaluations."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The people whose work is measured and evaluated (not company admins, finance or committee).
FIELD_ROLES = ("manager", "agent", "technician", "guard", "cleaner", "cashier")


class EvaluationStatus(models.TextChoices):
    RECORDED = "recorded", _("Awaiting acknowledgement")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
