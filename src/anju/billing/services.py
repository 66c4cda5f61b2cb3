"""Billing operations. Every write is here: keyword-only actor, atomic, locked, audited.

Money moves only through ``_apply_funds`` (oldest bill first; within a bill its late charge, as
interest, before its principal: 民法典第560、561条, unless ANJU_PAYMENT_ALLOCATION records a
contract that agreed otherwise) and the wallet helpers; the house's wallet row is the lock that serialises a house's money.
"""

import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, bounds
from anju.core.choices import OWNER_RELATIONS, Relation
from anju.core.errors import Conflict, DomainError
from anju.core.errors import refuse as _error
from anju.core.models import House, Occupancy
from anju.core.money import ZERO, allocate, quantize, to_decimal
from anju.core.numbering import next_number

from . import calc
from .choices import (
    DEMAND_KINDS,
    AppliesTo,
    BillStatus,
    CollectionKind,
    CollectionStatus,
    LineKind,
    Method,
    PayerKind,
    PaymentMethod,
    PaymentStatus,
    ReadingSource,
    ReadingStatus,
    RunStatus,
    WalletEntryKind,
)
from .models import (
    Allocation,
    Bill,
    BillingRun,
    BillLine,
    CashUp,
    CollectionAction,
    CreditNote,
    FeeItem,
    LateCharge,
    Meter,
    MeterReading,
    Payment,
    RunLine,
    SharedUsage,
    VacancyNotice,
    VacancyRule,
    Wallet,
    WalletEntry,
)
from .selectors import house_arrears, of_party, overdue_amount

CHUNK = 5000
JUMP_FACTOR = Decimal("3")
JUMP_MIN_USAGE = Decimal("10")
CASHIER_METHODS = {PaymentMethod.CASH, PaymentMethod.BANK, PaymentMethod.POS}
ART_944 = _(
    "民法典第944条: a property service provider may not collect fees by stopping water, power, heating "
    "or gas (nor by locking meters or restricting lifts or access). Use the lawful ladder: reminder, "
    "written demand with a deadline, negotiation or instalment plan, lawyer's letter, lawsuit or arbitration."
)


# --- fee items -----------------------------------------------------------------------------------

FEE_FIELDS = {
    "unit",
    "basis",
    "applies_to",
    "effective_from",
    "effective_until",
    "tiers",
    "meter_kind",
    "pass_through",
    "surcharge_rate",
    "due_days",
    "late_daily_rate",
    "late_grace_days",
    "late_cap_rate",
}


DECIMAL_FIELDS = {"surcharge_rate", "late_daily_rate", "late_cap_rate"}


def _field_value(key, value):
    if key in DECIMAL_FIELDS and value not in (None, ""):
        return to_decimal(value)
    if key in DECIMAL_FIELDS:
        return Decimal("0") if key == "surcharge_rate" else None
    return value


def _validate_fee_item(item: FeeItem):
    bounds.late_daily_rate(item.late_daily_rate)
    bounds.money(item.unit_price, "unit_price")
    if item.unit_price is None or item.unit_price < 0:
        _error("unit_price", _("The unit price must be zero or more, with at most 4 decimals."))
    if item.unit_price != item.unit_price.quantize(Decimal("0.0001")):
        _error("unit_price", _("The unit price has at most 4 decimals."))
    if item.pass_through and item.surcharge_rate:
        _error(
            "surcharge_rate",
            _("A utility pass-through item may not carry any surcharge (物业管理条例第44条)."),
        )
    if item.effective_until and item.effective_until < item.effective_from:
        _error("effective_until", _("The end date must not be before the start date."))
    if item.method == Method.METERED and not item.meter_kind:
        _error("meter_kind", _("A metered item needs the meter kind."))
    for tier in item.tiers or []:
        try:
            Decimal(str(tier["price"]))
            if tier.get("upto") not in (None, ""):
                Decimal(str(tier["upto"]))
        except Exception:  # noqa: BLE001 - any malformed tier is the same user error
            _error(
                "tiers",
                _(
                    'Tiers look like [{"upto": "20", "price": "3.5"}, {"upto": null, "price": "5.25"}].'
                ),
            )
    if item.late_daily_rate is not None and item.late_daily_rate <= 0:
        _error("late_daily_rate", _("Leave the late charge empty, or enter a positive daily rate."))


@transaction.atomic
def create_fee_item(
    *, actor, community, name, method, unit_price, cycle="monthly", published=False, **extra
):
    item = FeeItem(
        organization_id=community.organization_id,
        community=community,
        name=name,
        method=method,
        cycle=cycle,
        unit_price=to_decimal(unit_price),
        effective_from=extra.pop("effective_from", None) or timezone.localdate(),
        **{k: _field_value(k, v) for k, v in extra.items() if k in FEE_FIELDS},
    )
    _validate_fee_item(item)
    if published:
        item.published, item.published_at = True, timezone.now()
    item.save()
    audit.record(actor, "billing.feeitem.created", item, after=audit.snapshot(item))
    return item


@transaction.atomic
def update_fee_item(*, actor, item, data):
    item = FeeItem.objects.select_for_update().get(pk=item.pk)
    before = audit.snapshot(item)
    # A published standard is what residents were shown; only its end date may be set.
    if item.published and (
        set(data) - {"effective_until", "published"} or data.get("published") is False
    ):
        _error(
            "published",
            _("A published standard cannot be changed. End it and publish a new item."),
        )
    for key, value in data.items():
        if key in FEE_FIELDS | {"name", "method", "unit_price", "cycle"}:
            setattr(item, key, _field_value(key, value))
    _validate_fee_item(item)
    if data.get("published") and not item.published:
        item.published, item.published_at = True, timezone.now()
    item.save()
    audit.record(actor, "billing.feeitem.changed", item, before=before, after=audit.snapshot(item))
    return item


@transaction.atomic
def publish_fee_item(*, actor, item):
    item = FeeItem.objects.select_for_update().get(pk=item.pk)
    if not item.published:
        item.published, item.published_at = True, timezone.now()
        item.save(update_fields=["published", "published_at"])
        audit.record(actor, "billing.feeitem.published", item, after={"published": True})
    return item


# --- vacancy -------------------------------------------------------------------------------------


@transaction.atomic
def create_vacancy_rule(*, actor, fee_item, payable_rate, min_days, basis):
    if not basis.strip():
        _error("basis", _("Name the local regulation or contract clause that grants the discount."))
    rate = to_decimal(payable_rate)
    if not Decimal(0) <= rate <= 1:
        _error("payable_rate", _("The share payable is between 0 and 1."))
    rule = VacancyRule.objects.create(
        organization_id=fee_item.organization_id,
        community_id=fee_item.community_id,
        fee_item=fee_item,
        payable_rate=rate,
        min_days=min_days,
        basis=basis,
    )
    audit.record(actor, "billing.vacancyrule.created", rule, after=audit.snapshot(rule))
    return rule


