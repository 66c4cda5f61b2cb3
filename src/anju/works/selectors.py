"""The read side of the works: scoped lists for the API and pages, balances held per house, the
deposits report of a community, the resident's renovations."""

from django.db.models import Count, Q, Sum

from anju.core.money import ZERO, quantize

from .choices import HOLDING, DepositKind, EntryKind, MoveState, RenovationState
from .models import Deposit, DepositEntry, Inspection, Move, Renovation, Worker


def _in(queryset, community_id):
    return queryset.in_community(community_id) if community_id else queryset


def deposits(user, community_id=None):
    rows = Deposit.objects.visible_to(user, "works.deposit.view").select_related(
        "house__building", "payer"
    )
    return _in(rows, community_id)


def entries_of(deposit):
    return DepositEntry.objects.filter(deposit=deposit).select_related("created_by")


def held_by_house(house):
    """What the company holds for ``house`` now (never below zero)."""
    total = Deposit.objects.filter(house=house, state__in=HOLDING).aggregate(s=Sum("balance"))["s"]
    return quantize(total or ZERO)


def houses_holding(user, community_id=None):
    """Per house: the deposits held and their total (the console's "deposits per house")."""
    return (
        deposits(user, community_id)
        .filter(state__in=HOLDING)
        .values("house", "house__building__name", "house__number")
        .annotate(held=Sum("balance"), count=Count("id"))
        .order_by("house__building__name", "house__number")
    )


def report(user, community_id=None, start=None, end=None):
    """The deposits report: per kind, collected, deducted and refunded in the period (all time
    without one) and held now. Money held, not earned: never part of revenue."""
    rows = DepositEntry.objects.visible_to(user, "works.deposit.view")
    rows = _in(rows, community_id)
    if start:
        rows = rows.filter(created_at__date__gte=start)
    if end:
        rows = rows.filter(created_at__date__lte=end)
    moved = {
        (r["deposit__kind"], r["kind"]): r["total"]
        for r in rows.values("deposit__kind", "kind").annotate(total=Sum("amount"))
    }
    held = {
        r["kind"]: r["total"]
        for r in deposits(user, community_id)
        .filter(state__in=HOLDING)
        .values("kind")
        .annotate(total=Sum("balance"))
    }
    out = []
    for kind, label in DepositKind.choices:
        line = {
            "kind": kind,
            "label": label,
            "collected": quantize(moved.get((kind, EntryKind.COLLECT)) or ZERO),
            "deducted": quantize(moved.get((kind, EntryKind.DEDUCT)) or ZERO),
            "refunded": quantize(moved.get((kind, EntryKind.REFUND)) or ZERO),
            "held": quantize(held.get(kind) or ZERO),
        }
        out.append(line)
    total = {
        key: sum((line[key] for line in out), ZERO)
        for key in ("collected", "deducted", "refunded", "held")
    }
    return {"lines": out, "total": total}


def renovations(user, community_id=None):
    rows = Renovation.objects.visible_to(user, "works.renovation.view").select_related(
        "house__building", "applicant"
    )
    return _in(rows, community_id)


def under_review(user, community_id=None):
    return renovations(user, community_id).filter(state=RenovationState.SUBMITTED)


def resident_renovations(user):
    """The renovations of the houses the resident lives in now (newest first)."""
    return (
        Renovation.objects.filter(house_id__in=user.resident_house_ids())
        .select_related("house__building", "community")
        .prefetch_related("deposits__entries", "inspections")
        .order_by("-created_at")
    )


def inspections_of(renovation):
    return Inspection.objects.filter(renovation=renovation).select_related("inspected_by")


def workers_of(renovation):
    return Worker.objects.filter(renovation=renovation)


def moves(user, community_id=None):
    rows = Move.objects.visible_to(user, "works.move.view").select_related(
        "house__building", "person"
    )
    return _in(rows, community_id)


def open_moves(user, community_id=None):
    return moves(user, community_id).filter(state=MoveState.OPEN)


def community_counts(user, community_id=None):
    return renovations(user, community_id).aggregate(
        waiting=Count("id", filter=Q(state=RenovationState.SUBMITTED)),
        stopped=Count("id", filter=Q(state=RenovationState.STOPPED)),
    )
