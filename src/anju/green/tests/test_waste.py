"""Garbage sorting: the jurisdiction's categories and names (Beijing, Shanghai, the national
default), collection logs (category and weight checked), the correct sorting rate on a hand
example, the monthly report (page, API, Excel), household points for correct sorting, pickups."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from anju.core.errors import DomainError, Forbidden, InvalidTransition
from anju.core.models import Building
from anju.core.testing import api_client
from anju.green import selectors, services
from anju.green.models import CollectionLog, PointsEntry

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def names(community, language):
    with translation.override(language):
        return [name for _code, name in selectors.rules_for(community).labels()]


def test_category_names_follow_the_jurisdiction(world):
    beijing, shanghai, national = world.community, world.community2, world.other_community
    beijing.jurisdiction = "110105"  # 北京市朝阳区: the city's rule applies to the district
    beijing.save()
    assert names(beijing, "zh-hans") == ["厨余垃圾", "可回收物", "有害垃圾", "其他垃圾"]
    assert names(beijing, "en") == [
        "Kitchen waste",
        "Recyclables",
        "Hazardous waste",
        "Other waste",
    ]
    assert "第三十三条" in selectors.rules_for(beijing).citation
    assert names(shanghai, "zh-hans") == ["湿垃圾", "干垃圾", "可回收物", "有害垃圾"]
    assert names(shanghai, "en") == ["Wet waste", "Dry waste", "Recyclables", "Hazardous waste"]
    assert "第四条" in selectors.rules_for(shanghai).citation
    assert names(national, "zh-hans") == ["可回收物", "有害垃圾", "厨余垃圾", "其他垃圾"]
    assert "GB/T 19095-2019" in selectors.rules_for(national).citation
    # Fixed codes under the local names: Shanghai's 湿垃圾 is Beijing's 厨余垃圾.
    assert selectors.rules_for(shanghai).label("food", "zh-hans") == "湿垃圾"
    assert selectors.rules_for(beijing).label("food", "zh-hans") == "厨余垃圾"


def test_the_points_api_lists_the_categories_of_the_jurisdiction(world):
    manager2 = world.users["manager2"]
    client = api_client(manager2)
    answer = client.post(
        "/api/v1/waste-points/",
        {"community": world.community2.pk, "name": "A座投放点"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert answer.status_code == 201, answer.json()
    assert [c["name"] for c in answer.json()["categories"]] == [
        "湿垃圾",
        "干垃圾",
        "可回收物",
        "有害垃圾",
    ]
    listed = client.get("/api/v1/waste-points/").json()["results"]
    assert [p["name"] for p in listed] == ["A座投放点"]
    assert (
        api_client(world.users["outsider"])
        .get(f"/api/v1/waste-points/{listed[0]['id']}/")
        .status_code
        == 404
    )


@pytest.fixture
def point(world):
    return services.save_point(
        actor=world.users["manager2"], community=world.community2, name="A座投放点"
    )


def test_a_log_takes_a_category_of_the_jurisdiction_and_a_bounded_weight(world, point):
    client = api_client(world.users["manager2"])
    ok = client.post(
        "/api/v1/waste-logs/",
        {
            "point": point.pk,
            "category": "湿垃圾",
            "weight_kg": "23.50",
            "at": "2026-11-03T08:10:00+08:00",
        },
        format="json",
    )
    assert ok.status_code == 201, ok.json()
    assert ok.json()["category"] == "food"
    assert CollectionLog.objects.get().weight_kg == Decimal("23.50")
    for category, weight, field in [
        ("厨余垃圾", "1", "category"),  # Beijing's name, not Shanghai's
        ("kitchen", "1", "category"),
        ("food", "0", "weight_kg"),
        ("food", "-3", "weight_kg"),
        ("food", "999999", "weight_kg"),
        ("food", "1.234", "weight_kg"),
    ]:
        answer = client.post(
            "/api/v1/waste-logs/",
            {"point": point.pk, "category": category, "weight_kg": weight},
            format="json",
        )
        assert answer.status_code == 400, (category, weight, answer.json())
        assert field in answer.json()["error"]["fields"], answer.json()
    assert CollectionLog.objects.count() == 1
    future = client.post(
        "/api/v1/waste-logs/",
        {
            "point": point.pk,
            "category": "food",
            "weight_kg": "2",
            "at": "2099-01-01T08:00:00+08:00",
        },
        format="json",
    )
    assert future.status_code == 400 and "at" in future.json()["error"]["fields"]
    # A cleaner of the other community may not log here: the point is outside their scope.
    stranger = api_client(world.users["cleaner"]).post(
        "/api/v1/waste-logs/",
        {"point": point.pk, "category": "food", "weight_kg": "2"},
        format="json",
    )
    assert stranger.status_code == 404


def at(day, hour=19):
    return datetime(2026, 11, day, hour, 0, tzinfo=TZ)


def test_correct_sorting_rate_per_building_on_a_hand_example(world):
    manager = world.users["manager"]
    b1 = world.building
    b2 = Building.objects.create(organization=world.org, community=world.community, name="2幢")
    p1 = services.save_point(actor=manager, community=world.community, building=b1, name="1幢点")
    p2 = services.save_point(actor=manager, community=world.community, building=b2, name="2幢点")
    for p, grades in (
        (p1, ["correct", "correct", "correct", "minor"]),
        (p2, ["correct", "wrong", "wrong"]),
    ):
        for day, grade in enumerate(grades, start=2):
            services.record_inspection(actor=manager, point=p, grade=grade, at=at(day))
    # Another month does not count.
    services.record_inspection(
        actor=manager, point=p2, grade="wrong", at=datetime(2026, 10, 31, 23, 0, tzinfo=TZ)
    )
    rates = {
        r.building: r
        for r in selectors.sorting_rates(world.community, datetime(2026, 11, 1).date())
    }
    assert (rates["1幢"].correct, rates["1幢"].total, rates["1幢"].rate) == (3, 4, Decimal("75.0"))
    assert (rates["2幢"].correct, rates["2幢"].total, rates["2幢"].rate) == (1, 3, Decimal("33.3"))
    report = selectors.monthly_report(world.community, datetime(2026, 11, 1).date())
    assert (report.correct, report.inspections, report.rate) == (4, 7, Decimal("57.1"))
    assert selectors.rate(0, 0) is None


def test_the_monthly_report_page_api_and_excel(world):
    manager = world.users["manager"]
    p = services.save_point(
        actor=manager, community=world.community, building=world.building, name="1幢点"
    )
    services.record_log(actor=manager, point=p, category="food", weight_kg="10.25", at=at(3, 8))
    services.record_log(actor=manager, point=p, category="food", weight_kg="4.75", at=at(4, 8))
    services.record_log(actor=manager, point=p, category="residual", weight_kg="6", at=at(4, 8))
    services.record_inspection(actor=manager, point=p, grade="correct", at=at(5))
    client = api_client(manager)
    body = client.get(f"/api/v1/waste-report/?community={world.community.pk}&month=2026-11").json()
    weights = {c["category"]: c["weight_kg"] for c in body["categories"]}
    assert weights == {
        "recyclable": "0.00",
        "hazardous": "0.00",
        "food": "15.00",
        "residual": "6.00",
    }
    assert body["total_kg"] == "21.00" and body["correct_rate"] == "100.0"
    assert body["buildings"][0]["name"] == "1幢"
    bad = client.get(f"/api/v1/waste-report/?community={world.community.pk}&month=11-2026")
    assert bad.status_code == 400 and "month" in bad.json()["error"]["fields"]
    outsider = api_client(world.users["outsider"])
    assert outsider.get(
        f"/api/v1/waste-report/?community={world.community.pk}&month=2026-11"
    ).status_code in (403, 404)
    xlsx = client.get(
        f"/api/v1/waste-report/?community={world.community.pk}&month=2026-11&export=xlsx"
    )
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    from django.test import Client

    page = Client()
    page.force_login(manager)
    html = page.get(f"/console/green/report/?community={world.community.pk}&month=2026-11")
    assert html.status_code == 200 and "15.00" in html.content.decode()


def test_a_household_found_correctly_sorting_earns_points_once(world):
    manager = world.users["manager"]
    p = services.save_point(
        actor=manager, community=world.community, building=world.building, name="1幢点"
    )
    house = world.houses[0]
    inspection = services.record_inspection(
        actor=manager, point=p, grade="correct", house=house, at=at(2)
    )
    services.record_inspection(actor=manager, point=p, grade="wrong", house=house, at=at(3))
    entry = PointsEntry.objects.get(house=house)
    assert (entry.points, entry.source) == (5, f"green.inspection:{inspection.pk}")
    services.award(actor=manager, house=house, points=5, reason="again", source=inspection)
    assert selectors.balance_of(house) == 5
    other = world.houses[-1]  # a home of the other community
    with pytest.raises(DomainError) as refused:
        services.record_inspection(actor=manager, point=p, grade="correct", house=other)
    assert "house" in refused.value.fields


def test_a_resident_books_a_pickup_and_staff_confirm_and_collect(world):
    resident = world.users["resident"]
    answer = api_client(resident).post(
        "/api/v1/waste-pickups/",
        {
            "house": world.houses[0].pk,
            "kind": "bulky",
            "items": "旧沙发",
            "wanted_on": "2099-01-01",
        },
        format="json",
    )
    assert answer.status_code == 400 and "wanted_on" in answer.json()["error"]["fields"]
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    answer = api_client(resident).post(
        "/api/v1/waste-pickups/",
        {"house": world.houses[0].pk, "kind": "bulky", "items": "旧沙发", "wanted_on": today},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    pk = answer.json()["id"]
    staff = api_client(world.users["agent"])
    early = staff.post(f"/api/v1/waste-pickups/{pk}/collect/")
    assert early.status_code == 409 and "confirm" in early.json()["error"]["allowed"]
    when = (timezone.now() + timezone.timedelta(hours=2)).isoformat()
    assert (
        staff.post(f"/api/v1/waste-pickups/{pk}/confirm/", {"at": when}, format="json").status_code
        == 200
    )
    assert staff.post(f"/api/v1/waste-pickups/{pk}/collect/").json()["status"] == "collected"
    neighbour = api_client(world.users["neighbour"])
    assert neighbour.get(f"/api/v1/waste-pickups/{pk}/").status_code == 404
    with pytest.raises((Forbidden, InvalidTransition)):
        from anju.green.models import Pickup

        services.cancel_pickup(actor=world.users["neighbour"], pickup=Pickup.objects.get(pk=pk))


def test_console_pages_show_the_jurisdictions_names(world, point):
    from django.test import Client

    manager2 = world.users["manager2"]
    services.record_log(actor=manager2, point=point, category="food", weight_kg="3")
    page = Client()
    page.force_login(manager2)
    html = page.get("/console/green/logs/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "湿垃圾" in html
    for url in (
        "/console/green/points/",
        "/console/green/inspections/",
        "/console/green/pickups/",
        "/console/green/green-points/",
        "/console/green/decorations/",
        "/console/green/logs/new/",
        "/console/green/inspections/new/",
    ):
        assert page.get(url).status_code == 200, url
    resident = Client()
    resident.force_login(world.users["resident"])
    for url in ("/app/green/points/", "/app/green/pickups/", "/app/green/decorations/"):
        assert resident.get(url).status_code == 200, url