@transaction.atomic
def register_vacancy_notice(*, actor, house, rule, notice_date, notice_reference, start, end=None):
    if rule.community_id != house.community_id:
        _error("rule", _("The rule belongs to another community."))
    if not notice_reference.strip():
        _error("notice_reference", _("A written vacancy notice is required."))
    if notice_date > start:
        _error("start", _("The vacancy starts on or after the written notice."))
    if end and (end - start).days + 1 < rule.min_days:
        _error(
            "end",
            _("The vacancy is shorter than the rule's minimum of %(days)s days.")
            % {"days": rule.min_days},
        )
    notice = VacancyNotice.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        rule=rule,
        notice_date=notice_date,
        notice_reference=notice_reference,
        start=start,
        end=end,
    )
    audit.record(actor, "billing.vacancynotice.created", notice, after=audit.snapshot(notice))
    return notice


# --- meters --------------------------------------------------------------------------------------


def _meter(house, kind):
    meter, _created = Meter.objects.get_or_create(
        house=house,
        kind=kind,
        defaults={"organization_id": house.organization_id, "community_id": house.community_id},
    )
    return meter


@transaction.atomic
def enter_reading(
    *, actor, house, kind, read_on, value, replaced=False, start_value=None, source="manual"
):
    """Record a reading. Lower than the last one is refused unless the meter was replaced (then
    usage is counted from ``start_value`` of the new meter). Unusual jumps are flagged."""
    value = to_decimal(value)
    if value < 0:
        _error("value", _("A reading cannot be negative."))
    meter = Meter.objects.select_for_update().get(pk=_meter(house, kind).pk)
    last = meter.readings.order_by("-read_on", "-id").first()
    if last and read_on < last.read_on:
        _error("read_on", _("A later reading (%(day)s) already exists.") % {"day": last.read_on})
    previous = last.value if last else value
    if replaced:
        previous = to_decimal(start_value) if start_value is not None else Decimal("0")
        if value < previous:
            _error("value", _("The new meter's reading is below its start reading."))
    elif value < previous:
        _error(
            "value",
            _(
                "The reading %(value)s is lower than the last reading %(last)s. If the meter was "
                "replaced, tick “meter replaced”."
            )
            % {"value": value, "last": previous},
        )
    usage = value - previous
    status, reason = ReadingStatus.OK, ""
    recent = list(meter.readings.order_by("-read_on", "-id").values_list("usage", flat=True)[:3])
    recent = [u for u in recent if u > 0]
    if recent:
        usual = sum(recent, Decimal(0)) / len(recent)
        if usage > JUMP_MIN_USAGE and usage > usual * JUMP_FACTOR:
            status = ReadingStatus.FLAGGED
            reason = _("Usage %(usage)s is more than %(factor)s× the usual %(usual)s.") % {
                "usage": usage,
                "factor": JUMP_FACTOR,
                "usual": quantize(usual),
            }
    reading = MeterReading.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        meter=meter,
        house=house,
        read_on=read_on,
        value=value,
        previous_value=previous,
        usage=usage,
        replaced=replaced,
        status=status,
        flag_reason=reason,
        source=source,
        entered_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(actor, "billing.reading.entered", reading, after=audit.snapshot(reading))
    return reading


@transaction.atomic
def confirm_reading(*, actor, reading):
    reading = MeterReading.objects.select_for_update().get(pk=reading.pk)
    if reading.status != ReadingStatus.FLAGGED:
        from anju.core.errors import InvalidTransition

        raise InvalidTransition("confirm", reading.status, [])
    reading.status = ReadingStatus.CONFIRMED
    reading.save(update_fields=["status"])
    audit.record(
        actor,
        "billing.reading.confirmed",
        reading,
        before={"status": "flagged"},
        after={"status": "confirmed"},
    )
    return reading


def import_readings(*, actor, community, fileobj):
    """Import readings from .xlsx: columns 楼栋/building, 房号/number, 表/kind, 日期/date, 读数/value,
    换表/replaced. Each row is its own transaction; returns (created, errors[(row, message)])."""
    from openpyxl import load_workbook

    from anju.core.attachments import check_workbook

    check_workbook(fileobj, field="file")  # a real .xlsx within the size limit, or refused
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable upload is the same user error
        raise DomainError(
            _("This is not a readable .xlsx file."), fields={"file": [str(exc)[:200]]}
        ) from exc
    ws = wb.active
    rows = ws.iter_rows(values_only=True)
    header = [str(h or "").strip().lower() for h in next(rows, [])]
    aliases = {
        "building": ("building", "楼栋"),
        "number": ("number", "房号"),
        "kind": ("kind", "表", "表类型"),
        "date": ("date", "日期", "抄表日期"),
        "value": ("value", "读数"),
        "replaced": ("replaced", "换表"),
    }
    index = {}
    for key, names in aliases.items():
        for i, h in enumerate(header):
            if h in names:
                index[key] = i
    missing = [k for k in ("building", "number", "kind", "date", "value") if k not in index]
    if missing:
        raise DomainError(
            _("Missing columns: %(cols)s") % {"cols": ", ".join(missing)}, fields={"file": missing}
        )
    kinds = {"水": "water", "电": "electricity", "气": "gas", "热": "heat"}
    houses = {
        (b, n): h
        for b, n, h in House.objects.filter(community=community).values_list(
            "building__name", "number", "pk"
        )
    }
    created, errors = 0, []
    for row_no, row in enumerate(rows, start=2):
        if not row or all(v in (None, "") for v in row):
            continue
        try:
            key = (str(row[index["building"]]).strip(), str(row[index["number"]]).strip())
            house_id = houses.get(key)
            if house_id is None:
                raise DomainError(_("Unknown house %(b)s %(n)s.") % {"b": key[0], "n": key[1]})
            kind = str(row[index["kind"]]).strip()
            kind = kinds.get(kind, kind)
            day = row[index["date"]]
            day = (
                day.date()
                if isinstance(day, datetime)
                else day
                if isinstance(day, date)
                else date.fromisoformat(str(day).strip())
            )
            replaced = "replaced" in index and str(row[index["replaced"]] or "").strip() in (
                "1",
                "是",
                "true",
                "yes",
            )
            enter_reading(
                actor=actor,
                house=House.objects.get(pk=house_id),
                kind=kind,
                read_on=day,
                value=str(row[index["value"]]),
                replaced=replaced,
                source=ReadingSource.XLSX,
            )
            created += 1
        except DomainError as exc:
            errors.append((row_no, str(exc.message)))
        except (ValueError, TypeError) as exc:
            errors.append((row_no, str(exc)))
    return created, errors


