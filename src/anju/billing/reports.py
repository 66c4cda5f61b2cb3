"""Read side: line explanations, arrears aging, collection rates, receivable/received reports."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, IntegerField, Q, Sum, When
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import formats
from anju.core.choices import AreaSource
from anju.core.money import ZERO, quantize

from . import calc, selectors
from .choices import BillStatus, LineKind, Method, PaymentStatus
from .models import Allocation, Bill, BillLine

AGING_BUCKETS = [
    ("0-30", 0, 30),
    ("31-90", 31, 90),
    ("91-180", 91, 180),
    ("181-365", 181, 365),
    ("365+", 366, None),
]


def area_source_label(code):
    """The area's source as people call it (不动产登记, 测绘, 购房合同), never its code."""
    try:
        return str(AreaSource(code).label)
    except ValueError:
        return code or "—"


def explain_line(line) -> str:
    """How a line was computed, in words: the same text on the portal, the PDF and the API."""
    item = line.fee_item
    d = line.detail or {}
    parts = []
    if line.kind == LineKind.ONE_OFF:
        parts.append(_("One-off charge: %(desc)s") % {"desc": line.description or item.name})
    elif item.method == Method.AREA:
        parts.append(
            _("%(area)s m² (%(src)s) × ¥%(price)s %(unit)s × %(months)s month(s)")
            % {
                "area": d.get("area"),
                "src": area_source_label(d.get("src", "")),
                "price": f"{item.unit_price:.4f}",
                "unit": item.unit,
                "months": d.get("months", 1),
            }
        )
    elif item.method == Method.FIXED:
        parts.append(
            _("¥%(price)s %(unit)s × %(months)s month(s)")
            % {"price": f"{item.unit_price:.4f}", "unit": item.unit, "months": d.get("months", 1)}
        )
    elif item.method == Method.METERED:
        text = _("reading %(from)s → %(to)s, usage %(usage)s") % {
            "from": d.get("from"),
            "to": d.get("to"),
            "usage": d.get("usage"),
        }
        if d.get("replaced"):
            text += _(" (meter replaced)")
        tiers = "; ".join(_("%(q)s × ¥%(p)s") % {"q": q, "p": p} for q, p, _s in d.get("tiers", []))
        parts.append(f"{text}: {tiers}")
        if item.pass_through:
            parts.append(
                _("utility pass-through, no surcharge (Property Management Regulations art. 44)")
            )
    elif item.method == Method.SHARED:
        parts.append(
            _(
                "公摊 total ¥%(total)s (usage %(usage)s × ¥%(price)s) split by area: %(area)s of %(scope)s m²"
            )
            % {
                "total": formats.number(d.get("total"), 2),
                "usage": d.get("usage"),
                "price": f"{item.unit_price:.4f}",
                "area": d.get("area"),
                "scope": d.get("scope_area"),
            }
        )
        if d.get("remainder"):
            parts.append(_("this line carries the rounding remainder"))
    if d.get("days") and d.get("pdays") and d["days"] != d["pdays"]:
        parts.append(
            _("prorated %(days)s of %(pdays)s days") % {"days": d["days"], "pdays": d["pdays"]}
        )
    if d.get("until_delivery"):
        parts.append(
            _(
                "the developer's, for the days before delivery on %(day)s (Property Fee Measures art. 16)"
            )
            % {"day": d["until_delivery"]}
        )
    if d.get("from_delivery"):
        parts.append(_("from delivery on %(day)s") % {"day": d["from_delivery"]})
    if d.get("vacancy"):
        v = d["vacancy"]
        parts.append(
            _("vacancy rate %(rate)s by %(basis)s, notice %(notice)s")
            % {"rate": v["rate"], "basis": v["basis"], "notice": v["notice"]}
        )
    parts.append(_("period %(period)s") % {"period": line.period})
    parts.append(_("standard: %(std)s") % {"std": item.standard_text()})
    parts.append(
        _("rounded half up to the fen: ¥%(amount)s") % {"amount": formats.number(line.amount, 2)}
    )
    return "; ".join(str(p) for p in parts)


def _bucket_filters(as_of):
    """Disjoint due-date windows, one per aging bucket (days overdue = as_of - due_date)."""
    out = []
    for name, low, high in AGING_BUCKETS:
        cond = Q(due_date__lte=as_of - timedelta(days=low))
        if high is not None:
            cond &= Q(due_date__gte=as_of - timedelta(days=high))
        out.append((name, cond))
    return out


