"""Readable numbers per community and day: BX-20261126-0007."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import NumberSequence


def next_number(prefix: str, community_id: int, when=None) -> str:
    day = timezone.localdate(when) if when else timezone.localdate()
    with transaction.atomic():
        seq, _ = NumberSequence.objects.select_for_update().get_or_create(
            prefix=prefix, community_id=community_id, day=day
        )
        NumberSequence.objects.filter(pk=seq.pk).update(last=F("last") + 1)
        seq.refresh_from_db(fields=["last"])
    return f"{prefix}-{day:%Y%m%d}-{seq.last:04d}"