@transaction.atomic
def record_shared_usage(*, actor, fee_item, period, usage, building=None, remainder_house=None):
    if fee_item.method != Method.SHARED:
        _error("fee_item", _("Only a shared-consumption item takes a common meter's usage."))
    p = calc.parse_period(period)
    row = SharedUsage.objects.create(
        organization_id=fee_item.organization_id,
        community_id=fee_item.community_id,
        fee_item=fee_item,
        building=building,
        period=p.key,
        usage=to_decimal(usage),
        remainder_house=remainder_house,
    )
    audit.record(actor, "billing.sharedusage.created", row, after=audit.snapshot(row))
    return row


# --- billing runs --------------------------------------------------------------------------------


def _applies(item, usage):
    return item.applies_to == AppliesTo.ALL or item.applies_to == usage


def _payers(house_ids, on, **filters):
    """house_id -> (payer_kind, payer_id, liable_id, payer_name) from active occupancies.
    ``filters`` (e.g. community and an id range) replace ``house_ids`` for large chunks."""
    owners, payers = {}, {}
    rows = Occupancy.objects.active(on)
    rows = rows.filter(**filters) if filters else rows.filter(house_id__in=house_ids)
    rows = rows.values_list(
        "house_id", "person_id", "person__name", "relation", "is_payer", "is_representative"
    ).order_by("house_id", "-is_representative", "id")
    for house_id, person_id, name, relation, is_payer, _rep in rows:
        if relation in OWNER_RELATIONS and house_id not in owners:
            owners[house_id] = (person_id, name)
        if is_payer and (house_id not in payers or relation == Relation.TENANT):
            payers[house_id] = (person_id, name, relation)
    return owners, payers


def _monthly_fee_estimate(house):
    total = Decimal(0)
    for item in FeeItem.objects.filter(
        community_id=house.community_id, published=True, method__in=[Method.AREA, Method.FIXED]
    ):
        if _applies(item, house.usage):
            total += item.unit_price * (house.area if item.method == Method.AREA else 1)
    return quantize(total)


def _items_for_run(community, items=None):
    qs = FeeItem.objects.filter(
        community=community, method__in=[Method.AREA, Method.FIXED, Method.METERED, Method.SHARED]
    )
    if items:
        qs = qs.filter(pk__in=[i.pk if hasattr(i, "pk") else i for i in items])
    return list(qs.order_by("id"))


