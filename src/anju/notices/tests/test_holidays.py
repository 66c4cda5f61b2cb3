"""Holidays (节假日): the national calendar with the State Council's days off and make-up
working days (调休), read by every company and changed by none (only the platform superuser, in
/admin/); a company's own days, visible to it alone; one answer to "is this a working day?"."""

import importlib.util
import json
from datetime import date, timedelta
from pathlib import Path

import ephem
import pytest

from anju.notices import selectors, services
from anju.notices.models import Holiday, ReminderProposal, ReminderTemplate, ReminderTrigger

ROOT = Path(__file__).resolve().parents[4]
D = date.fromisoformat

# Transcribed from 国务院办公厅关于20xx年部分节假日安排的通知 (and the 2020 extension,
# 国办发明电〔2020〕1号): key, first and last day off, make-up working days.
OFFICIAL = {
    2020: [
        ("new_year", "2020-01-01", "2020-01-01", []),
        ("spring_festival", "2020-01-24", "2020-02-02", ["2020-01-19"]),
        ("qingming", "2020-04-04", "2020-04-06", []),
        ("labour_day", "2020-05-01", "2020-05-05", ["2020-04-26", "2020-05-09"]),
        ("dragon_boat", "2020-06-25", "2020-06-27", ["2020-06-28"]),
        ("national_day", "2020-10-01", "2020-10-08", ["2020-09-27", "2020-10-10"]),
    ],
    2021: [
        ("new_year", "2021-01-01", "2021-01-03", []),
        ("spring_festival", "2021-02-11", "2021-02-17", ["2021-02-07", "2021-02-20"]),
        ("qingming", "2021-04-03", "2021-04-05", []),
        ("labour_day", "2021-05-01", "2021-05-05", ["2021-04-25", "2021-05-08"]),
        ("dragon_boat", "2021-06-12", "2021-06-14", []),
        ("mid_autumn", "2021-09-19", "2021-09-21", ["2021-09-18"]),
        ("national_day", "2021-10-01", "2021-10-07", ["2021-09-26", "2021-10-09"]),
    ],
    2022: [
        ("new_year", "2022-01-01", "2022-01-03", []),
        ("spring_festival", "2022-01-31", "2022-02-06", ["2022-01-29", "2022-01-30"]),
        ("qingming", "2022-04-03", "2022-04-05", ["2022-04-02"]),
        ("labour_day", "2022-04-30", "2022-05-04", ["2022-04-24", "2022-05-07"]),
        ("dragon_boat", "2022-06-03", "2022-06-05", []),
        ("mid_autumn", "2022-09-10", "2022-09-12", []),
        ("national_day", "2022-10-01", "2022-10-07", ["2022-10-08", "2022-10-09"]),
    ],
    2023: [
        ("new_year", "2022-12-31", "2023-01-02", []),
        ("spring_festival", "2023-01-21", "2023-01-27", ["2023-01-28", "2023-01-29"]),
        ("qingming", "2023-04-05", "2023-04-05", []),
        ("labour_day", "2023-04-29", "2023-05-03", ["2023-04-23", "2023-05-06"]),
        ("dragon_boat", "2023-06-22", "2023-06-24", ["2023-06-25"]),
        ("national_day", "2023-09-29", "2023-10-06", ["2023-10-07", "2023-10-08"]),
    ],
    2024: [
        ("new_year", "2023-12-30", "2024-01-01", []),
        ("spring_festival", "2024-02-10", "2024-02-17", ["2024-02-04", "2024-02-18"]),
        ("qingming", "2024-04-04", "2024-04-06", ["2024-04-07"]),
        ("labour_day", "2024-05-01", "2024-05-05", ["2024-04-28", "2024-05-11"]),
        ("dragon_boat", "2024-06-08", "2024-06-10", []),
        ("mid_autumn", "2024-09-15", "2024-09-17", ["2024-09-14"]),
        ("national_day", "2024-10-01", "2024-10-07", ["2024-09-29", "2024-10-12"]),
    ],
    2025: [
        ("new_year", "2025-01-01", "2025-01-01", []),
        ("spring_festival", "2025-01-28", "2025-02-04", ["2025-01-26", "2025-02-08"]),
        ("qingming", "2025-04-04", "2025-04-06", []),
        ("labour_day", "2025-05-01", "2025-05-05", ["2025-04-27"]),
        ("dragon_boat", "2025-05-31", "2025-06-02", []),
        ("national_day", "2025-10-01", "2025-10-08", ["2025-09-28", "2025-10-11"]),
    ],
    2026: [
        ("new_year", "2026-01-01", "2026-01-03", ["2026-01-04"]),
        ("spring_festival", "2026-02-15", "2026-02-23", ["2026-02-14", "2026-02-28"]),
        ("qingming", "2026-04-04", "2026-04-06", []),
        ("labour_day", "2026-05-01", "2026-05-05", ["2026-05-09"]),
        ("dragon_boat", "2026-06-19", "2026-06-21", []),
        ("mid_autumn", "2026-09-25", "2026-09-27", []),
        ("national_day", "2026-10-01", "2026-10-07", ["2026-09-20", "2026-10-10"]),
    ],
}
SPRING_FESTIVALS = [  # 正月初一, as every published calendar has it
    "2020-01-25", "2021-02-12", "2022-02-01", "2023-01-22", "2024-02-10", "2025-01-29",
    "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13", "2030-02-03", "2031-01-23",
    "2032-02-11", "2033-01-31", "2034-02-19", "2035-02-08",
]  # fmt: skip


