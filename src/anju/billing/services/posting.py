"""Billing runs previewed, staged and posted, stale previews dropped, one-off charges."""

import json
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, bounds
from anju.core.errors import refuse
from anju.core.models import House
from anju.core.money import quantize
from anju.core.numbering import next_number

from .. import calc
from ..choices import BillStatus, LineKind, Method, PayerKind, RunStatus
from ..models import Bill, BillingRun, BillLine, RunLine, Wallet
from .messages import tell_bills_issued
from .payments import settle_wallet
from .runs import CHUNK, RunComputer, house_payers


def _copy_text(value):
    if value is None:
        return "\\N"
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


class _RunStager:
    """Stages a run's computed lines (``RunLine``): as COPY text on PostgreSQL, elsewhere with
    bulk_create. Posting turns them into bills and lines set-based (``_post_staged``)."""

    def __init__(self, run, period):
        self.run, self.period = run, period
        self.json = {}
        self.pg = connection.vendor == "postgresql"

    def _json(self, detail):
        key = id(detail)
        found = self.json.get(key)
        if found is None or found[0] is not detail:
            found = self.json[key] = (
                detail,
                _copy_text(json.dumps(detail, ensure_ascii=False, separators=(",", ":"))),
            )
        return found[1]

    def write(self, chunk):
        if not chunk:
            return
        run, start = self.run, self.period.start
        if not self.pg:
            RunLine.objects.bulk_create(
                [
                    RunLine(
                        run=run,
                        house_id=h["id"],
                        fee_item_id=item.pk,
                        amount=amount,
                        detail=detail,
                        due_date=start + timedelta(days=item.due_days),
                        payer_kind=kind,
                        payer_id=payer_id,
                        liable_id=liable_id,
                        payer_name=name[:200],
                        line_kind=line_kind,
                    )
                    for h, (kind, payer_id, liable_id, name), lines, line_kind in chunk
                    for item, amount, detail in lines
                ],
                batch_size=CHUNK,
            )
            return
        due = {}
        text = []
        for h, (kind, payer_id, liable_id, name), lines, line_kind in chunk:
            payer = (
                f"{kind}\t{_copy_text(payer_id)}\t{_copy_text(liable_id)}\t{_copy_text(name[:200])}"
                f"\t{line_kind}"
            )
            for item, amount, detail in lines:
                day = due.get(item.pk)
                if day is None:
                    day = due[item.pk] = (start + timedelta(days=item.due_days)).isoformat()
                text.append(
                    f"{run.pk}\t{h['id']}\t{item.pk}\t{amount}\t{self._json(detail)}\t{day}\t{payer}\n"
                )
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                "COPY billing_runline (run_id, house_id, fee_item_id, amount, detail, due_date, "
                "payer_kind, payer_id, liable_id, payer_name, line_kind) FROM STDIN"
            ) as copy,
        ):
            copy.write("".join(text))


def _stage(computer, run, on_progress=None):
    """Compute the run chunk by chunk, stage its lines and return the preview summary.
    ``on_progress(done, total, message)`` hears of each chunk of houses."""
    stager = _RunStager(run, computer.period)
    totals = defaultdict(lambda: [Decimal(0), 0])
    houses, zero = 0, 0
    for chunk in computer.chunks():
        stager.write(chunk)
        if on_progress is not None:
            on_progress(computer.done, computer.total, _("houses computed"))
        houses += len({h["id"] for h, *_rest in chunk})
        for _h, _payer, lines, _kind in chunk:
            for item, amount, _detail in lines:
                totals[item.pk][0] += amount
                totals[item.pk][1] += 1
                zero += amount == 0
    if stager.pg and houses:
        with connection.cursor() as cursor:  # fresh statistics for the set-based post
            cursor.execute("ANALYZE billing_runline")
    names = {i.pk: i.name for i in computer.items}
    warnings = list(computer.warnings)
    if zero:
        warnings.append(_("%(n)s lines come to ¥0.00.") % {"n": zero})
    return {
        "period": computer.period.key,
        "houses": houses,
        "lines": sum(t[1] for t in totals.values()),
        "total": str(sum((t[0] for t in totals.values()), Decimal(0))),
        "items": [
            {"fee_item": pk, "name": names[pk], "lines": t[1], "total": str(t[0])}
            for pk, t in totals.items()
        ],
        "already_billed": sum(len(s) for s in computer.existing.values()),
        "warnings": [str(w) for w in warnings],
        "staged": True,
    }


STALE_SQL = (
    "DELETE FROM billing_runline WHERE run_id = %(run)s AND EXISTS ("
    "SELECT 1 FROM billing_billline l WHERE l.period = %(period)s "
    "AND l.fee_item_id = billing_runline.fee_item_id "
    "AND l.house_id = billing_runline.house_id AND l.kind = billing_runline.line_kind)"
)
# OFFSET 0 keeps the EXISTS a per-line probe of the unique index on PostgreSQL, whatever the
# statistics of a period billed moments ago say (SQLite does not take OFFSET without LIMIT).
STALE_PG = STALE_SQL[:-1] + " OFFSET 0)"


