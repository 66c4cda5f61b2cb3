"""Paying a stay online, through billing (no payment of its own): a resident pays the quote of
a vehicle in the lot (their own or a visitor's, found by its plate) as a one-off charge on one of
their homes (``billing.services.charge_service_fee``), paid on billing's pay page with the
configured provider (WeChat Pay, Alipay; the test provider in tests). When billing says the
charge is paid in full (``billing.services.on_settled``, in the transaction that books the
provider's notification, which billing books once), the session is paid as of the quote's time
(``operations.pay``), so the grace period to leave counts from then.

The charge's source names the session, the quote's time and its amount
(``parking.session:<id>@<unix time>:<amount>``); a charge that can no longer pay its session
(paid at the booth meanwhile, or gone) is credited, and what was paid of it goes to the home's
prepayment wallet, never lost and never taken twice."""

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from anju.billing import selectors as billing_selectors
from anju.billing import services as billing
from anju.core import audit, policy
from anju.core.errors import Conflict, DomainError, Forbidden, refuse
from anju.core.models import AuditEntry

from ..choices import PayMethod, SessionState
from ..models import Session
from . import operations

SOURCE = "parking.session:"
STARTED = "parking.session.online_started"


def charge_source(session, at, amount) -> str:
    """How billing knows the charge of ``session``'s quote at ``at`` (its bill line's source)."""
    return f"{SOURCE}{session.pk}@{int(at.timestamp())}:{amount}"


def parse_source(source):
    """``(session id, quote time, amount)`` of a charge's source, or None."""
    try:
        head, amount = source.removeprefix(SOURCE).split(":")
        pk, stamp = head.split("@")
        return int(pk), datetime.fromtimestamp(int(stamp), tz=UTC), Decimal(amount)
    except (ValueError, InvalidOperation):
        return None


def _started_sources(session):
    return list(
        AuditEntry.objects.filter(
            action=STARTED,
            object_id=str(session.pk),
            content_type__app_label="parking",
            content_type__model="session",
        ).values_list("after__source", flat=True)
    )


def _credit_stale(actor, session, keep=""):
    """Credit the session's earlier charges that are still unpaid (an abandoned payment)."""
    sources = [s for s in _started_sources(session) if s and s != keep]
    bills = billing_selectors.charge_bills(sources)
    for source, bill in bills.items():
        if bill.status == "open":
            billing.cancel_service_fee(
                actor=actor, source=source, reason=_("A newer quote of the same stay")
            )


@transaction.atomic
def start_online_pay(*, actor, session, house, at=None):
    """A resident pays ``session``'s fee now from ``house``'s account: the quote at ``at`` (now)
    becomes a one-off charge on the house, to pay on billing's pay page. Returns
    ``(bill, quote)``. A stay that owes nothing is 409; a home not the resident's, or of
    another community, is refused on ``house``."""
    at = (at or timezone.now()).replace(microsecond=0)
    if house is None or house.pk not in actor.resident_house_ids():
        refuse("house", _("Choose one of your homes."))
    if not policy.user_has(actor, "parking.session.pay", house.community_id):
        raise Forbidden(_("You may not do this in this community."))
    session = Session.objects.select_for_update().select_related("lot").get(pk=session.pk)
    if session.community_id != house.community_id:
        refuse("house", _("Choose one of your homes in the community of this parking lot."))
    action = "settle" if session.state == SessionState.UNPAID_EXIT else "pay"
    Session.machine.check(action, session.state)
    quote = operations.quote(session, at)
    if quote.amount <= 0:
        raise Conflict(_("Nothing is owed now."), fields={"amount": [_("Nothing is owed now.")]})
    source = charge_source(session, at, quote.amount)
    _credit_stale(actor, session, keep=source)
    local = timezone.localtime(session.entered_at)
    with translation.override(settings.LANGUAGE_CODE):  # the company's record, not one reader's
        bill = billing.charge_service_fee(
            actor=actor,
            house=house,
            amount=quote.amount,
            description=_("Temporary parking %(plate)s, %(lot)s, from %(day)s")
            % {"plate": session.plate, "lot": session.lot.name, "day": f"{local:%Y-%m-%d %H:%M}"},
            source=source,
            item_name=_("Temporary parking fee"),
            basis=_("The parking lot's published temporary parking fee rule"),
        )
    audit.record(
        actor,
        STARTED,
        session,
        after={
            "source": source,
            "amount": str(quote.amount),
            "house": house.pk,
            "bill": bill.pk,
            "plate": session.plate,
        },
    )
    return bill, quote


def _method(payment):
    """The session's ``paid_method`` for billing's payment (the test provider stands in for
    the wallet of its channel); a desk or prepayment settlement is recorded as cash."""
    method = getattr(payment, "method", "")
    if method in (PayMethod.WECHAT, PayMethod.ALIPAY):
        return method
    if method == "test":
        channel = getattr(payment, "channel", "") or ""
        return PayMethod.ALIPAY if channel.startswith("alipay") else PayMethod.WECHAT
    return PayMethod.CASH


def charge_paid(*, source, bill, payment=None):
    """Billing says a parking charge is paid in full (online, or at billing's desk): pay the
    session as of the quote's time. A charge that cannot pay it any more (already paid at the
    booth, or a newer quote was paid) is credited to the home's prepayment. Runs inside
    billing's transaction and never raises a domain error into it."""
    parsed = parse_source(source)
    if parsed is None:
        return
    pk, at, amount = parsed
    session = Session.objects.select_for_update().filter(pk=pk).first()
    if session is None:
        return
    try:
        operations.pay(actor=None, session=session, method=_method(payment), amount=amount, at=at)
    except DomainError as exc:
        billing.cancel_service_fee(
            actor=None,
            source=source,
            reason=_("The parking fee was settled otherwise: %(why)s") % {"why": exc.message},
        )
        audit.record(
            None,
            "parking.session.online_credited",
            session,
            after={"source": source, "bill": bill.pk, "why": str(exc.message)},
        )
        return
    audit.record(
        None,
        "parking.session.paid_online",
        session,
        after={
            "source": source,
            "bill": bill.pk,
            "payment": getattr(payment, "pk", None),
            "amount": str(amount),
        },
    )


# A resident's vehicles ------------------------------------------------------------------------


def add_my_vehicle(*, actor, house, plate):
    """A resident registers a vehicle of their home, as theirs (the plate rules, the limit per
    home and one active vehicle per plate are ``save_vehicle``'s)."""
    if house is None or house.pk not in actor.resident_house_ids():
        refuse("house", _("Choose one of your homes."))
    return operations.save_vehicle(
        actor=actor, house=house, plate=plate, person=actor.person if actor.person_id else None
    )


def remove_my_vehicle(*, actor, vehicle):
    """A resident takes a vehicle of their home off the register (kept, inactive)."""
    if vehicle.house_id not in actor.resident_house_ids():
        raise Forbidden(_("You may not do this in this community."))
    if not vehicle.active:
        raise Conflict(_("This vehicle is no longer registered."))
    return operations.save_vehicle(actor=actor, vehicle=vehicle, active=False)