class RunComputer:
    """Computes a run's lines chunk by chunk, for the preview and for posting alike."""

    def __init__(self, community, period, building=None, items=None):
        self.community = community
        self.period = calc.parse_period(period)
        self.building = building
        self.warnings = []
        all_items = _items_for_run(community, items)
        self.items = []
        for item in all_items:
            if not item.published:
                self.warnings.append(
                    _("“%(item)s” is not published and cannot be billed (明码标价).")
                    % {"item": item.name}
                )
            elif (
                item.cycle != self.period.cycle
                or calc.billed_days(self.period, item.effective_from, item.effective_until) == 0
            ):
                continue
            else:
                self.items.append(item)
        houses = House.objects.filter(community=community)
        if building is not None:
            houses = houses.filter(building=building)
        self.houses = houses
        self.existing = {item.pk: set() for item in self.items}
        if self.items:
            billed = BillLine.objects.filter(
                period=self.period.key,
                fee_item__in=[i.pk for i in self.items],
                kind=LineKind.REGULAR,
            ).values_list("fee_item_id", "house_id")
            for item_id, house_id in billed.iterator(chunk_size=CHUNK * 4):
                self.existing[item_id].add(house_id)
        # The developer's lines for the days before a delivery inside the period.
        self.existing_before = {item.pk: set() for item in self.items}
        if self.items:
            billed = BillLine.objects.filter(
                period=self.period.key,
                fee_item__in=[i.pk for i in self.items],
                kind=LineKind.BEFORE_DELIVERY,
            ).values_list("fee_item_id", "house_id")
            for item_id, house_id in billed:
                self.existing_before[item_id].add(house_id)
        self.vacancy = self._vacancy()
        self.memo = {}
        self.metered = {
            item.pk: self._metered(item) for item in self.items if item.method == Method.METERED
        }
        self.shared = {
            item.pk: self._shared(item) for item in self.items if item.method == Method.SHARED
        }

    def _vacancy(self):
        out = {}
        p = self.period
        notices = (
            VacancyNotice.objects.filter(
                community=self.community,
                start__lte=p.start,
                notice_date__lte=p.end,
                rule__fee_item__in=self.items,
            )
            .filter(Q(end__isnull=True) | Q(end__gte=p.end))
            .select_related("rule")
        )
        for n in notices:
            if (p.end - n.start).days + 1 >= n.rule.min_days:
                out[(n.house_id, n.rule.fee_item_id)] = n
        return out

    def _metered(self, item):
        p = self.period
        rows = (
            MeterReading.objects.filter(
                community=self.community,
                meter__kind=item.meter_kind,
                read_on__gte=p.start,
                read_on__lte=p.end,
            )
            .values_list("house_id", "status", "previous_value", "value", "usage", "replaced")
            .order_by("house_id", "read_on", "id")
        )
        data, flagged = {}, set()
        for house_id, status, prev, value, usage, replaced in rows:
            if status == ReadingStatus.FLAGGED:
                flagged.add(house_id)
            d = data.setdefault(
                house_id,
                {"from": str(prev), "to": str(value), "usage": Decimal(0), "replaced": False},
            )
            d["to"] = str(value)
            d["usage"] += usage
            d["replaced"] = d["replaced"] or replaced
        for house_id in flagged:
            data.pop(house_id, None)
        if flagged:
            self.warnings.append(
                _("%(item)s: %(n)s flagged readings await review and are not billed yet.")
                % {"item": item.name, "n": len(flagged)}
            )
        return data

    def _shared(self, item):
        out = {}
        usages = SharedUsage.objects.filter(fee_item=item, period=self.period.key)
        if not usages:
            self.warnings.append(
                _("%(item)s: no common-meter usage recorded for %(period)s.")
                % {"item": item.name, "period": self.period.key}
            )
        for su in usages:
            scope = House.objects.filter(community=self.community)
            if su.building_id:
                scope = scope.filter(building_id=su.building_id)
            if item.applies_to != AppliesTo.ALL:
                scope = scope.filter(usage=item.applies_to)
            rows = list(scope.order_by("id").values_list("pk", "area"))
            if not rows:
                continue
            total = quantize(su.usage * item.unit_price)
            ids = [r[0] for r in rows]
            areas = [r[1] for r in rows]
            if su.remainder_house_id in ids:
                rem = ids.index(su.remainder_house_id)
            else:
                rem = max(range(len(rows)), key=lambda i: (areas[i], -ids[i]))
            shares = allocate(total, areas, remainder_index=rem)
            scope_area = sum(areas, Decimal(0))
            for i, (house_id, area) in enumerate(rows):
                out[house_id] = (
                    shares[i],
                    {
                        "usage": str(su.usage),
                        "total": str(total),
                        "area": str(area),
                        "scope_area": str(scope_area),
                        "remainder": i == rem,
                    },
                )
        return out

    def _flat_line(self, item, area, area_source, days, notice, delivery=None):
        p = self.period
        detail = {"days": days, "pdays": p.days, "months": p.months}
        if delivery is not None:
            # ("from", day): the owner's days from delivery; ("until", day): the developer's
            # days before it.
            detail[delivery[0] + "_delivery"] = str(delivery[1])
        base = item.unit_price * p.months * (area if item.method == Method.AREA else 1)
        if item.method == Method.AREA:
            detail.update(area=str(area), src=area_source)
        exact = base * days / p.days
        if notice is not None:
            exact *= notice.rule.payable_rate
            detail["vacancy"] = {
                "rate": str(notice.rule.payable_rate),
                "basis": notice.rule.basis,
                "notice": notice.notice_reference,
                "since": str(notice.start),
            }
        return quantize(exact), detail

    def line_for(self, item, h):
        """(amount, detail) for house row ``h`` or None when nothing is due."""
        p = self.period
        hid, usage, area, area_source, developer_held, delivered_on = (
            h["id"],
            h["usage"],
            h["area"],
            h["area_source"],
            h["developer_held"],
            h["delivered_on"],
        )
        if not _applies(item, usage) or hid in self.existing[item.pk]:
            return None
        starts = item.effective_from
        delivery = None
        if not developer_held and delivered_on and delivered_on > max(starts, p.start):
            starts, delivery = delivered_on, ("from", delivered_on)
        days = calc.billed_days(p, starts, item.effective_until)
        if days == 0:
            return None
        if item.method in (Method.AREA, Method.FIXED) and (hid, item.pk) not in self.vacancy:
            # Most houses share an area; reuse the computed line (and its JSON) for them.
            key = (
                item.pk,
                area if item.method == Method.AREA else None,
                area_source,
                days,
                delivery,
            )
            found = self.memo.get(key)
            if found is None:
                found = self.memo[key] = self._flat_line(
                    item, area, area_source, days, None, delivery
                )
            return found
        detail = {"days": days, "pdays": p.days}
        if item.method in (Method.AREA, Method.FIXED):
            return self._flat_line(
                item, area, area_source, days, self.vacancy.get((hid, item.pk)), delivery
            )
        if item.method == Method.METERED:
            reading = self.metered[item.pk].get(hid)
            if reading is None:
                return None
            amount, parts = calc.tiered_amount(reading["usage"], item.tiers, item.unit_price)
            detail.update(
                **{k: (str(v) if isinstance(v, Decimal) else v) for k, v in reading.items()},
                tiers=parts,
            )
            if item.surcharge_rate and not item.pass_through:
                amount = quantize(amount * (1 + item.surcharge_rate))
                detail["surcharge"] = str(item.surcharge_rate)
            return amount, detail
        if item.method == Method.SHARED:
            share = self.shared[item.pk].get(hid)
            if share is None:
                return None
            detail.update(share[1])
            return share[0], detail
        return None

    def before_delivery(self, item, h):
        """(amount, detail) of the developer's line for the days of the period before the
        house's delivery, or None: until delivery the fees are the developer's in full
        (物业服务收费管理办法第16条), so no vacancy rate applies. Periodic fees by area or per
        house only; a delivered house's meter readings and shared usage stay the residents'."""
        delivered_on = h["delivered_on"]
        p = self.period
        if (
            h["developer_held"]
            or not delivered_on
            or delivered_on <= p.start
            or item.method not in (Method.AREA, Method.FIXED)
            or not _applies(item, h["usage"])
            or h["id"] in self.existing_before[item.pk]
            # The period was billed before this delivery was known: that bill stands (a
            # correction is a credit note), nothing is billed twice.
            or h["id"] in self.existing[item.pk]
        ):
            return None
        until = delivered_on - timedelta(days=1)
        if item.effective_until and item.effective_until < until:
            until = item.effective_until
        days = calc.billed_days(p, item.effective_from, until)
        if days == 0:
            return None
        return self._flat_line(
            item, h["area"], h["area_source"], days, None, ("until", delivered_on)
        )

    def todo(self):
        """Ids of the houses with something left to bill. A house already billed for every
        item that applies to it is dropped here, before its row or payer is loaded: a re-run
        of a posted period loads no house at all."""
        done_for = {}
        out = []
        for hid, usage in (
            self.houses.order_by("id").values_list("id", "usage").iterator(chunk_size=CHUNK * 4)
        ):
            done = done_for.get(usage)
            if done is None:
                done = done_for[usage] = [
                    self.existing[i.pk] for i in self.items if _applies(i, usage)
                ]
            if any(hid not in d for d in done):
                out.append(hid)
        # Houses delivered inside the period (or after it) whose developer's lines for the days
        # before delivery are still to be written.
        p = self.period
        flat = [i for i in self.items if i.method in (Method.AREA, Method.FIXED)]
        before = {
            hid
            for hid, usage in self.houses.filter(
                sold=True, delivered=True, delivered_on__gt=p.start
            ).values_list("id", "usage")
            if any(
                _applies(i, usage)
                and hid not in self.existing_before[i.pk]
                and hid not in self.existing[i.pk]
                for i in flat
            )
        }
        if before - set(out):
            out = sorted(set(out) | before)
        return out

    def chunks(self):
        """Yield lists of (house row, payer info, [(item, amount, detail)], line kind): a
        house delivered inside the period has a second entry, the developer's lines for the
        days before delivery (``LineKind.BEFORE_DELIVERY``)."""
        fields = (
            "id",
            "building_id",
            "usage",
            "area",
            "area_source",
            "sold",
            "delivered",
            "delivered_on",
        )
        ids = self.todo() if self.items else []
        self.total, self.done = len(ids), 0
        for start in range(0, len(ids), CHUNK):
            chunk_ids = ids[start : start + CHUNK]
            self.done = start + len(chunk_ids)
            wanted = set(chunk_ids)
            # An id range, not an IN list of 5,000 parameters.
            span = {"pk__gte": chunk_ids[0], "pk__lte": chunk_ids[-1]}
            rows = [
                h
                for h in self.houses.filter(**span).order_by("id").values(*fields)
                if h["id"] in wanted
            ]
            owners, payers = _payers(
                None,
                self.period.end,
                community=self.community,
                house_id__gte=chunk_ids[0],
                house_id__lte=chunk_ids[-1],
            )
            out = []
            for h in rows:
                h["developer_held"] = not h["sold"] or not h["delivered"]
                lines = []
                for item in self.items:
                    found = self.line_for(item, h)
                    if found is not None:
                        lines.append((item, found[0], found[1]))
                if lines:
                    out.append((h, self._payer(h, owners, payers), lines, LineKind.REGULAR))
                lines = []
                for item in self.items:
                    found = self.before_delivery(item, h)
                    if found is not None:
                        lines.append((item, found[0], found[1]))
                if lines:
                    out.append((h, self._developer(), lines, LineKind.BEFORE_DELIVERY))
            yield out

    def _developer(self):
        return PayerKind.DEVELOPER, None, None, self.community.developer or _("Developer")

    def _payer(self, h, owners, payers):
        if h["developer_held"]:
            return self._developer()
        owner = owners.get(h["id"])
        payer = payers.get(h["id"])
        if payer and payer[2] == Relation.TENANT:
            return PayerKind.TENANT, payer[0], owner[0] if owner else None, payer[1]
        if owner:
            return PayerKind.OWNER, owner[0], owner[0], owner[1]
        return PayerKind.OWNER, None, None, ""


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