def national(year, key):
    return Holiday.objects.get(organization=None, year=year, key=key)


@pytest.mark.django_db
def test_published_years_carry_the_official_days_off_and_make_up_days():
    for year, rows in OFFICIAL.items():
        for key, first, last, workdays in rows:
            row = national(year, key)
            assert (row.off_from, row.off_until) == (D(first), D(last)), (year, key)
            assert sorted(w.isoformat() for w in row.workdays.values_list("date", flat=True)) == (
                workdays
            ), (year, key)
            assert not row.provisional and "国务院办公厅" in row.source, (year, key)
    # Mid-autumn joined with National Day: one holiday of 8 days.
    assert (national(2023, "mid_autumn").off_from, national(2023, "mid_autumn").off_until) == (
        D("2023-09-29"),
        D("2023-10-06"),
    )


@pytest.mark.django_db
def test_festivals_without_days_off_and_unpublished_years_are_provisional():
    for key in ("lantern", "qixi", "double_ninth", "laba", "xiaonian"):
        for row in Holiday.objects.filter(organization=None, key=key):
            assert row.provisional and row.off_from is None, row
    for row in Holiday.objects.filter(organization=None, year__gt=max(OFFICIAL)):
        assert row.provisional and not row.workdays.exists(), row
    assert [
        national(year, "spring_festival").date.isoformat() for year in range(2020, 2036)
    ] == SPRING_FESTIVALS
    assert national(2026, "lantern").date == D("2026-03-03")
    assert national(2026, "qixi").date == D("2026-08-19")
    assert national(2026, "laba").date == D("2026-01-26")
    assert national(2027, "xiaonian").date == D("2027-01-30")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "day, working, kind",
    [
        ("2026-02-14", True, "makeup_workday"),  # a Saturday worked for the Spring Festival
        ("2026-02-15", False, "holiday"),
        ("2026-02-23", False, "holiday"),
        ("2026-02-24", True, "workday"),
        ("2026-02-28", True, "makeup_workday"),
        ("2026-03-01", False, "weekend"),
        ("2022-12-31", False, "holiday"),  # 2023's New Year began on 2022-12-31
        ("2024-02-09", True, "workday"),  # 除夕 2024 was a working day
        ("2020-02-01", False, "holiday"),  # the extended 2020 Spring Festival
        ("2026-10-10", True, "makeup_workday"),
    ],
)
def test_one_answer_to_is_this_a_working_day(day, working, kind):
    status = selectors.day_status(D(day))
    assert (status.working, status.kind) == (working, kind)
    assert selectors.is_working_day(D(day)) is working
    assert not status.provisional


