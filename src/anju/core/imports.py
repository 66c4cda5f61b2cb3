"""Excel import of buildings, houses, owners and residents, with a dry run.

The workbook has up to three sheets (Chinese or English headers):
  楼栋 / buildings: 楼栋 name, 层数 floors
  房屋 / houses:    楼栋 building, 单元 entrance, 房号 number, 楼层 floor, 用途 usage,
                    面积 area, 面积来源 area_source, 已售 sold, 已交付 delivered,
                    交付日期 delivered_on (billing bills the developer for the days before it)
  住户 / residents: 楼栋 building, 房号 number, 姓名 name, 电话 phone, 身份证号 id_number,
                    关系 relation, 缴费人 is_payer, 投票代表 is_representative, 起始日期 since
Every bad row is reported with its sheet, row number and reason. Nothing is written unless the
whole file is valid, or the user confirms that only the valid rows are written.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from . import audit, bounds, idnumbers
from .choices import AreaSource, HouseUsage, Relation
from .crypto import blind_index, encrypt
from .errors import DomainError
from .models import Building, Entrance, House, Occupancy, Person
from .services import validate_phone
from .text import clean_line

SHEETS = {
    "buildings": {"楼栋", "buildings"},
    "houses": {"房屋", "houses"},
    "residents": {"住户", "residents", "业主", "owners"},
}
HEADERS = {
    "building": {"楼栋", "building"},
    "name": {"姓名", "名称", "name"},
    "floors": {"层数", "floors"},
    "entrance": {"单元", "entrance"},
    "number": {"房号", "number"},
    "floor": {"楼层", "floor"},
    "usage": {"用途", "usage"},
    "area": {"面积", "建筑面积", "area"},
    "area_source": {"面积来源", "area_source"},
    "sold": {"已售", "sold"},
    "delivered": {"已交付", "delivered"},
    "delivered_on": {"交付日期", "delivered_on"},
    "phone": {"电话", "手机", "phone"},
    "id_number": {"身份证号", "id_number"},
    "relation": {"关系", "relation"},
    "is_payer": {"缴费人", "is_payer"},
    "is_representative": {"投票代表", "is_representative"},
    "since": {"起始日期", "since"},
}
USAGE_WORDS = {
    "住宅": HouseUsage.RESIDENTIAL,
    "商铺": HouseUsage.COMMERCIAL,
    "商业": HouseUsage.COMMERCIAL,
    "车位": HouseUsage.PARKING,
}
SOURCE_WORDS = {
    "不动产登记": AreaSource.REGISTRY,
    "登记": AreaSource.REGISTRY,
    "产权证": AreaSource.REGISTRY,
    "实测": AreaSource.SURVEY,
    "测绘": AreaSource.SURVEY,
    "合同": AreaSource.CONTRACT,
    "购房合同": AreaSource.CONTRACT,
}
RELATION_WORDS = {
    "业主": Relation.OWNER,
    "共有人": Relation.CO_OWNER,
    "租户": Relation.TENANT,
    "家属": Relation.FAMILY,
    "家庭成员": Relation.FAMILY,
}
YES = {"是", "y", "yes", "true", "1", "√"}
NO = {"否", "n", "no", "false", "0", ""}


@dataclass
class RowError:
    sheet: str
    row: int
    field: str
    message: str

    def as_dict(self):
        return {"sheet": self.sheet, "row": self.row, "field": self.field, "message": self.message}


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    buildings: list[dict] = field(default_factory=list)
    houses: list[dict] = field(default_factory=list)
    residents: list[dict] = field(default_factory=list)
    written: dict = field(default_factory=dict)

    @property
    def valid(self):
        return not self.errors

    def as_dict(self):
        return {
            "valid": self.valid,
            "errors": [e.as_dict() for e in self.errors],
            "valid_rows": {
                "buildings": len(self.buildings),
                "houses": len(self.houses),
                "residents": len(self.residents),
            },
            "written": self.written,
        }


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_line(str(value)).strip()


def _bool(value, default):
    text = _text(value).lower()
    if text == "":
        return default
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(_("Enter 是 or 否."))


def _date(value):
    """A date from a cell (a date, or text as 2026-01-31), None when empty; ValueError else."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value in (None, ""):
        return None
    return date.fromisoformat(_text(value))


def _rows(ws):
    iterator = ws.iter_rows(values_only=True)
    try:
        header = next(iterator)
    except StopIteration:
        return []
    columns = {}
    for index, title in enumerate(header):
        title = _text(title).lower()
        for key, names in HEADERS.items():
            if title in {n.lower() for n in names}:
                columns.setdefault(key, index)
    out = []
    for number, values in enumerate(iterator, start=2):
        if values is None or all(v in (None, "") for v in values):
            continue
        out.append(
            (number, {key: values[i] if i < len(values) else None for key, i in columns.items()})
        )
    return out