def _post_staged_orm(run, p):
    """The generic path (SQLite): SQL would sum the amounts as floats, so the bills are built
    here from the staged lines, with exact decimals."""
    by_house = defaultdict(list)  # a bill per house and payer (the developer's days apart)
    for row in RunLine.objects.filter(run=run).order_by("house_id", "id"):
        by_house[row.house_id, row.payer_kind].append(row)
    bills = [
        Bill(
            organization_id=run.organization_id,
            community_id=run.community_id,
            house_id=house_id,
            run=run,
            period=p.key,
            period_start=p.start,
            period_end=p.end,
            due_date=min(r.due_date for r in rows),
            payer_kind=rows[0].payer_kind,
            payer_id=rows[0].payer_id,
            liable_id=rows[0].liable_id,
            payer_name=rows[0].payer_name,
            total=sum((r.amount for r in rows), Decimal(0)),
        )
        for (house_id, _payer), rows in by_house.items()
    ]
    if bills:
        _insert_bills(bills)
    lines = [
        BillLine(
            organization_id=run.organization_id,
            community_id=run.community_id,
            bill_id=bill.pk,
            house_id=bill.house_id,
            fee_item_id=r.fee_item_id,
            period=p.key,
            kind=r.line_kind,
            amount=r.amount,
            detail=r.detail,
        )
        for bill in bills
        for r in by_house[bill.house_id, bill.payer_kind]
    ]
    BillLine.objects.bulk_create(lines, batch_size=CHUNK)
    return len(bills), len(lines), sum((b.total for b in bills), Decimal(0))


# PostgreSQL: the bills of a run with their ids (RETURNING), then their lines, one statement.
_BILLS_FROM_STAGED = (
    "INSERT INTO billing_bill (organization_id, community_id, house_id, run_id, number, "
    "period, period_start, period_end, due_date, payer_kind, payer_id, liable_id, "
    "payer_name, total, paid, credited, late_fee, status, created_at) "
    "SELECT %(org)s, %(com)s, s.house_id, %(run)s, '', %(period)s, %(start)s, %(end)s, "
    "MIN(s.due_date), s.payer_kind, MIN(s.payer_id), MIN(s.liable_id), "
    "MIN(s.payer_name), SUM(s.amount), 0, 0, 0, %(open)s, %(now)s "
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
    creates nothing). On PostgreSQL one statement then writes a bill per house and its lines
    (INSERT ... SELECT, the bill ids from RETURNING); elsewhere the ORM does. A line committed
    by a concurrent run in between hits the unique constraint and the whole post rolls back,
    so a bill's total is always the sum of its lines."""
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
                f"{_LINES_FROM_STAGED}JOIN b ON b.house_id = s.house_id "
                "AND b.payer_kind = s.payer_kind WHERE s.run_id = %(run)s ORDER BY b.id, s.id",
                params,
            )
            lines = cursor.rowcount
            cursor.execute(
                "SELECT COUNT(*), COALESCE(SUM(total), 0) FROM billing_bill WHERE run_id = %(run)s",
                params,
            )
            bills, total = cursor.fetchone()
        else:
            bills, lines, total = _post_staged_orm(run, p)
        cursor.execute("DELETE FROM billing_runline WHERE run_id = %(run)s", params)
    return bills, lines, quantize(total)


def _copy_rows(model, objs):
    """Insert many rows: COPY on PostgreSQL (a billing run writes 400,000 rows), bulk_create
    elsewhere. Rows carry their ids already when the model needs them afterwards."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=CHUNK)
        return
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and objs[0].pk is None)]
    now = timezone.now()
    for f in fields:
        if getattr(f, "auto_now_add", False):
            for obj in objs:
                setattr(obj, f.attname, now)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objs:
            copy.write_row(
                [
                    f.get_db_prep_save(getattr(obj, f.attname), connection)
                    if f.get_internal_type() == "JSONField"
                    else getattr(obj, f.attname)
                    for f in fields
                ]
            )


def _insert_bills(bills):
    """Bills need their ids for the lines: taken from the sequence first on PostgreSQL."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Bill._meta.db_table, len(bills)],
            )
            for bill, (pk,) in zip(bills, cursor.fetchall(), strict=True):
                bill.pk = bill.id = pk
        _copy_rows(Bill, bills)
        return
    Bill.objects.bulk_create(bills, batch_size=CHUNK)
    if bills[0].pk is None:  # backends without RETURNING on bulk insert
        ids = dict(
            Bill.objects.filter(
                run=bills[0].run_id, house_id__in=[b.house_id for b in bills]
            ).values_list("house_id", "pk")
        )
        for b in bills:
            b.pk = b.id = ids[b.house_id]


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
        _error("fee_item", _("The fee item belongs to another community."))
    if not fee_item.published:
        _error(
            "fee_item",
            _("“%(item)s” is not published and cannot be billed (明码标价).")
            % {"item": fee_item.name},
        )
    if fee_item.method != Method.ONE_OFF:
        _error("fee_item", _("Choose a one-off fee item."))
    amount = quantize(amount)
    bounds.money(amount)
    if amount <= 0:
        _error("amount", _("The amount must be more than zero."))
    today = timezone.localdate()
    p = calc.parse_period(calc.period_of(today))
    owners, payers = _payers([house.pk], today)
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


# --- money in and out ----------------------------------------------------------------------------


def _wallet(house, lock=True):
    wallet, _created = Wallet.objects.get_or_create(
        house=house,
        defaults={"organization_id": house.organization_id, "community_id": house.community_id},
    )
    if lock:
        wallet = Wallet.objects.select_for_update().get(pk=wallet.pk)
    return wallet


