"""Who is told when a charge raised for another app is paid in full (see ``charges``)."""

from ..choices import BillStatus
from ..models import BillLine

_SETTLED: dict[str, object] = {}


def on_settled(prefix, callback):
    """Call ``callback`` when a charge whose source starts with ``prefix`` is paid in full."""
    _SETTLED[prefix] = callback


def tell_settled(bill_ids, payment=None):
    """Run the registered callbacks for the lines of the bills just paid in full."""
    if not _SETTLED or not bill_ids:
        return
    lines = (
        BillLine.objects.filter(bill_id__in=bill_ids, bill__status=BillStatus.PAID)
        .exclude(source="")
        .select_related("bill")
    )
    for line in lines:
        for prefix, callback in _SETTLED.items():
            if line.source.startswith(prefix):
                callback(source=line.source, bill=line.bill, payment=payment)