def arrears_aging(bills, as_of=None, group=None):
    """Open, overdue balances by aging bucket (and optional group: community, building, period).
    Returns {"rows": [{group, bucket amounts, households}], "total", "households"}.

    One pass over the open bills (read from the covering ``bill_open_due_cover`` index): each
    group's buckets are conditional sums, its households a distinct count of houses."""
    as_of = as_of or timezone.localdate()
    qs = selectors.overdue(bills, as_of)
    group_field = {
        "community": "community__name",
        "building": "house__building__name",
        "period": "period",
        None: None,
    }[group]
    buckets = _bucket_filters(as_of)
    sums = {
        f"b{i}": Sum(selectors.balance(), filter=cond, output_field=DecimalField())
        for i, (_name, cond) in enumerate(buckets)
    }
    households = Count("house_id", distinct=True)
    if group_field:
        rows = list(
            qs.values(group_field).annotate(**sums, households=households).order_by(group_field)
        )
    else:
        rows = [qs.aggregate(**sums, households=households)]
        rows[0][None] = _("All")
    out = []
    total, houses = ZERO, 0
    for r in rows:
        amounts = {name: quantize(r[f"b{i}"] or 0) for i, (name, _c) in enumerate(buckets)}
        if not r["households"]:
            continue
        row_total = sum(amounts.values(), ZERO)
        total += row_total
        houses += r["households"]
        out.append(
            {
                "group": str(r[group_field]),
                **{k: str(v) for k, v in amounts.items()},
                "cells": [str(amounts[name]) for name, _a, _b in AGING_BUCKETS],
                "total": str(row_total),
                "households": r["households"],
            }
        )
    if group == "period":  # a house owes in several periods: count it once overall
        houses = qs.aggregate(h=Count("house_id", distinct=True))["h"]
    return {
        "as_of": str(as_of),
        "buckets": [b[0] for b in AGING_BUCKETS],
        "rows": out,
        "total": str(total),
        "households": houses,
    }


def arrears_by_item(bills, as_of=None):
    """Open principal per fee item (unpaid part of each line)."""
    as_of = as_of or timezone.localdate()
    lines = BillLine.objects.filter(bill__in=selectors.overdue(bills, as_of))
    billed = dict(
        lines.values("fee_item__name").annotate(s=Sum("amount")).values_list("fee_item__name", "s")
    )
    paid = dict(
        Allocation.objects.filter(line__in=lines)
        .values("line__fee_item__name")
        .annotate(s=Sum("amount"))
        .values_list("line__fee_item__name", "s")
    )
    return [
        {"group": name, "total": str(quantize(amount - (paid.get(name) or 0)))}
        for name, amount in billed.items()
    ]


def collection_rates(bills, period):
    """当期收缴率 (this period's receipts on this period's bills) and 清欠率 (prior arrears
    recovered during the period), by amount and by household."""
    p = calc.parse_period(period)
    current = bills.filter(period_start__gte=p.start, period_start__lte=p.end)
    agg = current.aggregate(
        billed=Sum(selectors.receivable()), houses=Count("house_id", distinct=True)
    )
    billed = agg["billed"] or ZERO
    received = (
        Allocation.objects.filter(bill__in=current, applied_on__lte=p.end).aggregate(
            s=Sum("amount")
        )["s"]
        or ZERO
    )
    unpaid_houses = (
        current.filter(Q(status=BillStatus.OPEN) & Q(paid__lt=selectors.receivable()))
        .values("house_id")
        .distinct()
        .count()
    )
    houses = agg["houses"] or 0
    prior = bills.filter(period_start__lt=p.start)
    prior_billed = prior.aggregate(s=Sum(selectors.receivable()))["s"] or ZERO
    prior_paid_before = (
        Allocation.objects.filter(bill__in=prior, applied_on__lt=p.start).aggregate(
            s=Sum("amount")
        )["s"]
        or ZERO
    )
    arrears_start = prior_billed - prior_paid_before
    recovered = (
        Allocation.objects.filter(
            bill__in=prior, applied_on__gte=p.start, applied_on__lte=p.end
        ).aggregate(s=Sum("amount"))["s"]
        or ZERO
    )
    owing_houses = (
        prior.values("house_id")
        .annotate(
            billed=Sum(selectors.receivable()),
            before=Sum(
                Case(
                    When(allocations__applied_on__lt=p.start, then=F("allocations__amount")),
                    default=0,
                    output_field=DecimalField(),
                )
            ),
        )
        .filter(billed__gt=F("before"))
    )
    owing_ids = set(owing_houses.values_list("house_id", flat=True)) if arrears_start > 0 else set()
    cleared = 0
    if owing_ids:
        still = set(
            prior.filter(house_id__in=owing_ids, status=BillStatus.OPEN).values_list(
                "house_id", flat=True
            )
        )
        cleared = len(owing_ids - still)

    def pct(a, b):
        return str(quantize(Decimal(a) * 100 / Decimal(b))) if b else None

    return {
        "period": p.key,
        "billed": str(quantize(billed)),
        "received": str(quantize(received)),
        "current_rate_amount": pct(received, billed),
        "households": houses,
        "paid_households": houses - unpaid_houses,
        "current_rate_households": pct(houses - unpaid_houses, houses),
        "arrears_at_start": str(quantize(arrears_start)),
        "recovered": str(quantize(recovered)),
        "recovery_rate_amount": pct(recovered, arrears_start),
        "arrears_households": len(owing_ids),
        "cleared_households": cleared,
        "recovery_rate_households": pct(cleared, len(owing_ids)),
    }


