"""What billing tells residents (站内信): a bill issued, a payment received, a refund. Each in
the recipient's language, linked to their bills in the portal; one bulk message per event."""

from django.db import transaction
from django.utils.translation import gettext_lazy

from anju.core.formats import money
from anju.core.notifications import interpolate, notify
from anju.core.selectors import household_users

from ..models import Bill


def tell_bills_issued(run):
    """A posted run: every household with a bill in it hears once, after commit."""
    house_ids = Bill.objects.filter(run_id=run.pk).values("house_id")
    community, period = run.community, run.period

    def send():
        notify(
            household_users(house_ids),
            interpolate(gettext_lazy("Your %(period)s property bill is ready"), period=period),
            interpolate(
                gettext_lazy("%(community)s · see what it comes to and pay it under Bills."),
                community=community.name,
            ),
            link="/app/bills/",
            community=community,
            channels=("inbox", "wechat"),
            event="billing.bill.issued",
        )

    transaction.on_commit(send)


def tell_payment_received(payment):
    if payment.for_developer:
        return []
    house = payment.house
    return notify(
        household_users([house.pk]),
        interpolate(gettext_lazy("Payment received: %(amount)s"), amount=money(payment.amount)),
        interpolate(
            gettext_lazy("%(house)s · receipt %(receipt)s"),
            house=str(house),
            receipt=payment.receipt_number,
        ),
        link=f"/app/bills/receipts/{payment.pk}/",
        community=house.community,
        event="billing.payment.received",
    )


def tell_refund(house, amount, reason):
    return notify(
        household_users([house.pk]),
        interpolate(gettext_lazy("Prepayment refunded: %(amount)s"), amount=money(amount)),
        interpolate(gettext_lazy("%(house)s · %(reason)s"), house=str(house), reason=reason[:200]),
        link="/app/bills/",
        community=house.community,
        channels=("inbox", "wechat", "sms"),
        event="billing.wallet.refunded",
    )