@pytest.mark.django_db
def test_beyond_the_published_years_the_answer_is_provisional():
    status = selectors.day_status(D("2027-10-01"))
    assert status.kind == "holiday" and not status.working and status.provisional


@pytest.mark.django_db
def test_no_company_can_change_the_national_calendar(world, api):
    row = national(2026, "national_day")
    for user in ("org_admin", "manager", "outsider"):
        client = api(world.users[user])
        assert client.get(f"/api/v1/holidays/{row.pk}/").status_code == 200
        response = client.patch(
            f"/api/v1/holidays/{row.pk}/", {"date": "2026-10-02"}, format="json"
        )
        assert response.status_code == 403, response.content
        assert client.delete(f"/api/v1/holidays/{row.pk}/").status_code == 403
    row.refresh_from_db()
    assert row.date == D("2026-10-01")
    # Nor shadow it with a row of the same key.
    response = api(world.users["org_admin"]).post(
        "/api/v1/holidays/",
        {"organization": world.org.pk, "year": 2026, "key": "national_day", "name": "国庆",
         "date": "2026-10-02"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400 and "key" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_superuser_edits_the_national_calendar_in_admin(world, client):
    row = national(2027, "national_day")
    root = world.users["root"]
    root.is_staff = True  # as createsuperuser makes it
    root.save(update_fields=["is_staff"])
    client.force_login(root)
    assert client.get(f"/admin/notices/holiday/{row.pk}/change/").status_code == 200
    client.force_login(world.users["org_admin"])
    assert client.get(f"/admin/notices/holiday/{row.pk}/change/").status_code in (302, 403)


@pytest.mark.django_db
def test_company_days_are_the_companys_alone(world, api):
    admin = api(world.users["org_admin"])
    created = admin.post(
        "/api/v1/holidays/",
        {"organization": world.org.pk, "year": 2026, "key": "anniversary", "name": "公司周年",
         "date": "2026-12-18", "off_from": "2026-12-18", "off_until": "2026-12-18"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["provisional"] is False and created.json()["days_off"] == 1
    manager = api(world.users["manager"])
    assert pk in [
        r["id"] for r in manager.get("/api/v1/holidays/", {"year": 2026}).json()["results"]
    ]
    assert (
        manager.patch(f"/api/v1/holidays/{pk}/", {"name": "周年庆"}, format="json").status_code
        == 200
    )
    outsider = api(world.users["outsider"])
    assert outsider.get(f"/api/v1/holidays/{pk}/").status_code == 404
    assert (
        outsider.patch(f"/api/v1/holidays/{pk}/", {"name": "x"}, format="json").status_code == 404
    )
    assert outsider.delete(f"/api/v1/holidays/{pk}/").status_code == 404
    listed = outsider.get("/api/v1/holidays/", {"year": 2026, "page_size": 100}).json()["results"]
    assert pk not in [r["id"] for r in listed] and listed  # the national rows still show
    agent = api(world.users["agent"])
    assert agent.get(f"/api/v1/holidays/{pk}/").status_code == 200
    assert agent.patch(f"/api/v1/holidays/{pk}/", {"name": "x"}, format="json").status_code == 403
    # The company's day off is its own: not a working day for it, one for everybody else.
    assert not selectors.is_working_day(D("2026-12-18"), organization_id=world.org.pk)
    assert selectors.is_working_day(D("2026-12-18"), organization_id=world.other_org.pk)
    assert selectors.is_working_day(D("2026-12-18"))
    assert manager.delete(f"/api/v1/holidays/{pk}/").status_code == 204


@pytest.mark.django_db
def test_working_day_api(world, api):
    client = api(world.users["agent"])
    answer = client.get("/api/v1/holidays/working-day/", {"date": "2026-02-14"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["working"] is True and answer.json()["kind"] == "makeup_workday"
    assert answer.json()["holiday"]["key"] == "spring_festival"
    bad = client.get("/api/v1/holidays/working-day/", {"date": "2026-02-30"})
    assert bad.status_code == 400 and "date" in bad.json()["error"]["fields"]


@pytest.mark.django_db
def test_reminders_read_national_and_the_communitys_company_rows(world):
    services.save_holiday(
        actor=world.users["org_admin"],
        holiday=Holiday(organization=world.org),
        year=2026, key="anniversary", name="公司周年", date=D("2026-12-18"),
    )  # fmt: skip
    services.save_holiday(
        actor=world.users["outsider"],
        holiday=Holiday(organization=world.other_org),
        year=2026, key="anniversary", name="乙公司周年", date=D("2026-12-10"),
    )  # fmt: skip
    template = ReminderTemplate.objects.create(
        organization=world.org, key="anniversary", topic="活动", title="{occasion}",
        body="{community}{date}{occasion}",
    )  # fmt: skip
    ReminderTrigger.objects.create(
        template=template, kind="holiday", value="anniversary", lead_days=10
    )
    services.run_engine(today=D("2026-12-08"), communities=[world.community, world.other_community])
    proposals = ReminderProposal.objects.filter(template=template)
    assert [(p.community_id, p.occurrence_date) for p in proposals] == [
        (world.community.pk, D("2026-12-18"))
    ]
    # National holidays still propose for everyone.
    services.run_engine(today=D("2027-02-02"), communities=[world.community])
    assert ReminderProposal.objects.filter(
        community=world.community, occurrence_key="holiday:spring_festival:2027"
    ).exists()


@pytest.mark.django_db
def test_console_holiday_page(world, client):
    client.force_login(world.users["manager"])
    page = client.get("/console/holidays/", {"year": 2026})
    assert page.status_code == 200
    text = page.content.decode()
    assert "2026-02-15" in text and "2026-02-23" in text and "2026-02-14" in text
    response = client.post(
        "/console/holidays/?year=2026",
        {"organization": world.org.pk, "name": "业主开放日", "date": "2026-12-18",
         "off_from": "", "off_until": ""},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    row = Holiday.objects.get(name="业主开放日")
    assert row.organization_id == world.org.pk and row.year == 2026 and row.key
    later = client.get("/console/holidays/", {"year": 2028}).content.decode()
    assert "provisional" in later or "待定" in later
    client.force_login(world.users["outsider"])
    assert "业主开放日" not in client.get("/console/holidays/", {"year": 2026}).content.decode()
    # A refused entry keeps what was typed.
    client.force_login(world.users["manager"])
    refused = client.post(
        "/console/holidays/?year=2026",
        {"organization": world.org.pk, "name": "倒着放假", "date": "2026-12-20",
         "off_from": "2026-12-21", "off_until": "2026-12-19"},
    )  # fmt: skip
    assert refused.status_code == 200 and "倒着放假" in refused.content.decode()


# The lunar dates: the generator's new moons against PyEphem's ---------------------------------


def generator():
    spec = importlib.util.spec_from_file_location("holidays", ROOT / "scripts" / "holidays.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_new_moons_agree_with_ephem():
    module = generator()
    for moment in module.new_moons(date(2019, 11, 1), date(2036, 3, 1)):
        theirs = ephem.Date(ephem.next_new_moon(ephem.Date(moment - timedelta(hours=8, days=2))))
        theirs = theirs.datetime() + timedelta(hours=8)
        assert abs((moment - theirs).total_seconds()) < 120, (moment, theirs)


def test_generator_writes_exactly_the_shipped_file():
    shipped = json.loads((ROOT / "src/anju/notices/data/holidays.json").read_text(encoding="utf-8"))
    assert generator().national_calendar(2020, 2035) == shipped