def open_debts(house, lock=False, developer=False):
    """Open principal per line and open late charges, oldest bill first, of the residents'
    bills (or, with ``developer``, the developer's)."""
    bills = of_party(Bill.objects.filter(house=house, status=BillStatus.OPEN), developer).order_by(
        "due_date", "period_start", "id"
    )
    if lock:
        bills = bills.select_for_update()
    bills = list(bills)
    if not bills:
        return bills, [], []
    bill_ids = [b.pk for b in bills]
    lines = list(BillLine.objects.filter(bill_id__in=bill_ids).order_by("id"))
    paid = dict(
        Allocation.objects.filter(line_id__in=[ln.pk for ln in lines])
        .values("line_id")
        .annotate(s=Sum("amount"))
        .values_list("line_id", "s")
    )
    credited = dict(
        CreditNote.objects.filter(line_id__in=[ln.pk for ln in lines])
        .values("line_id")
        .annotate(s=Sum("amount"))
        .values_list("line_id", "s")
    )
    order = {b.pk: i for i, b in enumerate(bills)}
    principal = [
        (ln, ln.amount - (paid.get(ln.pk) or 0) - (credited.get(ln.pk) or 0)) for ln in lines
    ]
    principal = [(ln, amt) for ln, amt in principal if amt > 0]
    principal.sort(key=lambda pair: (order[pair[0].bill_id], pair[0].pk))
    late = [
        (lc, lc.open_amount) for lc in LateCharge.objects.filter(bill_id__in=bill_ids, waived=False)
    ]
    late = [(lc, amt) for lc, amt in late if amt > 0]
    late.sort(key=lambda pair: (order[pair[0].bill_id], pair[0].pk))
    return bills, principal, late


def payment_order(principal, late, rank, rule=None):
    """The order in which a payment settles open debts [(key, open amount)].

    "statutory" (民法典第560条、第561条, the default): the debt due first is settled first, and
    within one bill the late charge (interest) before the principal. "principal_first": every
    bill's principal oldest first, then the late charges, for service contracts that agree so
    ("除当事人另有约定外"); set ANJU_PAYMENT_ALLOCATION only with such a contract."""
    rule = rule or settings.ANJU_PAYMENT_ALLOCATION
    if rule == "principal_first":
        return principal + late
    return sorted(
        late + principal,
        key=lambda pair: (
            rank[pair[0].bill_id],
            0 if isinstance(pair[0], LateCharge) else 1,
            pair[0].pk,
        ),
    )


def _apply_funds(house, amount, day, *, payment=None, wallet_entry=None):
    """Settle open debts in ``payment_order``: the developer's for a developer's payment, the
    residents' otherwise. Returns the leftover. Caller holds the house's wallet lock."""
    developer = payment is not None and payment.for_developer
    bills, principal, late = open_debts(house, lock=True, developer=developer)
    rank = {b.pk: i for i, b in enumerate(bills)}
    bills = {b.pk: b for b in bills}
    applied, left = calc.allocate_oldest_first(amount, payment_order(principal, late, rank))
    rows = []
    touched = defaultdict(Decimal)
    for key, take in applied:
        is_late = isinstance(key, LateCharge)
        rows.append(
            Allocation(
                organization_id=house.organization_id,
                community_id=house.community_id,
                house_id=house.pk,
                payment=payment,
                wallet_entry=wallet_entry,
                bill_id=key.bill_id,
                line=None if is_late else key,
                late_charge=key if is_late else None,
                amount=take,
                applied_on=day,
            )
        )
        touched[key.bill_id] += take
        if is_late:
            LateCharge.objects.filter(pk=key.pk).update(paid=F("paid") + take)
    Allocation.objects.bulk_create(rows)
    for bill_id, take in touched.items():
        bill = bills[bill_id]
        bill.paid += take
        if bill.balance <= 0:
            bill.status = BillStatus.PAID
        bill.save(update_fields=["paid", "status"])
    return left


def prepay_room(house, wallet=None):
    """How much more may be prepaid: cap months × the house's monthly fees, minus the balance."""
    wallet = wallet or _wallet(house, lock=False)
    cap = _monthly_fee_estimate(house) * settings.ANJU_PREPAY_MAX_MONTHS
    return max(quantize(cap - wallet.balance), ZERO)


def _deposit(house, wallet, amount, *, actor, payment=None, kind=WalletEntryKind.DEPOSIT, note=""):
    wallet.balance += amount
    wallet.save(update_fields=["balance"])
    return WalletEntry.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        wallet=wallet,
        kind=kind,
        amount=amount,
        balance_after=wallet.balance,
        payment=payment,
        note=note,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def _existing_by_key(organization_id, key, house, amount):
    existing = Payment.objects.filter(organization_id=organization_id, idempotency_key=key).first()
    if existing is None:
        return None
    if existing.house_id != house.pk or existing.amount != amount:
        raise Conflict(
            _("This idempotency key was already used for a different payment."),
            code="idempotency_conflict",
            fields={"idempotency_key": [_("Already used.")]},
        )
    return existing


@transaction.atomic
def record_payment(
    *,
    actor,
    house,
    amount,
    method,
    idempotency_key="",
    reference="",
    payer_name="",
    when=None,
    developer=False,
):
    """A cashier's payment (cash, bank transfer, POS): receipt number, bills settled oldest first,
    any rest into the prepayment wallet up to its cap. Retrying with the same key returns the
    first payment and credits nothing again.

    ``developer``: the developer (建设单位) pays its own bills of the house, for the time before
    delivery. It settles only those, and no more than they come to: the house's prepayment
    wallet is the residents' money."""
    amount = quantize(amount)
    bounds.money(amount)
    if amount <= 0:
        _error("amount", _("The amount must be more than zero."))
    if method not in CASHIER_METHODS:
        _error("method", _("Choose cash, bank transfer or POS."))
    if idempotency_key:
        existing = _existing_by_key(house.organization_id, idempotency_key, house, amount)
        if existing:
            return existing
    wallet = _wallet(house)  # the house's money lock
    if idempotency_key:
        existing = _existing_by_key(house.organization_id, idempotency_key, house, amount)
        if existing:
            return existing
    owed = house_arrears(house, developer=developer)
    extra = amount - owed
    if developer and extra > 0:
        _error(
            "amount",
            _("The developer owes ¥%(owed)s for this house; a payment can be at most that.")
            % {"owed": owed},
        )
    if extra > 0 and extra > prepay_room(house, wallet):
        _error(
            "amount",
            _(
                "At most ¥%(max)s can be taken now: ¥%(owed)s owed plus ¥%(room)s of prepayment "
                "(cap %(months)s months)."
            )
            % {
                "max": owed + prepay_room(house, wallet),
                "owed": owed,
                "room": prepay_room(house, wallet),
                "months": settings.ANJU_PREPAY_MAX_MONTHS,
            },
        )
    now = when or timezone.now()
    payment = Payment(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        amount=amount,
        method=method,
        status=PaymentStatus.SUCCEEDED,
        idempotency_key=idempotency_key or "",
        reference=reference,
        payer_name=payer_name or (house.community.developer[:100] if developer else ""),
        for_developer=developer,
        received_by=actor if getattr(actor, "pk", None) else None,
        paid_at=now,
        paid_on=timezone.localdate(now),
    )
    try:
        with transaction.atomic():
            payment.receipt_number = next_number("SK", house.community_id, now)
            payment.save()
    except IntegrityError:
        existing = _existing_by_key(house.organization_id, idempotency_key, house, amount)
        if existing:
            return existing
        raise
    _settle_payment(actor, house, wallet, payment)
    audit.record(actor, "billing.payment.recorded", payment, after=audit.snapshot(payment))
    return payment


