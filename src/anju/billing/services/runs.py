"""The run computer: which houses, items, payers and amounts a billing run of a period
bills, chunk by chunk, for the preview and the posting alike."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from anju.core.choices import OWNER_RELATIONS, Relation
from anju.core.models import House, Occupancy
from anju.core.money import allocate, quantize

from .. import calc
from ..choices import AppliesTo, LineKind, Method, PayerKind, ReadingStatus
from ..models import BillLine, FeeItem, MeterReading, SharedUsage, VacancyNotice

CHUNK = 5000


# --- billing runs --------------------------------------------------------------------------------


def _applies(item, usage):
    return item.applies_to == AppliesTo.ALL or item.applies_to == usage


def house_payers(house_ids, on, **filters):
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


def monthly_fee_estimate(house):
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
                    _("“%(item)s” is not published and cannot be billed.") % {"item": item.name}
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
            owners, payers = house_payers(
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
