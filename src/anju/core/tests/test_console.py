"""Console and portal pages: scoped, role-aware, in Chinese by default, with Excel export."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from anju.core.models import AuditEntry, House

pytestmark = pytest.mark.django_db

PAGES = [
    "/console/",
    "/console/communities/",
    "/console/buildings/",
    "/console/houses/",
    "/console/people/",
    "/console/audit/",
    "/console/import/",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_for_company_admin(world, client, url):
    client.force_login(world.users["org_admin"])
    response = client.get(url)
    assert response.status_code == 200
    assert "安居" in response.content.decode()


def test_chinese_by_default_and_english_on_request(world, client):
    client.force_login(world.users["org_admin"])
    zh = client.get("/console/houses/").content.decode()
    assert "房屋" in zh and "导出 Excel" in zh
    client.post("/i18n/setlang/", {"language": "en", "next": "/console/houses/"})
    en = client.get("/console/houses/").content.decode()
    assert "Houses" in en and "Export to Excel" in en


def test_lists_are_scoped_and_switcher_narrows(world, client):
    client.force_login(world.users["org_admin"])
    page = client.get("/console/houses/").content.decode()
    assert world.houses[0].number in page and "A座" in page
    client.post("/console/switch/", {"community": world.community.pk, "next": "/console/houses/"})
    page = client.get("/console/houses/").content.decode()
    assert "A座" not in page
    outsider = client.__class__()
    outsider.force_login(world.users["outsider"])
    assert outsider.get(f"/console/houses/{world.house.pk}/").status_code == 404
    assert world.houses[0].number not in outsider.get("/console/houses/").content.decode()


def test_switcher_refuses_foreign_community(world, client):
    client.force_login(world.users["manager"])
    client.post("/console/switch/", {"community": world.other_community.pk})
    assert client.session.get("anju_community") is None


def test_field_roles_cannot_open_people(world, client):
    client.force_login(world.users["technician"])
    assert client.get("/console/people/").status_code == 403
    assert client.get("/console/houses/").status_code == 200


def test_residents_are_sent_to_the_portal(world, client):
    client.force_login(world.users["resident"])
    assert client.get("/console/").url == "/app/"
    home = client.get("/app/").content.decode()
    assert world.house.number in home and world.houses[1].number not in home


def test_house_page_shows_occupants_and_history(world, client):
    from anju.core import services

    services.update_object(world.house, {"floor": 9}, actor=world.users["manager"])
    client.force_login(world.users["manager"])
    page = client.get(f"/console/houses/{world.house.pk}/").content.decode()
    assert "张三" in page and "房屋已修改" in page and "core.house.changed" not in page
    technician = client.__class__()
    technician.force_login(world.users["technician"])
    page = technician.get(f"/console/houses/{world.house.pk}/").content.decode()
    assert "13900001111" not in page and "139****1111" in page


def test_create_house_form_validates_in_chinese(world, client):
    client.force_login(world.users["manager"])
    response = client.post(
        "/console/houses/new/",
        {
            "building": world.building.pk,
            "number": "9-9901",
            "usage": "residential",
            "area": "-1",
            "area_source": "registry",
        },
    )
    assert response.status_code == 200
    assert "面积必须是大于0的数字，最多两位小数" in response.content.decode()
    assert not House.objects.filter(number="9-9901").exists()
    response = client.post(
        "/console/houses/new/",
        {
            "building": world.building.pk,
            "number": "9-9901",
            "usage": "residential",
            "area": "99.90",
            "area_source": "registry",
            "sold": "on",
            "delivered": "on",
        },
    )
    assert response.status_code == 302
    house = House.objects.get(number="9-9901")
    assert AuditEntry.objects.filter(action="core.house.created", object_id=str(house.pk)).exists()


def test_list_export_xlsx_matches_the_filtered_rows(world, client):
    client.force_login(world.users["manager"])
    response = client.get("/console/houses/?export=xlsx&q=1-01")
    assert response.status_code == 200
    ws = load_workbook(BytesIO(response.content)).active
    assert ws.cell(1, 1).value == "房屋"
    assert [r[0].value for r in ws.iter_rows(min_row=2)] == ["1幢-1-0101"]


def test_house_list_query_count_is_flat(world, client, django_assert_max_num_queries):
    from decimal import Decimal

    for i in range(30):
        House.objects.create(
            organization=world.org,
            community=world.community,
            building=world.building,
            number=f"X-{i}",
            area=Decimal("50.00"),
        )
    client.force_login(world.users["org_admin"])
    with django_assert_max_num_queries(16):
        assert client.get("/console/houses/").status_code == 200


def test_api_house_list_query_count_is_flat(world, api, django_assert_max_num_queries):
    from decimal import Decimal

    for i in range(30):
        House.objects.create(
            organization=world.org,
            community=world.community,
            building=world.building,
            number=f"X-{i}",
            area=Decimal("50.00"),
        )
    with django_assert_max_num_queries(8):
        assert api(world.users["org_admin"]).get("/api/v1/houses/").status_code == 200


def test_large_text_mode_is_remembered(world, client):
    client.force_login(world.users["resident"])
    client.post("/app/me/large-text/", {"next": "/app/"})
    assert 'class="large-text"' in client.get("/app/").content.decode()


def test_job_progress_is_shown_and_scoped(world, client):
    from anju.core import progress

    job = progress.start(
        "core.import",
        community=world.community,
        total=200,
        actor=world.users["manager"],
    )
    progress.advance(job, 50)
    client.force_login(world.users["manager"])
    page = client.get(f"/console/jobs/{job.pk}/").content.decode()
    assert "50 / 200" in page and "25%" in page and "hx-trigger" in page
    progress.finish(job, result={"ok": 1})
    page = client.get(f"/console/jobs/{job.pk}/").content.decode()
    assert "200 / 200" in page and "hx-trigger" not in page
    outsider = client.__class__()
    outsider.force_login(world.users["outsider"])
    assert outsider.get(f"/console/jobs/{job.pk}/").status_code == 404
