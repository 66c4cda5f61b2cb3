"""The guard's booth (岗亭): cash taken for a stay at the exit, and the barrier lifted by hand;
both through ``operations`` (``pay`` with cash, ``open_barrier`` with the reason required,
audited there)."""

from django.db import transaction

from ..choices import PayMethod, SessionState
from . import operations


@transaction.atomic
def collect_cash(*, actor, session, amount, at=None):
    """Take the fee of ``session`` in cash at the booth: the quote now for a vehicle inside,
    what it owes for one that left without paying. ``amount`` must be that (``pay``)."""
    return operations.pay(actor=actor, session=session, method=PayMethod.CASH, amount=amount, at=at)


def due_now(session, at=None):
    """What the booth asks for now: the quote of a vehicle inside, the debt of an unpaid exit."""
    if session.state == SessionState.UNPAID_EXIT:
        return session.owed
    if session.state in (SessionState.OPEN, SessionState.PAID):
        return operations.quote(session, at).amount
    return 0


@transaction.atomic
def open_by_hand(*, actor, gate, reason, plate="", at=None):
    """Lift ``gate``'s barrier by hand with ``reason`` (required), for ``plate`` if readable."""
    return operations.open_barrier(actor=actor, gate=gate, reason=reason, plate=plate, at=at)