# The one definition of a run's bills: one per house and payer (the developer's days before a
# delivery apart), due on its earliest line, its total the sum of its lines. ROUND(.., 2) is a
# no-op on PostgreSQL's exact numeric; SQLite keeps decimals as REAL, where a float sum such as
# 0.70 + 0.10 would come to 0.7999... and refuse a payment of the full 0.80 (bill_not_overpaid).
_BILLS_FROM_STAGED = (
    "INSERT INTO billing_bill (organization_id, community_id, house_id, run_id, number, "
    "period, period_start, period_end, due_date, payer_kind, payer_id, liable_id, "
    "payer_name, total, paid, credited, late_fee, status, created_at) "
    "SELECT %(org)s, %(com)s, s.house_id, %(run)s, '', %(period)s, %(start)s, %(end)s, "
    "MIN(s.due_date), s.payer_kind, MIN(s.payer_id), MIN(s.liable_id), "
    "MIN(s.payer_name), ROUND(SUM(s.amount), 2), 0, 0, 0, %(open)s, %(now)s "
    "FROM billing_runline s WHERE s.run_id = %(run)s "
    "GROUP BY s.house_id, s.payer_kind ORDER BY s.house_id, s.payer_kind"
)
_LINES_FROM_STAGED = (
    "INSERT INTO billing_billline (organization_id, community_id, bill_id, house_id, "
    "fee_item_id, period, kind, amount, detail, description, source) "
    "SELECT %(org)s, %(com)s, b.id, s.house_id, s.fee_item_id, %(period)s, s.line_kind, "
    "s.amount, s.detail, '', '' FROM billing_runline s "
)


def _post_staged(run, period):
    """Bills and lines from the run's staged lines, set-based; returns (bills, lines, total).

    A staged line billed meanwhile by another run of the period is dropped first (re-running
    creates nothing). Then the bills (``_BILLS_FROM_STAGED``) and their lines
    (``_LINES_FROM_STAGED``), each INSERT ... SELECT, on every backend; only how the lines meet
    their new bills' ids differs: on PostgreSQL in the same statement, from RETURNING, elsewhere
    by joining the run's bills. A line committed by a concurrent run in between hits the unique
    constraint and the whole post rolls back, so a bill's total is always the sum of its lines."""
    p = calc.parse_period(period)
    params = {
        "run": run.pk,
        "org": run.organization_id,
        "com": run.community_id,
        "period": p.key,
        "start": connection.ops.adapt_datefield_value(p.start),
        "end": connection.ops.adapt_datefield_value(p.end),
        "now": connection.ops.adapt_datetimefield_value(timezone.now()),
        "regular": LineKind.REGULAR,
        "before": LineKind.BEFORE_DELIVERY,
        "open": BillStatus.OPEN,
    }
    pg = connection.vendor == "postgresql"
    lines_of_bills = (
        f"{_LINES_FROM_STAGED}JOIN {{bills}} b ON b.house_id = s.house_id "
        "AND b.payer_kind = s.payer_kind WHERE s.run_id = %(run)s ORDER BY b.id, s.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM billing_billline l WHERE l.period = %(period)s "
            "AND l.kind IN (%(regular)s, %(before)s) "
            "AND l.fee_item_id IN (SELECT DISTINCT fee_item_id FROM billing_runline "
            "WHERE run_id = %(run)s) LIMIT 1",
            params,
        )
        if cursor.fetchone():
            cursor.execute(STALE_PG if pg else STALE_SQL, params)
        if pg:
            # One statement: the bills' ids come back from RETURNING and are hash-joined to
            # their staged lines (a run's new bills have no statistics yet).
            cursor.execute("SET LOCAL work_mem = '64MB'; SET LOCAL jit = off")
            cursor.execute(
                f"WITH b AS ({_BILLS_FROM_STAGED} RETURNING id, house_id, payer_kind) "
                + lines_of_bills.format(bills="b"),
                params,
            )
        else:
            cursor.execute(_BILLS_FROM_STAGED, params)
            cursor.execute(
                lines_of_bills.format(
                    bills="(SELECT id, house_id, payer_kind FROM billing_bill "
                    "WHERE run_id = %(run)s)"
                ),
                params,
            )
        lines = cursor.rowcount
        cursor.execute("DELETE FROM billing_runline WHERE run_id = %(run)s", params)
    posted = Bill.objects.filter(run_id=run.pk).aggregate(n=Count("id"), total=Sum("total"))
    return posted["n"], lines, quantize(posted["total"] or 0)


