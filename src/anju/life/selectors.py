"""The read side of community life: the catalogue a resident sees, what an order allows now,
seats of an event, the report of service income by service."""

from django.db.models import Count, Q, Sum
from django.utils import timezone

from anju.core.money import quantize
from anju.servicedesk.choices import Status as TicketStatus

from .choices import HOLDING_SIGNUP, OrderStatus, SignupStatus
from .models import Event, ServiceOffering, Signup

# The ticket's work is done: the order may be paid and rated.
DONE_TICKET = (TicketStatus.RESOLVED, TicketStatus.CONFIRMED, TicketStatus.CLOSED)
# The ticket has not been taken on yet: the order may still be cancelled.
UNTAKEN_TICKET = (TicketStatus.NEW, TicketStatus.ASSIGNED)


def catalogue(user, community_ids=None):
    """The published services a resident may order: their communities' and their companies'."""
    ids = list(community_ids if community_ids is not None else user.resident_community_ids())
    from anju.core.models import Community

    orgs = Community.objects.filter(pk__in=ids).values("organization_id")
    return (
        ServiceOffering.objects.filter(published=True)
        .filter(Q(community_id__in=ids) | Q(community__isnull=True, organization_id__in=orgs))
        .select_related("community")
        .order_by("name", "id")
    )


def work_done(order):
    return order.ticket is not None and order.ticket.status in DONE_TICKET


def order_actions(order):
    """What the order allows now: its state table, with ``pay`` only once the work is done (or
    the bill issued) and ``cancel`` only before the technician took the ticket on."""
    allowed = []
    for action in order.machine.allowed_actions(order.status):
        if action == "settle":
            continue  # billing's, when the bill is paid
        if action == "pay" and order.status == OrderStatus.ORDERED and not work_done(order):
            continue
        if action == "quote" and not order.offering.materials_extra:
            continue
        taken = order.ticket is not None and order.ticket.status not in UNTAKEN_TICKET
        if action == "cancel" and taken:
            continue
        allowed.append(action)
    if work_done(order) and order.ticket.rating is None and order.status != OrderStatus.CANCELLED:
        allowed.append("rate")
    return allowed


def orders_for(queryset):
    return queryset.select_related("offering", "house__building", "ticket", "community")


def seats(event):
    """(confirmed people, waitlisted people) of ``event``."""
    rows = Signup.objects.filter(event=event).aggregate(
        held=Sum("people", filter=Q(status__in=HOLDING_SIGNUP)),
        waiting=Sum("people", filter=Q(status=SignupStatus.WAITLISTED)),
    )
    return rows["held"] or 0, rows["waiting"] or 0


def with_seats(events):
    """Events annotated with ``held`` and ``waiting`` people in the same query."""
    return events.annotate(
        held=Sum("signups__people", filter=Q(signups__status__in=HOLDING_SIGNUP)),
        waiting=Sum("signups__people", filter=Q(signups__status=SignupStatus.WAITLISTED)),
    )


def upcoming_events(community_ids, now=None):
    now = now or timezone.now()
    return Event.objects.filter(community_id__in=list(community_ids), ends_at__gte=now).order_by(
        "starts_at", "id"
    )


def past_events(community_ids, now=None):
    now = now or timezone.now()
    return Event.objects.filter(community_id__in=list(community_ids), ends_at__lt=now).order_by(
        "-starts_at", "-id"
    )


def income_by_service(orders, start=None, end=None):
    """服务收入 by service: paid orders of ``orders`` (paid in [start, end); a refunded order is
    no longer income), their number and amount, largest first. The company's own income: it is
    in billing, never public income."""
    paid = orders.filter(status=OrderStatus.PAID)
    if start is not None:
        paid = paid.filter(paid_at__gte=start)
    if end is not None:
        paid = paid.filter(paid_at__lt=end)
    rows = (
        paid.values("offering_id", "offering__name")
        .annotate(orders=Count("id"), amount=Sum("amount"))
        .order_by("-amount", "offering__name")
    )
    return [
        {
            "offering": r["offering_id"],
            "name": r["offering__name"],
            "orders": r["orders"],
            "amount": quantize(r["amount"] or 0),
        }
        for r in rows
    ]