def _sheets(workbook):
    found = {}
    for ws in workbook.worksheets:
        for kind, names in SHEETS.items():
            if ws.title.strip().lower() in {n.lower() for n in names}:
                found[kind] = ws
    if not found and workbook.worksheets:
        found["houses"] = workbook.worksheets[0]
    return found


def parse(community, fileobj) -> ImportReport:
    """Read and validate the whole workbook against the community; writes nothing."""
    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as exc:
        raise DomainError(
            _("The file is not a readable .xlsx workbook."), fields={"file": [str(exc)[:200]]}
        ) from exc
    sheets = _sheets(workbook)
    report = ImportReport()
    existing_buildings = dict(
        Building.objects.filter(community=community).values_list("name", "pk")
    )
    new_buildings = set()

    for row, data in _rows(sheets["buildings"]) if "buildings" in sheets else []:
        name = _text(data.get("building") or data.get("name"))
        if not name:
            report.errors.append(RowError("楼栋", row, "name", _("The building name is missing.")))
            continue
        if name in existing_buildings or name in new_buildings:
            continue
        floors = _text(data.get("floors"))
        if floors and not floors.isdigit():
            report.errors.append(
                RowError("楼栋", row, "floors", _("Floors must be a whole number."))
            )
            continue
        new_buildings.add(name)
        report.buildings.append({"name": name, "floors": int(floors) if floors else None})

    known_buildings = set(existing_buildings) | new_buildings
    existing_houses = set(
        House.objects.filter(community=community).values_list("building__name", "number")
    )
    seen_houses = set()
    max_rows = 50000
    for row, data in _rows(sheets["houses"])[:max_rows] if "houses" in sheets else []:
        errors = []
        building = _text(data.get("building"))
        number = _text(data.get("number"))
        if not building:
            errors.append(("building", _("The building is missing.")))
        elif building not in known_buildings:
            errors.append(("building", _("Unknown building “%(name)s”.") % {"name": building}))
        if not number:
            errors.append(("number", _("The house number is missing.")))
        key = (building, number)
        if number and (key in existing_houses or key in seen_houses):
            errors.append(
                (
                    "number",
                    _("Duplicate house %(building)s-%(number)s.")
                    % {"building": building, "number": number},
                )
            )
        area_text = _text(data.get("area"))
        area = None
        try:
            area = Decimal(area_text)
            if area <= 0 or area != area.quantize(Decimal("0.01")) or area >= Decimal("100000000"):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.append(
                ("area", _("The area must be a number greater than 0 with at most two decimals."))
            )
        else:
            if bounds.area_problem(area):
                errors.append(("area", bounds.area_problem(area)))
        usage_text = _text(data.get("usage")) or "住宅"
        usage = USAGE_WORDS.get(usage_text) or (
            usage_text if usage_text in HouseUsage.values else None
        )
        if usage is None:
            errors.append(("usage", _("Usage must be 住宅, 商铺 or 车位.")))
        source_text = _text(data.get("area_source")) or "registry"
        source = SOURCE_WORDS.get(source_text) or (
            source_text if source_text in AreaSource.values else None
        )
        if source is None:
            errors.append(("area_source", _("The area source must be 不动产登记, 实测 or 合同.")))
        floor_text = _text(data.get("floor"))
        if floor_text and not floor_text.lstrip("-").isdigit():
            errors.append(("floor", _("The floor must be a whole number.")))
        elif floor_text and bounds.floor_problem(int(floor_text)):
            errors.append(("floor", bounds.floor_problem(int(floor_text))))
        try:
            sold = _bool(data.get("sold"), True)
            delivered = _bool(data.get("delivered"), True)
        except ValueError as exc:
            errors.append(("sold", str(exc)))
            delivered = True
        try:
            delivered_on = _date(data.get("delivered_on"))
        except ValueError:
            errors.append(("delivered_on", _("Enter the date as 2026-01-31.")))
        else:
            if delivered_on and not delivered:
                errors.append(
                    ("delivered_on", _("A house with a delivery date is delivered (已交付: 是)."))
                )
        if errors:
            report.errors.extend(RowError("房屋", row, f, m) for f, m in errors)
            continue
        seen_houses.add(key)
        report.houses.append(
            {
                "building": building,
                "entrance": _text(data.get("entrance")),
                "number": number,
                "floor": int(floor_text) if floor_text else None,
                "usage": usage,
                "area": area,
                "area_source": source,
                "sold": sold,
                "delivered": delivered,
                "delivered_on": delivered_on,
            }
        )

    known_houses = existing_houses | seen_houses
    for row, data in _rows(sheets["residents"])[:max_rows] if "residents" in sheets else []:
        errors = []
        key = (_text(data.get("building")), _text(data.get("number")))
        if key not in known_houses:
            errors.append(
                (
                    "number",
                    _("Unknown house %(building)s-%(number)s.")
                    % {"building": key[0], "number": key[1]},
                )
            )
        name = _text(data.get("name"))
        if not name:
            errors.append(("name", _("The name is missing.")))
        phone = _text(data.get("phone"))
        try:
            phone = validate_phone(phone)
        except DomainError as exc:
            errors.append(("phone", str(exc.message)))
        id_number = _text(data.get("id_number"))
        try:
            id_number = idnumbers.normalise(id_number)
        except DomainError as exc:
            errors.append(("id_number", str(exc.message)))
        relation_text = _text(data.get("relation")) or "业主"
        relation = RELATION_WORDS.get(relation_text) or (
            relation_text if relation_text in Relation.values else None
        )
        if relation is None:
            errors.append(("relation", _("The relation must be 业主, 共有人, 租户 or 家属.")))
        try:
            is_payer = _bool(data.get("is_payer"), relation == Relation.OWNER)
            is_rep = _bool(data.get("is_representative"), False)
        except ValueError as exc:
            errors.append(("is_payer", str(exc)))
            is_payer = is_rep = False
        if is_rep and relation not in (Relation.OWNER, Relation.CO_OWNER):
            errors.append(
                ("is_representative", _("Only an owner or co-owner can vote for the house."))
            )
        try:
            since = _date(data.get("since"))
        except ValueError:
            errors.append(("since", _("Enter the date as 2026-01-31.")))
        if errors:
            report.errors.extend(RowError("住户", row, f, m) for f, m in errors)
            continue
        report.residents.append(
            {
                "building": key[0],
                "number": key[1],
                "name": name,
                "phone": phone,
                "id_number": id_number,
                "relation": relation,
                "is_payer": is_payer,
                "is_representative": is_rep,
                "since": since,
            }
        )
    workbook.close()
    return report


