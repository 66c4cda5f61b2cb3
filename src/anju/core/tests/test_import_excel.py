"""Excel import: a dry run lists every bad row by number and reason; nothing is written unless
the whole file is valid or the user confirms writing only the valid rows."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from anju.core.models import AuditEntry, Building, House, Occupancy, Person

pytestmark = pytest.mark.django_db


def workbook(houses, residents=(), buildings=(("2幢", 18),)):
    wb = Workbook()
    ws = wb.active
    ws.title = "楼栋"
    ws.append(["楼栋", "层数"])
    for row in buildings:
        ws.append(list(row))
    ws = wb.create_sheet("房屋")
    ws.append(
        ["楼栋", "单元", "房号", "楼层", "用途", "面积", "面积来源", "已售", "已交付", "交付日期"]
    )
    for row in houses:
        ws.append(list(row))
    ws = wb.create_sheet("住户")
    ws.append(
        ["楼栋", "房号", "姓名", "电话", "身份证号", "关系", "缴费人", "投票代表", "起始日期"]
    )
    for row in residents:
        ws.append(list(row))
    buffer = BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("import.xlsx", buffer.getvalue())


GOOD_HOUSES = [
    ("2幢", "1单元", "101", 1, "住宅", "89.50", "不动产登记", "是", "是"),
    ("2幢", "1单元", "102", 1, "住宅", 92.3, "实测", "否", "否"),
]
GOOD_RESIDENTS = [
    ("2幢", "101", "周杰", "13712345678", "", "业主", "是", "是", "2021-05-01"),
    ("2幢", "101", "周小杰", "13712345679", "", "家属", "否", "否", ""),
]


def post(api, user, community, upload, **extra):
    return api(user).post(
        "/api/v1/imports/", {"community": community.pk, "file": upload, **extra}, format="multipart"
    )


def test_valid_file_imports_everything(world, api):
    response = post(
        api, world.users["manager"], world.community, workbook(GOOD_HOUSES, GOOD_RESIDENTS)
    )
    assert response.status_code == 200, response.content
    assert response.json()["written"] == {"buildings": 1, "houses": 2, "residents": 2}
    houses = House.objects.filter(building__name="2幢").order_by("number")
    assert [str(h.area) for h in houses] == ["89.50", "92.30"]
    assert houses[1].area_source == "survey" and houses[1].sold is False
    owner = Occupancy.objects.get(person__name="周杰")
    assert (
        owner.relation == "owner"
        and owner.is_representative
        and owner.since.isoformat() == "2021-05-01"
    )
    assert AuditEntry.objects.filter(action="core.import.completed").exists()


def test_bad_rows_are_reported_and_nothing_is_written(world, api):
    houses = GOOD_HOUSES + [
        ("2幢", "1单元", "103", 1, "住宅", "-5", "不动产登记", "是", "是"),  # wrong area (row 4)
        (
            "9幢",
            "1单元",
            "101",
            1,
            "住宅",
            "80",
            "不动产登记",
            "是",
            "是",
        ),  # unknown building (row 5)
        (
            "2幢",
            "1单元",
            "101",
            1,
            "住宅",
            "80",
            "不动产登记",
            "是",
            "是",
        ),  # duplicate house (row 6)
        (
            "1幢",
            "",
            "1-0101",
            1,
            "住宅",
            "80",
            "不动产登记",
            "是",
            "是",
        ),  # duplicate of existing (row 7)
        (
            "2幢",
            "1单元",
            "104",
            1,
            "住宅",
            "80.123",
            "不动产登记",
            "是",
            "是",
        ),  # three decimals (row 8)
    ]
    residents = GOOD_RESIDENTS + [
        ("2幢", "102", "钱七", "12345", "", "业主", "是", "否", "")
    ]  # bad phone (row 4)
    before = (Building.objects.count(), House.objects.count(), Person.objects.count())
    response = post(api, world.users["manager"], world.community, workbook(houses, residents))
    assert response.status_code == 400
    errors = {(e["sheet"], e["row"], e["field"]) for e in response.json()["errors"]}
    assert errors == {
        ("房屋", 4, "area"),
        ("房屋", 5, "building"),
        ("房屋", 6, "number"),
        ("房屋", 7, "number"),
        ("房屋", 8, "area"),
        ("住户", 4, "phone"),
    }
    messages = {e["row"]: e["message"] for e in response.json()["errors"] if e["sheet"] == "房屋"}
    assert "9幢" in messages[5]
    assert (Building.objects.count(), House.objects.count(), Person.objects.count()) == before


def test_delivery_dates_are_imported_and_checked(world, api):
    """The delivery date decides who pays before it (the developer; see billing)."""
    manager = world.users["manager"]
    houses = [
        ("2幢", "1单元", "101", 1, "住宅", "89.50", "不动产登记", "是", "是", "2026-10-15"),
        ("2幢", "1单元", "102", 1, "住宅", "92.30", "实测", "是", "否", "2026-10-15"),
        ("2幢", "1单元", "103", 1, "住宅", "92.30", "实测", "是", "是", "15/10/2026"),
    ]
    response = post(api, manager, world.community, workbook(houses))
    errors = {(e["row"], e["field"]) for e in response.json()["errors"]}
    assert errors == {(3, "delivered_on"), (4, "delivered_on")}
    assert not House.objects.filter(building__name="2幢").exists()
    houses = [houses[0]]
    response = post(api, manager, world.community, workbook(houses))
    assert response.json()["written"]["houses"] == 1
    house = House.objects.get(building__name="2幢", number="101")
    assert (house.delivered, str(house.delivered_on)) == (True, "2026-10-15")


def test_dry_run_writes_nothing_even_when_valid(world, api):
    response = post(
        api,
        world.users["manager"],
        world.community,
        workbook(GOOD_HOUSES, GOOD_RESIDENTS),
        dry_run=True,
    )
    assert response.status_code == 200 and response.json()["valid"] is True
    assert response.json()["valid_rows"] == {"buildings": 1, "houses": 2, "residents": 2}
    assert not House.objects.filter(building__name="2幢").exists()


def test_confirm_writes_only_valid_rows(world, api):
    houses = GOOD_HOUSES + [("2幢", "1单元", "103", 1, "住宅", "abc", "不动产登记", "是", "是")]
    response = post(
        api, world.users["manager"], world.community, workbook(houses, GOOD_RESIDENTS), confirm=True
    )
    assert response.status_code == 200, response.content
    assert response.json()["written"]["houses"] == 2
    assert set(House.objects.filter(building__name="2幢").values_list("number", flat=True)) == {
        "101",
        "102",
    }


def test_import_is_scoped(world, api):
    response = post(api, world.users["outsider"], world.community, workbook(GOOD_HOUSES))
    assert response.status_code == 404
    response = post(api, world.users["technician"], world.community, workbook(GOOD_HOUSES))
    assert response.status_code == 403


def test_not_a_workbook(world, api):
    upload = SimpleUploadedFile("x.xlsx", b"not a zip")
    response = post(api, world.users["manager"], world.community, upload)
    assert response.status_code == 400 and "file" in response.json()["error"]["fields"]


def test_console_import_page_lists_problems(world, client):
    client.force_login(world.users["manager"])
    houses = GOOD_HOUSES + [("9幢", "1单元", "101", 1, "住宅", "80", "不动产登记", "是", "是")]
    response = client.post(
        "/console/import/",
        {"community": world.community.pk, "file": workbook(houses), "action": "check"},
    )
    assert response.status_code == 200
    assert "9幢" in response.content.decode()
    assert not House.objects.filter(building__name="2幢").exists()
