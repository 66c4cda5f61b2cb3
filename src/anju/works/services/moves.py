"""Handover (交房/入伙) and a tenant's move-out (退租).

A handover walks the checklist of the house's type (``rules.handover_checklist``); a defect
found is raised as a service-desk repair ticket on the developer's warranty (保修期 by part:
``rules.warranty_years``, 物业管理条例第三十一条). The meter readings taken become billing's
baseline (``billing.services.enter_reading``: a first reading counts no usage); keys and cards
are issued, the cards' deposit collected into the ledger.

A move-out takes the final readings, records what the house still owes (billing's arrears,
settled at the desk or online like any bill), takes the cards back, refunds the deposits the
tenant paid and ends the tenant's occupancy (``core.services.end_occupancy``): every right
that follows occupancy ends with it."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.billing import selectors as billing_selectors
from anju.billing import services as billing
from anju.billing.choices import MeterKind
from anju.core import audit
from anju.core import services as core
from anju.core.choices import Relation
from anju.core.errors import refuse
from anju.servicedesk import services as servicedesk
from anju.servicedesk.choices import Category, Kind

from .. import rules
from ..choices import DepositKind, DepositState, MoveKind, MoveState
from ..models import Deposit, Move
from . import deposits
from .common import require

PART_CATEGORY = {
    "waterproofing": Category.ROOF_LEAK,
    "plumbing": Category.WATER,
    "electrical": Category.ELECTRICITY,
    "heating": Category.OTHER,
    "structure": Category.OTHER,
    "decoration": Category.OTHER,
}


def _locked(move):
    return Move.objects.select_for_update().select_related("house__building").get(pk=move.pk)


def _open_move(house, kind):
    return Move.objects.filter(house=house, kind=kind, state=MoveState.OPEN).exists()


@transaction.atomic
def start_move_in(*, actor, house, person, on=None):
    require("works.move.manage", house, actor=actor)
    if person.organization_id != house.organization_id:
        refuse("person", _("Choose one of this community's."))
    if _open_move(house, MoveKind.MOVE_IN):
        refuse("house", _("This house already has a handover in progress."))
    move = Move.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        kind=MoveKind.MOVE_IN,
        person=person,
        on=on or timezone.localdate(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(actor, "works.move.created", move, after=audit.snapshot(move))
    return move


@transaction.atomic
def start_move_out(*, actor, occupancy, on=None):
    """A tenant leaves the house on ``on`` (default today)."""
    require("works.move.manage", occupancy.house, actor=actor)
    if occupancy.relation != Relation.TENANT:
        refuse("occupancy", _("Only a tenant's move-out is handled here; an owner's sale is not."))
    if occupancy.until is not None and occupancy.until < timezone.localdate():
        refuse("occupancy", _("This tenancy has already ended."))
    if Move.objects.filter(
        occupancy=occupancy, kind=MoveKind.MOVE_OUT, state=MoveState.OPEN
    ).exists():
        refuse("occupancy", _("This tenant's move-out is already in progress."))
    move = Move.objects.create(
        organization_id=occupancy.organization_id,
        community_id=occupancy.community_id,
        house=occupancy.house,
        kind=MoveKind.MOVE_OUT,
        person=occupancy.person,
        occupancy=occupancy,
        on=on or timezone.localdate(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(actor, "works.move.created", move, after=audit.snapshot(move))
    return move


def checklist_of(move):
    return rules.handover_checklist(move.house.usage)


@transaction.atomic
def check_items(*, actor, move, results):
    """Record the handover checklist: ``results`` maps item codes to ``{"ok": bool, "note"}``.
    Defects become repair tickets on the developer's warranty, one per trade, each naming the
    part, its warranty period and whether the house is still within it."""
    move = _locked(move)
    require("works.move.manage", move.house, actor=actor)
    Move.machine.check("record", move.state)
    items = {code: (label, part) for code, label, part in checklist_of(move)}
    if not isinstance(results, dict) or not results:
        refuse("checklist", _("Tick the items of the checklist."))
    unknown = set(results) - set(items)
    if unknown:
        refuse("checklist", _("Choose items of the checklist."))
    defects = {}
    for code, result in results.items():
        ok = bool(result.get("ok")) if isinstance(result, dict) else bool(result)
        note = str(result.get("note", "") if isinstance(result, dict) else "").strip()[:200]
        if not ok and not note:
            refuse("checklist", _("Describe each defect found."))
        move.checklist[code] = {"ok": ok, "note": note}
        if not ok and move.kind == MoveKind.MOVE_IN:
            label, part = items[code]
            defects.setdefault(PART_CATEGORY.get(part, Category.OTHER), []).append(
                (label, part, note)
            )
    move.save(update_fields=["checklist"])
    today = timezone.localdate()
    delivered = move.house.delivered_on or move.on
    for category, rows in defects.items():
        lines = []
        for label, part, note in rows:
            years = rules.warranty_years(part)
            period = _("the design life") if years is None else _("%(n)s years") % {"n": years}
            within = rules.under_warranty(part, delivered, today)
            lines.append(
                f"{label}: {note} — {rules.WARRANTY_PARTS.get(part, part)}, "
                + _("developer's warranty %(period)s (%(article)s)")
                % {"period": period, "article": rules.WARRANTY_ARTICLE}
                + ("" if within else " " + _("(warranty ended)"))
            )
        servicedesk.open_ticket(
            actor=actor,
            community=move.community,
            kind=Kind.REPAIR,
            category=category,
            title=_("Handover defect (developer's warranty)"),
            description="\n".join(lines),
            channel="staff",
            house=move.house,
            source=move,
        )
    audit.record(actor, "works.move.checked", move, after={"checklist": move.checklist})
    return move


@transaction.atomic
def record_readings(*, actor, move, readings, read_on=None):
    """The meters read at the handover (billing's baseline) or the move-out (final usage)."""
    move = _locked(move)
    require("works.move.manage", move.house, actor=actor)
    Move.machine.check("record", move.state)
    if not isinstance(readings, dict) or not readings:
        refuse("readings", _("Enter at least one meter reading."))
    day = read_on or move.on
    for kind, value in readings.items():
        if kind not in MeterKind.values:
            refuse("readings", _("Choose water, electricity, gas or heat."))
        reading = billing.enter_reading(
            actor=actor, house=move.house, kind=kind, read_on=day, value=value
        )
        move.readings[kind] = str(reading.value)
    move.save(update_fields=["readings"])
    audit.record(actor, "works.move.readings_taken", move, after={"readings": move.readings})
    return move


@transaction.atomic
def issue_keys(*, actor, move, keys=0, cards=0, method="cash", reference=""):
    """Keys and access cards handed over; the cards' deposit (ANJU_WORKS_CARD_DEPOSIT each)
    collected into the ledger."""
    move = _locked(move)
    require("works.move.manage", move.house, actor=actor)
    Move.machine.check("record", move.state)
    if move.kind != MoveKind.MOVE_IN:
        refuse("cards", _("Keys and cards are issued at a handover."))
    try:
        keys, cards = int(keys or 0), int(cards or 0)
    except (TypeError, ValueError):
        refuse("cards", _("Enter whole numbers."))
    if not (0 <= keys <= 20 and 0 <= cards <= 20):
        refuse("cards", _("Between 0 and 20."))
    move.keys, move.cards = keys, cards
    move.save(update_fields=["keys", "cards"])
    amount = settings.ANJU_WORKS_CARD_DEPOSIT * cards
    if amount > 0:
        deposits.collect_deposit(
            actor=actor,
            house=move.house,
            kind=DepositKind.CARD,
            amount=amount,
            method=method,
            reference=reference,
            description=_("%(n)s access cards") % {"n": cards},
            payer=move.person,
            move=move,
        )
    audit.record(actor, "works.move.keys_issued", move, after={"keys": keys, "cards": cards})
    return move


def refundable(move):
    """The deposits held for the leaving person on the house (cards, keys, tools)."""
    return Deposit.objects.filter(
        house=move.house,
        payer=move.person,
        state=DepositState.HELD,
        kind__in=[DepositKind.CARD, DepositKind.KEY, DepositKind.TOOL],
    )


@transaction.atomic
def return_cards(*, actor, move, cards):
    move = _locked(move)
    require("works.move.manage", move.house, actor=actor)
    Move.machine.check("record", move.state)
    if move.kind != MoveKind.MOVE_OUT:
        refuse("cards", _("Cards are returned at a move-out."))
    try:
        cards = int(cards)
    except (TypeError, ValueError):
        refuse("cards", _("Enter whole numbers."))
    if not 0 <= cards <= 20:
        refuse("cards", _("Between 0 and 20."))
    move.cards = cards
    move.checklist["cards_returned"] = {"ok": True, "note": str(cards)}
    move.save(update_fields=["cards", "checklist"])
    audit.record(actor, "works.move.cards_returned", move, after={"cards": cards})
    return move


@transaction.atomic
def complete(*, actor, move, method="cash", reference=""):
    """Finish: a handover once its checklist and readings are in; a move-out once the final
    readings are in and the cards are back, with the tenant's deposits refunded, what the house
    owes recorded and the tenancy ended on the move-out date."""
    move = _locked(move)
    require("works.move.manage", move.house, actor=actor)
    target = Move.machine.check("complete", move.state)
    if not move.readings:
        refuse("readings", _("Take the meter readings first."))
    if move.kind == MoveKind.MOVE_IN:
        codes = {code for code, _label, _part in checklist_of(move)}
        if not codes <= set(move.checklist):
            refuse("checklist", _("Go through every item of the checklist first."))
    else:
        if "cards_returned" not in move.checklist:
            refuse("cards", _("Record the cards returned first."))
        for held in refundable(move):
            deposits.refund(actor=actor, deposit=held, method=method, reference=reference)
        move.arrears = billing_selectors.house_arrears(move.house)
        if move.occupancy_id:
            core.end_occupancy(move.occupancy, actor=actor, until=move.on)
    move.state, move.completed_at = target, timezone.now()
    move.save(update_fields=["state", "completed_at", "arrears"])
    audit.record(actor, "works.move.completed", move, after={"arrears": str(move.arrears or "")})
    return move