def _settle_payment(actor, house, wallet, payment):
    left = _apply_funds(house, payment.amount, payment.paid_on, payment=payment)
    if left > 0 and payment.for_developer:
        # Checked against what the developer owed, under the same lock: never happens.
        raise Conflict(_("The developer's payment is more than it owes."), code="overpaid")
    if left > 0:
        _deposit(house, wallet, left, actor=actor, payment=payment, note=str(payment))
        payment.to_wallet = left
        payment.save(update_fields=["to_wallet"])


@transaction.atomic
def start_online_payment(*, actor, house, amount=None, provider="test", idempotency_key=""):
    """A pending online payment for what is owed (or ``amount``); the provider confirms it.
    Starting again with the same key, even at the same moment, answers the first payment."""
    owed = house_arrears(house)
    amount = quantize(amount if amount not in (None, "") else owed)
    bounds.money(amount)
    if amount <= 0:
        _error("amount", _("Nothing is owed; enter an amount to prepay."))
    if idempotency_key:
        existing = _existing_by_key(house.organization_id, idempotency_key, house, amount)
        if existing:
            return existing
        _wallet(house)  # the house's money lock: a concurrent start with this key waits here
        existing = _existing_by_key(house.organization_id, idempotency_key, house, amount)
        if existing:
            return existing
    if amount - owed > prepay_room(house):
        _error("amount", _("This is more than is owed plus the prepayment cap."))
    method = PaymentMethod.WECHAT if provider == "wechat" else PaymentMethod.TEST
    try:
        with transaction.atomic():  # the key is the organization's: another house may hold it
            payment = Payment.objects.create(
                organization_id=house.organization_id,
                community_id=house.community_id,
                house=house,
                amount=amount,
                method=method,
                status=PaymentStatus.PENDING,
                idempotency_key=idempotency_key or "",
            )
    except IntegrityError:
        if not idempotency_key:
            raise
        return _existing_by_key(house.organization_id, idempotency_key, house, amount)
    audit.record(
        actor, "billing.payment.started", payment, after={"amount": str(amount), "method": method}
    )
    return payment


@transaction.atomic
def confirm_online_payment(*, payment_id, provider_ref, amount_fen, actor=None):
    """The provider says the payment succeeded. Duplicate callbacks change nothing."""
    payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is None:
        raise DomainError(_("Unknown payment."), code="not_found")
    if payment.status == PaymentStatus.SUCCEEDED:
        return payment, False
    Payment.machine.check("confirm", payment.status)
    if int(amount_fen) != int(payment.amount * 100):
        payment.status = PaymentStatus.FAILED
        payment.save(update_fields=["status"])
        audit.record(
            actor, "billing.payment.amount_mismatch", payment, after={"amount_fen": amount_fen}
        )
        return payment, False
    house = payment.house
    wallet = _wallet(house)
    now = timezone.now()
    payment.status = PaymentStatus.SUCCEEDED
    payment.provider_ref = provider_ref
    payment.paid_at, payment.paid_on = now, timezone.localdate(now)
    payment.receipt_number = next_number("SK", house.community_id, now)
    payment.save(update_fields=["status", "provider_ref", "paid_at", "paid_on", "receipt_number"])
    _settle_payment(actor, house, wallet, payment)
    audit.record(
        actor,
        "billing.payment.confirmed",
        payment,
        before={"status": "pending"},
        after={"status": "succeeded", "provider_ref": provider_ref},
    )
    return payment, True


@transaction.atomic
def settle_wallet(*, actor, house):
    """Use the prepayment balance on open bills, oldest first."""
    wallet = _wallet(house)
    if wallet.balance <= 0:
        return ZERO
    bills, principal, late = open_debts(house)
    owed = sum((amt for _k, amt in principal + late), Decimal(0))
    take = min(owed, wallet.balance)
    if take <= 0:
        return ZERO
    wallet.balance -= take
    wallet.save(update_fields=["balance"])
    entry = WalletEntry.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        wallet=wallet,
        kind=WalletEntryKind.SETTLE,
        amount=-take,
        balance_after=wallet.balance,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    left = _apply_funds(house, take, timezone.localdate(), wallet_entry=entry)
    assert left == 0
    audit.record(actor, "billing.wallet.settled", wallet, after={"amount": str(take)})
    return take


@transaction.atomic
def refund_prepayment(*, actor, house, amount, reason):
    """Refund prepaid fees for periods not served (物业服务纠纷解释第3条)."""
    amount = quantize(amount)
    bounds.money(amount)
    wallet = _wallet(house)
    if amount <= 0 or amount > wallet.balance:
        _error(
            "amount",
            _("Refund between ¥0.01 and the prepaid balance ¥%(b)s.") % {"b": wallet.balance},
        )
    if not reason.strip():
        _error("reason", _("Give the reason, e.g. the service ended on a date."))
    wallet.balance -= amount
    wallet.save(update_fields=["balance"])
    entry = WalletEntry.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        wallet=wallet,
        kind=WalletEntryKind.REFUND,
        amount=-amount,
        balance_after=wallet.balance,
        note=reason[:300],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor, "billing.wallet.refunded", wallet, after={"amount": str(amount), "reason": reason}
    )
    return entry


def line_credited(line):
    """What credit notes have taken off a line so far."""
    return CreditNote.objects.filter(line=line).aggregate(s=Sum("amount"))["s"] or ZERO


