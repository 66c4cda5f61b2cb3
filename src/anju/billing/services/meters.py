"""Meters and their readings (抄表), the Excel import and shared consumption (公摊)."""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import DomainError, refuse
from anju.core.models import House
from anju.core.money import quantize, to_decimal

from .. import calc
from ..choices import Method, ReadingSource, ReadingStatus
from ..models import Meter, MeterReading, SharedUsage

JUMP_FACTOR = Decimal("3")
JUMP_MIN_USAGE = Decimal("10")


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
        refuse("value", _("A reading cannot be negative."))
    meter = Meter.objects.select_for_update().get(pk=_meter(house, kind).pk)
    last = meter.readings.order_by("-read_on", "-id").first()
    if last and read_on < last.read_on:
        refuse("read_on", _("A later reading (%(day)s) already exists.") % {"day": last.read_on})
    previous = last.value if last else value
    if replaced:
        previous = to_decimal(start_value) if start_value is not None else Decimal("0")
        if value < previous:
            refuse("value", _("The new meter's reading is below its start reading."))
    elif value < previous:
        refuse(
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

        raise InvalidTransition("confirm", ReadingStatus(reading.status), [])
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
        refuse("fee_item", _("Only a shared-consumption item takes a common meter's usage."))
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