@transaction.atomic
def import_workbook(community, fileobj, *, actor, write_valid_rows=False) -> ImportReport:
    """Validate, then write in bulk when the file is valid or the user confirmed partial import."""
    report = parse(community, fileobj)
    if report.errors and not write_valid_rows:
        return report
    org_id = community.organization_id
    Building.objects.bulk_create(
        [
            Building(
                organization_id=org_id, community=community, name=b["name"], floors=b["floors"]
            )
            for b in report.buildings
        ]
    )
    buildings = dict(Building.objects.filter(community=community).values_list("name", "pk"))
    entrance_keys = {
        (buildings[h["building"]], h["entrance"]) for h in report.houses if h["entrance"]
    }
    existing_entrances = set(
        Entrance.objects.filter(community=community).values_list("building_id", "name")
    )
    Entrance.objects.bulk_create(
        [
            Entrance(organization_id=org_id, community=community, building_id=b, name=n)
            for b, n in entrance_keys - existing_entrances
        ]
    )
    entrances = {
        (e.building_id, e.name): e.pk for e in Entrance.objects.filter(community=community)
    }
    House.objects.bulk_create(
        [
            House(
                organization_id=org_id,
                community=community,
                building_id=buildings[h["building"]],
                entrance_id=entrances.get((buildings[h["building"]], h["entrance"])),
                number=h["number"],
                floor=h["floor"],
                usage=h["usage"],
                area=h["area"],
                area_source=h["area_source"],
                sold=h["sold"],
                delivered=h["delivered"],
                delivered_on=h["delivered_on"],
            )
            for h in report.houses
        ],
        batch_size=2000,
    )
    houses = {
        (b, n): pk
        for pk, b, n in House.objects.filter(community=community).values_list(
            "pk", "building__name", "number"
        )
    }
    people = Person.objects.bulk_create(
        [
            Person(
                organization_id=org_id,
                name=r["name"],
                phone=r["phone"],
                id_number=r["id_number"],
                id_number_index=blind_index(r["id_number"]) if r["id_number"] else "",
            )
            for r in report.residents
        ],
        batch_size=2000,
    )
    reps_seen = set(
        Occupancy.objects.filter(
            community=community, is_representative=True, until__isnull=True
        ).values_list("house_id", flat=True)
    )
    occupancies = []
    for r, person in zip(report.residents, people, strict=True):
        house_id = houses[(r["building"], r["number"])]
        is_rep = r["is_representative"] and house_id not in reps_seen
        if is_rep:
            reps_seen.add(house_id)
        occupancies.append(
            Occupancy(
                organization_id=org_id,
                community=community,
                house_id=house_id,
                person=person,
                relation=r["relation"],
                is_payer=r["is_payer"],
                is_representative=is_rep,
                since=r["since"],
            )
        )
    Occupancy.objects.bulk_create(occupancies, batch_size=2000)
    report.written = {
        "buildings": len(report.buildings),
        "houses": len(report.houses),
        "residents": len(report.residents),
    }
    audit.record(
        actor,
        "core.import.completed",
        community,
        after={**report.written, "skipped_errors": len(report.errors)},
    )
    return report


__all__ = ["parse", "import_workbook", "ImportReport", "encrypt"]