@transaction.atomic
def issue_credit_note(*, actor, line, amount, reason):
    """Correct a posted line. The unpaid part is reduced first; any part already paid moves to
    the house's prepayment wallet (and can be refunded)."""
    house = line.house
    wallet = _wallet(house)
    bill = Bill.objects.select_for_update().get(pk=line.bill_id)
    amount = quantize(amount)
    bounds.money(amount)
    credited = line_credited(line)
    if amount <= 0 or amount > line.amount - credited:
        _error("amount", _("Credit between ¥0.01 and ¥%(max)s.") % {"max": line.amount - credited})
    if not reason.strip():
        _error("reason", _("Say why the line is corrected."))
    paid = Allocation.objects.filter(line=line).aggregate(s=Sum("amount"))["s"] or ZERO
    unpaid = line.amount - credited - paid
    from_paid = max(amount - unpaid, ZERO)
    note = CreditNote.objects.create(
        organization_id=bill.organization_id,
        community_id=bill.community_id,
        house=house,
        bill=bill,
        line=line,
        amount=amount,
        reason=reason[:300],
        number=next_number("HC", bill.community_id),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    bill.credited += amount
    if from_paid > 0:
        entry = _deposit(
            house, wallet, from_paid, actor=actor, kind=WalletEntryKind.CREDIT, note=note.number
        )
        Allocation.objects.create(
            organization_id=bill.organization_id,
            community_id=bill.community_id,
            house=house,
            wallet_entry=entry,
            bill=bill,
            line=line,
            amount=-from_paid,
            applied_on=timezone.localdate(),
        )
        bill.paid -= from_paid
    bill.status = BillStatus.PAID if bill.balance <= 0 else BillStatus.OPEN
    bill.save(update_fields=["credited", "paid", "status"])
    audit.record(actor, "billing.creditnote.issued", note, after=audit.snapshot(note))
    return note


# --- late charges --------------------------------------------------------------------------------


def compute_late_charge(line, item, due_date, as_of):
    principal = line.amount - line_credited(line)
    payments = list(Allocation.objects.filter(line=line).values_list("applied_on", "amount"))
    start = calc.late_start(due_date, item.late_grace_days)
    return calc.late_interest(
        principal, start, as_of, item.late_daily_rate, payments, item.late_cap_rate
    ), start


@transaction.atomic
def accrue_late_charges(*, actor=None, as_of=None, community=None):
    """Bring every late charge up to ``as_of``. Only items with a contractual rate accrue."""
    as_of = as_of or timezone.localdate()
    lines = BillLine.objects.filter(
        fee_item__late_daily_rate__isnull=False, bill__due_date__lt=as_of
    ).filter(
        Q(bill__status=BillStatus.OPEN) | Q(late_charge__isnull=False, late_charge__waived=False)
    )
    if community is not None:
        lines = lines.filter(community=community)
    changed = 0
    for line in lines.select_related("fee_item", "bill"):
        item = line.fee_item
        amount, start = compute_late_charge(line, item, line.bill.due_date, as_of)
        lc = LateCharge.objects.select_for_update().filter(line=line).first()
        if lc is None:
            if amount <= 0:
                continue
            lc = LateCharge(
                organization_id=line.organization_id,
                community_id=line.community_id,
                bill_id=line.bill_id,
                line=line,
                house_id=line.house_id,
                as_of=as_of,
            )
        if lc.waived:
            continue
        new = max(amount, lc.paid)
        if lc.pk and new == lc.amount:
            continue
        delta = new - lc.amount
        lc.amount, lc.as_of = new, as_of
        lc.detail = {
            "from": str(start),
            "to": str(as_of),
            "rate": str(item.late_daily_rate),
            "cap": str(item.late_cap_rate) if item.late_cap_rate is not None else None,
        }
        lc.save()
        bill = Bill.objects.select_for_update().get(pk=line.bill_id)
        bill.late_fee += delta
        bill.status = BillStatus.PAID if bill.balance <= 0 else BillStatus.OPEN
        bill.save(update_fields=["late_fee", "status"])
        changed += 1
    if changed:
        audit.record(
            actor,
            "billing.latecharge.accrued",
            community,
            after={"as_of": str(as_of), "changed": changed},
        )
    return changed


@transaction.atomic
def waive_late_charge(*, actor, late_charge, reason):
    lc = LateCharge.objects.select_for_update().get(pk=late_charge.pk)
    if lc.waived:
        return lc
    if not reason.strip():
        _error("reason", _("Say why the late charge is waived."))
    bill = Bill.objects.select_for_update().get(pk=lc.bill_id)
    bill.late_fee -= lc.amount - lc.paid
    lc.waived, lc.waived_reason, lc.waived_by = True, reason[:300], actor
    lc.save()
    bill.status = BillStatus.PAID if bill.balance <= 0 else BillStatus.OPEN
    bill.save(update_fields=["late_fee", "status"])
    audit.record(
        actor,
        "billing.latecharge.waived",
        lc,
        after={"reason": reason, "amount": str(lc.amount - lc.paid)},
    )
    return lc


# --- cash-up -------------------------------------------------------------------------------------


def cash_up_report(community, day):
    rows = (
        Payment.objects.filter(community=community, status=PaymentStatus.SUCCEEDED, paid_on=day)
        .values("method")
        .annotate(total=Sum("amount"))
        .order_by("method")
    )
    totals = {r["method"]: str(quantize(r["total"])) for r in rows}
    payments = Payment.objects.filter(
        community=community, status=PaymentStatus.SUCCEEDED, paid_on=day
    )
    return {
        "day": str(day),
        "totals": totals,
        "count": payments.count(),
        "total": str(sum((Decimal(v) for v in totals.values()), ZERO)),
    }


@transaction.atomic
def close_cash_up(*, actor, community, day):
    report = cash_up_report(community, day)
    if CashUp.objects.filter(community=community, day=day).exists():
        _error("day", _("This day is already closed."), code="already_closed")
    cash_up = CashUp.objects.create(
        organization_id=community.organization_id,
        community=community,
        day=day,
        totals=report["totals"],
        count=report["count"],
        total=Decimal(report["total"]),
        closed_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(actor, "billing.cashup.closed", cash_up, after=report)
    return cash_up


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
        _error("house", _("This house has no overdue fees."))
    actions = CollectionAction.objects.filter(house=house)
    demand = actions.filter(kind=CollectionKind.DEMAND_NOTICE, delivered_at__isnull=False).order_by(
        "-delivered_at"
    )
    if kind == CollectionKind.LAWYER_LETTER and not demand.exists():
        _error("kind", _("Send a written demand (书面催告) and record its delivery first."))
    if kind in (CollectionKind.LAWSUIT, CollectionKind.ARBITRATION):
        last = demand.first()
        if last is None or (last.deadline and last.deadline >= today):
            _error(
                "kind",
                _(
                    "A lawsuit or arbitration comes only after a delivered written demand whose deadline "
                    "has passed (民法典第944条第2款)."
                ),
            )
    min_deadline = today + timedelta(days=settings.ANJU_DEMAND_DEADLINE_DAYS)
    if kind == CollectionKind.DEMAND_NOTICE:
        deadline = max(deadline, min_deadline) if deadline else min_deadline
    plan = plan or []
    if kind == CollectionKind.PAYMENT_PLAN:
        if not plan:
            _error("plan", _("List the instalments: due date and amount."))
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
            _error(
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
        _error(
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
