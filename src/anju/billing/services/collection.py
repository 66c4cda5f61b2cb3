"""The lawful collections ladder (民法典第944条) and the limitation clock of a bill."""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import DomainError, refuse
from anju.core.money import quantize
from anju.core.numbering import next_number

from ..choices import DEMAND_KINDS, CollectionKind, CollectionStatus
from ..models import CollectionAction
from ..selectors import overdue_amount

ART_944 = _(
    "Civil Code art. 944: a property service provider may not collect fees by stopping water, power, heating "
    "or gas (nor by locking meters or restricting lifts or access). Use the lawful ladder: reminder, "
    "written demand with a deadline, negotiation or instalment plan, lawyer's letter, lawsuit or arbitration."
)


# --- collections ---------------------------------------------------------------------------------


def refuse_unlawful(kind):
    """Anything outside the lawful ladder is refused, citing 民法典第944条."""
    if kind not in CollectionKind.values:
        raise DomainError(ART_944, code="unlawful_collection", fields={"kind": [ART_944]})


@transaction.atomic
def create_collection_action(*, actor, house, kind, note="", deadline=None, plan=None):
    refuse_unlawful(kind)
    today = timezone.localdate()
    owed = overdue_amount(house, today)
    if owed <= 0:
        refuse("house", _("This house has no overdue fees."))
    actions = CollectionAction.objects.filter(house=house)
    demand = actions.filter(kind=CollectionKind.DEMAND_NOTICE, delivered_at__isnull=False).order_by(
        "-delivered_at"
    )
    if kind == CollectionKind.LAWYER_LETTER and not demand.exists():
        refuse("kind", _("Send a written demand and record its delivery first."))
    if kind in (CollectionKind.LAWSUIT, CollectionKind.ARBITRATION):
        last = demand.first()
        if last is None or (last.deadline and last.deadline >= today):
            refuse(
                "kind",
                _(
                    "A lawsuit or arbitration comes only after a delivered written demand whose deadline "
                    "has passed (Civil Code art. 944(2))."
                ),
            )
    min_deadline = today + timedelta(days=settings.ANJU_DEMAND_DEADLINE_DAYS)
    if kind == CollectionKind.DEMAND_NOTICE:
        deadline = max(deadline, min_deadline) if deadline else min_deadline
    plan = plan or []
    if kind == CollectionKind.PAYMENT_PLAN:
        if not plan:
            refuse("plan", _("List the instalments: due date and amount."))
        try:
            plan = [
                {
                    "due": str(date.fromisoformat(str(p["due"]))),
                    "amount": str(quantize(p["amount"])),
                }
                for p in plan
            ]
        except (KeyError, ValueError, TypeError) as exc:
            raise DomainError(
                _("Each instalment needs a due date and an amount."),
                fields={"plan": [_("Each instalment needs a due date and an amount.")]},
            ) from exc
        if sum(Decimal(p["amount"]) for p in plan) != owed:
            refuse(
                "plan", _("The instalments must add up to the overdue ¥%(owed)s.") % {"owed": owed}
            )
    action = CollectionAction.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        kind=kind,
        number=next_number("CJ", house.community_id),
        amount=owed,
        deadline=deadline,
        note=note,
        plan=plan,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(actor, f"billing.collection.{kind}", action, after=audit.snapshot(action))
    return action


@transaction.atomic
def deliver_collection_action(*, actor, action, delivered_at=None, method="", proof=""):
    """Record delivery with its evidence; a delivered 催告 restarts the 3-year clock (民法典第195条)."""
    action = CollectionAction.objects.select_for_update().get(pk=action.pk)
    CollectionAction.machine.check("deliver", action.status)
    if action.kind in DEMAND_KINDS - {CollectionKind.REMINDER} and not proof.strip():
        refuse(
            "delivery_proof",
            _("Keep the proof of delivery (e.g. EMS tracking number, signed receipt)."),
        )
    action.status = CollectionStatus.DELIVERED
    action.delivered_at = delivered_at or timezone.now()
    action.delivery_method, action.delivery_proof = method[:60], proof[:300]
    action.save(update_fields=["status", "delivered_at", "delivery_method", "delivery_proof"])
    audit.record(
        actor,
        "billing.collection.delivered",
        action,
        before={"status": "open"},
        after={"status": "delivered", "proof": proof, "method": method},
    )
    return action


@transaction.atomic
def close_collection_action(*, actor, action, note=""):
    action = CollectionAction.objects.select_for_update().get(pk=action.pk)
    before = action.status
    action.status = CollectionAction.machine.check("close", action.status)
    if note:
        action.note = (action.note + "\n" + note).strip()
    action.save(update_fields=["status", "note"])
    audit.record(
        actor,
        "billing.collection.closed",
        action,
        before={"status": before},
        after={"status": "closed"},
    )
    return action


def limitation(bill, as_of=None):
    """民法典第188/195条: 3 years from the due date, restarted by each delivered 催告."""
    restarts = list(
        CollectionAction.objects.filter(
            house_id=bill.house_id,
            kind__in=list(DEMAND_KINDS),
            delivered_at__isnull=False,
            delivered_at__date__gte=bill.due_date,
        ).values_list("delivered_at", flat=True)
    )
    last = max([timezone.localdate(d) for d in restarts] + [bill.due_date])
    try:
        expires = last.replace(year=last.year + 3)
    except ValueError:  # 29 February
        expires = last.replace(year=last.year + 3, day=28)
    return {
        "starts": bill.due_date,
        "last_restart": last,
        "expires": expires,
        "restarts": len(restarts),
    }