def receivable_received(bills, group="period"):
    """应收 / 实收 / 欠费 grouped by community, building, item or period."""
    if group == "item":
        lines = BillLine.objects.filter(bill__in=bills)
        billed = lines.values("fee_item__name").annotate(s=Sum("amount")).order_by("fee_item__name")
        paid = dict(
            Allocation.objects.filter(line__in=lines)
            .values("line__fee_item__name")
            .annotate(s=Sum("amount"))
            .values_list("line__fee_item__name", "s")
        )
        rows = []
        for r in billed:
            name = r["fee_item__name"]
            rows.append(
                {
                    "group": name,
                    "receivable": str(quantize(r["s"])),
                    "received": str(quantize(paid.get(name) or 0)),
                    "arrears": str(quantize(r["s"] - (paid.get(name) or 0))),
                }
            )
        return rows
    field = {
        "community": "community__name",
        "building": "house__building__name",
        "period": "period",
    }[group]
    rows = (
        bills.values(field)
        .annotate(
            receivable=Sum(selectors.receivable()),
            received=Sum("paid"),
            n=Count("id", output_field=IntegerField()),
        )
        .order_by(field)
    )
    return [
        {
            "group": r[field],
            "receivable": str(quantize(r["receivable"] or 0)),
            "received": str(quantize(r["received"] or 0)),
            "arrears": str(quantize((r["receivable"] or 0) - (r["received"] or 0))),
        }
        for r in rows
    ]


def monthly_rates(bills, periods):
    return [collection_rates(bills, p) for p in periods]


def community_metrics(user, community_ids, start, end, now=None):
    """小区对比: collection (as the collection-rate report counts it: receipts by the end of the
    period on the bills of the period) and overdue arrears now, grouped by community."""
    from anju.core import policy
    from anju.core.comparison import Metric, ratio

    if not policy.staff_has(user, "billing.report.view"):
        return []
    today = timezone.localdate(now)
    bills = Bill.objects.visible_to(user, "billing.report.view").filter(
        community_id__in=community_ids
    )
    current = bills.filter(period_start__gte=start, period_start__lte=end)
    billed = dict(
        current.values("community_id")
        .annotate(s=Sum(selectors.receivable()))
        .values_list("community_id", "s")
        .order_by()
    )
    received = dict(
        Allocation.objects.filter(bill__in=current, applied_on__lte=end)
        .values("bill__community_id")
        .annotate(s=Sum("amount"))
        .values_list("bill__community_id", "s")
        .order_by()
    )
    overdue = {
        row["community_id"]: row
        for row in selectors.overdue(bills, today)
        .values("community_id")
        .annotate(amount=Sum(selectors.balance()), houses=Count("house_id", distinct=True))
        .order_by()
    }
    section = _("Billing")
    return [
        Metric(
            "collection_rate",
            _("Collection rate (bills of the period)"),
            "%",
            "high",
            {
                cid: ratio(received.get(cid) or ZERO, billed[cid]) if billed.get(cid) else None
                for cid in community_ids
            },
            section,
        ),
        Metric(
            "overdue_amount",
            _("Overdue fees now"),
            "¥",
            "low",
            {cid: overdue.get(cid, {}).get("amount") or ZERO for cid in community_ids},
            section,
        ),
        Metric(
            "overdue_houses",
            _("Houses with overdue fees"),
            "",
            "low",
            {cid: overdue.get(cid, {}).get("houses", 0) for cid in community_ids},
            section,
        ),
    ]


def staff_metrics(user, staff_ids, start, end, now=None):
    """员工绩效: payments each person took at the desk in the period (count and amount)."""
    from anju.core import policy
    from anju.core.comparison import Metric

    from .models import Payment

    if not policy.staff_has(user, "billing.payment.view"):
        return []
    rows = {
        row["received_by_id"]: row
        for row in Payment.objects.visible_to(user, "billing.payment.view")
        .filter(
            received_by_id__in=staff_ids,
            status=PaymentStatus.SUCCEEDED,
            paid_on__gte=start,
            paid_on__lte=end,
        )
        .values("received_by_id")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by()
    }
    section = _("Billing")
    return [
        Metric(
            "payments",
            _("Payments taken"),
            "",
            "",
            {pk: rows.get(pk, {}).get("n", 0) for pk in staff_ids},
            section,
        ),
        Metric(
            "payments_amount",
            _("Amount taken"),
            "¥",
            "",
            {pk: rows.get(pk, {}).get("amount") or ZERO for pk in staff_ids},
            section,
        ),
    ]
