"""Every core endpoint: scoping (another company or community is 404), roles, masking, audit."""

import pytest
from django.utils import timezone

from anju.core.models import AuditEntry, Building, House, Occupancy, Person

pytestmark = pytest.mark.django_db

LISTS = [
    "organizations",
    "communities",
    "buildings",
    "entrances",
    "houses",
    "people",
    "occupancies",
    "memberships",
    "audit",
]


def test_token_login_by_username_and_phone(world, client):
    from anju.core.testing import PASSWORD

    for login in ("resident", "13900001111"):
        response = client.post(
            "/api/v1/auth/token/",
            {"username": login, "password": PASSWORD},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        token = response.json()["token"]
        me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
        assert me.json()["person"] == world.people["owner"].pk


def test_bad_login_uses_error_format(world, client):
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "resident", "password": "wrong"},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid" and body["message"]


def test_anonymous_gets_401(world, client):
    assert client.get("/api/v1/houses/").status_code == 401


@pytest.mark.parametrize("endpoint", LISTS)
def test_outsider_sees_nothing_of_company_a(world, api, endpoint):
    outsider = api(world.users["outsider"])
    response = outsider.get(f"/api/v1/{endpoint}/")
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    own = {
        "organizations": {world.org.pk},
        "communities": {world.community.pk},
        "buildings": {world.building.pk},
        "houses": {h.pk for h in world.houses},
        "people": {p.pk for k, p in world.people.items() if k != "stranger"},
    }.get(endpoint, set())
    assert not ids & own


@pytest.mark.parametrize(
    "path",
    [
        "organizations/{org}/",
        "communities/{community}/",
        "buildings/{building}/",
        "houses/{house}/",
        "people/{owner}/",
    ],
)
def test_outsider_gets_404_on_objects(world, api, path):
    outsider = api(world.users["outsider"])
    url = "/api/v1/" + path.format(
        org=world.org.pk,
        community=world.community.pk,
        building=world.building.pk,
        house=world.house.pk,
        owner=world.people["owner"].pk,
    )
    assert outsider.get(url).status_code == 404
    assert outsider.patch(url, {"name": "hacked"}, format="json").status_code == 404
    assert outsider.delete(url).status_code == 404


def test_filter_by_other_community_returns_nothing(world, api):
    outsider = api(world.users["outsider"])
    response = outsider.get(f"/api/v1/houses/?community={world.community.pk}")
    assert response.json()["count"] == 0


def test_community_limited_manager_sees_only_their_community(world, api):
    manager = api(world.users["manager"])
    ids = {row["id"] for row in manager.get("/api/v1/houses/").json()["results"]}
    assert world.houses[0].pk in ids
    assert world.houses[-1].pk not in ids  # in community2
    assert manager.get(f"/api/v1/houses/{world.houses[-1].pk}/").status_code == 404


def test_org_admin_creates_only_inside_their_company(world, api):
    admin = api(world.users["org_admin"])
    ok = admin.post(
        "/api/v1/buildings/", {"community": world.community.pk, "name": "2幢"}, format="json"
    )
    assert ok.status_code == 201, ok.content
    foreign = admin.post(
        "/api/v1/buildings/", {"community": world.other_community.pk, "name": "X"}, format="json"
    )
    assert foreign.status_code == 404
    assert foreign.json()["error"]["fields"] == {"community": [foreign.json()["error"]["message"]]}
    assert not Building.objects.filter(name="X").exists()


def test_house_contract_and_validation(world, api):
    admin = api(world.users["org_admin"])
    payload = {
        "building": world.building.pk,
        "number": "2-0101",
        "floor": 1,
        "usage": "residential",
        "area": "95.50",
        "area_source": "survey",
        "sold": True,
        "delivered": False,
    }
    response = admin.post("/api/v1/houses/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["area"] == "95.50" and body["area_source"] == "survey" and body["delivered"] is False
    )
    duplicate = admin.post("/api/v1/houses/", payload, format="json")
    assert duplicate.status_code == 400
    bad = admin.post(
        "/api/v1/houses/", {**payload, "number": "2-0102", "area": "-3"}, format="json"
    )
    assert bad.status_code == 400 and "area" in bad.json()["error"]["fields"]
    assert House.objects.filter(number__startswith="2-01").count() == 1


