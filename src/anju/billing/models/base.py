"""What billing's models share: the append-only rule of posted money rows and the price
precision."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PRICE = {"max_digits": 12, "decimal_places": 4}


class AppendOnlyMixin:
    """Append-only rows: saving an existing row or deleting one is refused."""

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("allow_update", False):
            raise ValidationError(
                _("Posted money rows cannot be changed; issue a correction instead.")
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Posted money rows cannot be deleted; issue a correction instead."))