@transaction.atomic
def create_billing_run(*, actor, community, period, building=None, items=None, on_progress=None):
    """Preview a run: compute and stage every line (``on_progress(done, total, message)``
    hears how many houses are done, for a job's progress bar)."""
    computer = RunComputer(community, period, building, items)
    run = BillingRun.objects.create(
        organization_id=community.organization_id,
        community=community,
        building=building,
        period=computer.period.key,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    run.preview = _stage(computer, run, on_progress)
    run.preview["items_selected"] = [i.pk for i in computer.items]
    run.save(update_fields=["preview"])
    audit.record(
        actor,
        "billing.run.previewed",
        run,
        after={k: run.preview[k] for k in ("period", "houses", "lines", "total")},
    )
    return run


@transaction.atomic
def post_billing_run(*, actor, run, on_progress=None):
    """Post what the preview computed and staged. A run previewed before lines were staged
    (no ``staged`` mark) is computed and staged now. Then prepayments settle the new bills,
    house by house (``on_progress(done, total, message)`` hears of both)."""
    run = BillingRun.objects.select_for_update().get(pk=run.pk)
    BillingRun.machine.check("post", run.status)
    community = run.community
    if not run.preview.get("staged"):
        computer = RunComputer(
            community, run.period, run.building, run.preview.get("items_selected") or None
        )
        _stage(computer, run, on_progress)
    bills_created, lines_created, total = _post_staged(run, run.period)
    run.status = RunStatus.POSTED
    run.posted_at = timezone.now()
    run.result = {"bills": bills_created, "lines": lines_created, "total": str(total)}
    run.save(update_fields=["status", "posted_at", "result"])
    audit.record(actor, "billing.run.posted", run, after=run.result)
    tell_bills_issued(run)
    wallet_houses = list(
        Wallet.objects.filter(community=community, balance__gt=0).values_list("house_id", flat=True)
    )
    for done, house_id in enumerate(wallet_houses, 1):
        settle_wallet(actor=actor, house=House.objects.get(pk=house_id))
        if on_progress is not None and (done % 50 == 0 or done == len(wallet_houses)):
            on_progress(done, len(wallet_houses), _("prepayments settled"))
    return run


@transaction.atomic
def drop_stale_previews(*, now=None, keep_days=None) -> int:
    """Staged lines of previews nobody posted within ``ANJU_BILLING_PREVIEW_KEEP_DAYS`` go:
    a month of a large community stages hundreds of thousands of rows, and a forgotten
    preview kept them for ever. The preview's figures stay on the run; posting it later
    computes its lines again from the data of that day. Returns how many runs were unstaged."""
    now = now or timezone.now()
    keep = settings.ANJU_BILLING_PREVIEW_KEEP_DAYS if keep_days is None else keep_days
    runs = list(
        BillingRun.objects.select_for_update().filter(
            status=RunStatus.PREVIEWED,
            created_at__lt=now - timedelta(days=keep),
            preview__staged=True,
        )
    )
    if not runs:
        return 0
    RunLine.objects.filter(run__in=runs).delete()
    for run in runs:
        run.preview = {**run.preview, "staged": False, "unstaged_at": now.isoformat()}
    BillingRun.objects.bulk_update(runs, ["preview"])
    for run in runs:
        audit.record(None, "billing.run.unstaged", run, after={"kept_days": keep})
    return len(runs)


@transaction.atomic
def add_one_off_charge(*, actor, house, fee_item, amount, description, source=None):
    """A one-off charge (e.g. a paid repair from the service desk). Idempotent per ``source``:
    the same source returns the bill already made."""
    if source:
        existing = (
            BillLine.objects.filter(organization_id=house.organization_id, source=source)
            .select_related("bill")
            .first()
        )
        if existing:
            return existing.bill
    if fee_item.community_id != house.community_id:
        refuse("fee_item", _("The fee item belongs to another community."))
    if not fee_item.published:
        refuse(
            "fee_item",
            _("“%(item)s” is not published and cannot be billed.") % {"item": fee_item.name},
        )
    if fee_item.method != Method.ONE_OFF:
        refuse("fee_item", _("Choose a one-off fee item."))
    amount = quantize(amount)
    bounds.money(amount)
    if amount <= 0:
        refuse("amount", _("The amount must be more than zero."))
    today = timezone.localdate()
    p = calc.parse_period(calc.period_of(today))
    owners, payers = house_payers([house.pk], today)
    owner = owners.get(house.pk)
    bill = Bill(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        period=p.key,
        period_start=today,
        period_end=today,
        due_date=today + timedelta(days=fee_item.due_days),
        total=amount,
        payer_kind=PayerKind.DEVELOPER if house.is_developer_held else PayerKind.OWNER,
        payer_id=owner[0] if owner else None,
        liable_id=owner[0] if owner else None,
        payer_name=owner[1] if owner else "",
    )
    bill.number = next_number("ZD", house.community_id)
    try:
        with transaction.atomic():
            bill.save()
            BillLine.objects.create(
                organization_id=house.organization_id,
                community_id=house.community_id,
                bill=bill,
                house=house,
                fee_item=fee_item,
                period=p.key,
                kind=LineKind.ONE_OFF,
                amount=amount,
                description=description[:300],
                source=source or "",
                detail={"one_off": True, "description": description[:300]},
            )
    except IntegrityError:
        return BillLine.objects.get(organization_id=house.organization_id, source=source).bill
    audit.record(
        actor, "billing.bill.one_off", bill, after={"amount": str(amount), "source": source or ""}
    )
    settle_wallet(actor=actor, house=house)
    return bill