def test_occupancy_contract_and_single_representative(world, api):
    admin = api(world.users["org_admin"])
    co_owner = Person.objects.create(organization=world.org, name="张太太", phone="13900009999")
    response = admin.post(
        "/api/v1/occupancies/",
        {
            "house": world.house.pk,
            "person": co_owner.pk,
            "relation": "co_owner",
            "is_payer": False,
            "is_representative": True,
            "since": "2021-01-01",
            "until": None,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    reps = Occupancy.objects.filter(house=world.house, is_representative=True, until__isnull=True)
    assert list(reps.values_list("person_id", flat=True)) == [co_owner.pk]
    tenant_rep = admin.post(
        "/api/v1/occupancies/",
        {
            "house": world.house.pk,
            "person": co_owner.pk,
            "relation": "tenant",
            "is_representative": True,
        },
        format="json",
    )
    assert (
        tenant_rep.status_code == 400
        and "is_representative" in tenant_rep.json()["error"]["fields"]
    )


def test_people_contract_masks_for_roles_without_need(world, api):
    admin = api(world.users["org_admin"])
    created = admin.post(
        "/api/v1/people/",
        {
            "organization": world.org.pk,
            "name": "新业主",
            "phone": "13812345678",
            "id_number": "11010519491231002X",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["id_number"] == "11010519491231002X"
    technician = api(world.users["technician"])
    assert (
        technician.get(f"/api/v1/people/{pk}/").status_code == 403
    )  # technicians don't read people
    cashier = api(world.users["cashier"]).get(f"/api/v1/people/{world.people['owner'].pk}/").json()
    assert cashier["phone"] == "13900001111"  # cashiers call payers
    assert cashier["id_number"] == "110***********1234"
    committee = api(world.users["committee"]).get(f"/api/v1/people/{world.people['owner'].pk}/")
    assert committee.status_code == 403


def test_bad_phone_and_id_rejected(world, api):
    admin = api(world.users["org_admin"])
    bad = admin.post(
        "/api/v1/people/",
        {"organization": world.org.pk, "name": "甲", "phone": "12345"},
        format="json",
    )
    assert bad.status_code == 400 and "phone" in bad.json()["error"]["fields"]
    bad_id = admin.post(
        "/api/v1/people/",
        {"organization": world.org.pk, "name": "甲", "id_number": "110105199001011235"},
        format="json",
    )
    assert bad_id.status_code == 400 and "id_number" in bad_id.json()["error"]["fields"]


def test_id_number_encrypted_at_rest(world):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number FROM core_person WHERE id = %s", [world.people["owner"].pk]
        )
        raw = cursor.fetchone()[0]
    assert raw and "110105199001011234" not in raw
    assert Person.objects.get(pk=world.people["owner"].pk).id_number == "110105199001011234"


def test_resident_sees_only_own_houses(world, api):
    resident = api(world.users["resident"])
    ids = {row["id"] for row in resident.get("/api/v1/houses/").json()["results"]}
    assert ids == {world.house.pk}
    assert resident.get(f"/api/v1/houses/{world.houses[1].pk}/").status_code == 404
    assert (
        resident.post(
            "/api/v1/buildings/", {"community": world.community.pk, "name": "Z"}, format="json"
        ).status_code
        == 403
    )
    people = {row["id"] for row in resident.get("/api/v1/people/").json()["results"]}
    assert world.people["neighbour"].pk not in people


def test_moved_out_tenant_loses_access(world, api):
    from datetime import timedelta

    from anju.core import services

    occ = Occupancy.objects.get(person=world.people["tenant"])
    services.end_occupancy(
        occ,
        until=timezone.localdate() - timedelta(days=1),
        actor=world.users["agent"],
    )
    tenant = api(world.users["tenant"])
    assert tenant.get("/api/v1/houses/").json()["count"] == 0


def test_writes_are_audited(world, api):
    admin = api(world.users["org_admin"])
    response = admin.patch(f"/api/v1/houses/{world.house.pk}/", {"area": "120.00"}, format="json")
    assert response.status_code == 200, response.content
    entry = AuditEntry.objects.filter(
        action="core.house.changed", object_id=str(world.house.pk)
    ).get()
    assert entry.actor == world.users["org_admin"]
    assert entry.before == {"area": "100.00"} and entry.after == {"area": "120.00"}
    assert entry.community_id == world.community.pk
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()


def test_users_and_memberships_contract(world, api):
    admin = api(world.users["org_admin"])
    person = Person.objects.create(organization=world.org, name="孙七", phone="13900003334")
    user = admin.post(
        "/api/v1/users/",
        {
            "username": "wangwu",
            "password": "a-Strong-pass-2026",
            "phone": "13900003334",
            "person": person.pk,
        },
        format="json",
    )
    assert user.status_code == 201, user.content
    staff = admin.post(
        "/api/v1/users/", {"username": "newtech", "password": "a-Strong-pass-2026"}, format="json"
    )
    assert staff.status_code == 201, staff.content
    membership = admin.post(
        "/api/v1/memberships/",
        {
            "user": staff.json()["id"],
            "organization": world.org.pk,
            "communities": [world.community.pk],
            "role": "technician",
        },
        format="json",
    )
    assert membership.status_code == 201, membership.content
    foreign = admin.post(
        "/api/v1/memberships/",
        {"user": staff.json()["id"], "organization": world.other_org.pk, "role": "org_admin"},
        format="json",
    )
    assert foreign.status_code == 404
    manager = api(world.users["manager"])
    assert (
        manager.post(
            "/api/v1/memberships/",
            {"user": staff.json()["id"], "organization": world.org.pk, "role": "org_admin"},
            format="json",
        ).status_code
        == 403
    )


def test_export_xlsx(world, api):
    from io import BytesIO

    from openpyxl import load_workbook

    response = api(world.users["manager"]).get("/api/v1/houses/export/")
    assert response.status_code == 200
    ws = load_workbook(BytesIO(response.content)).active
    numbers = [row[0].value for row in ws.iter_rows(min_row=2)]
    assert len(numbers) == 4  # community A only
    assert api(world.users["technician"]).get("/api/v1/houses/export/").status_code == 403


def test_my_data_download(world, api):
    response = api(world.users["resident"]).get("/api/v1/me/data/")
    data = response.json()
    assert data["person"]["id_number"] == "110105199001011234"
    assert data["houses"][0]["relation"] == "owner"


def test_healthz(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_openapi_schema_and_docs(world, client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/houses/" in schema.content
    docs = client.get("/api/docs/")
    assert (
        docs.status_code == 200
        and b"swagger-ui" in docs.content
        and b"cdn" not in docs.content.lower()
    )


def test_scope_can_open_community_rows_to_residents(world):
    from anju.core.models import Building
    from anju.core.scoping import Scope, scope_q

    class Open:
        scope = Scope(
            organization="organization", community="community", residents_see_community=True
        )

    q = scope_q(Open, world.users["resident"], "core.building.view")
    assert list(Building.objects.filter(q)) == [world.building]
    assert not Building.objects.filter(
        scope_q(Open, world.users["stranger"], "core.building.view")
    ).filter(pk=world.building.pk)


def test_audit_snapshot_handles_times_and_files(world):
    from datetime import time

    from anju.core import audit
    from anju.core.models import Attachment

    attachment = Attachment(
        organization=world.org, community=world.community, object_id="1", name="x"
    )
    attachment.file.name = "attachments/x.jpg"
    data = audit._plain(time(8, 30)), audit.snapshot(attachment)["file"]
    assert data == ("08:30:00", "attachments/x.jpg")
