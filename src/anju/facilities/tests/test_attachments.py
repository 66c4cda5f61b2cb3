"""Facilities objects with files list them as ``attachments`` (issue 16): hazards, maintenance
tasks, inspection check-ins, incident steps and drills; photos are checked like every upload and
each ``url`` answers only those who may see the object."""

import pytest

from anju.core.tests import samples
from anju.facilities import services
from anju.facilities.models import MaintenanceTask

from .conftest import at
from .test_inspection import rounds  # noqa: F401  (the fixture)
from .test_maintenance import plan

pytestmark = pytest.mark.django_db

KEYS = ["id", "url", "name", "content_type", "size", "thumbnail_url"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def status_for(client, user, url):
    client.force_login(user)
    return client.get(url).status_code


def test_hazard_photos(fac, world, api, client):
    guard = api(fac.guard)
    data = {
        "community": world.community.pk,
        "category": "electrical",
        "severity": "medium",
        "place": "3幢地下室",
        "description": "配电箱门未关，电线裸露",
    }
    refused = guard.post(
        "/api/v1/hazards/",
        {**data, "photos": [samples.upload(samples.HTML, "wire.jpg", "image/jpeg")]},
        format="multipart",
    )
    assert refused.status_code == 400 and list(refused.json()["error"]["fields"]) == ["photos"]
    created = guard.post(
        "/api/v1/hazards/",
        {**data, "photos": [samples.upload(samples.jpeg(gps=True), "wire.jpg")]},
        format="multipart",
    )
    assert created.status_code == 201, created.content
    (photo,) = created.json()["attachments"]
    assert list(photo) == KEYS and photo["thumbnail_url"]
    listed = api(fac.manager).get("/api/v1/hazards/").json()["results"]
    assert listed[0]["attachments"] == [photo]
    assert status_for(client, fac.tech, photo["url"]) == 200
    assert status_for(client, world.users["manager2"], photo["url"]) == 404
    assert status_for(client, world.users["resident"], photo["url"]) == 404
    client.force_login(fac.manager)
    page = client.get(f"/console/facilities/hazards/{created.json()['id']}/").content.decode()
    assert photo["thumbnail_url"] in page and photo["url"] in page


def test_maintenance_task_photos_shared_with_the_ticket(fac, world, api, client):
    p = plan(fac)
    services.generate_tasks()
    task = MaintenanceTask.objects.filter(plan=p).first()
    done = services.complete_task(
        task,
        actor=fac.tech,
        answers={"brake": False, "oil": "5"},
        notes="制动器磨损",
        photos=[samples.upload(samples.jpeg(), "制动器.jpg")],
    )
    assert done.ticket_id
    (photo,) = api(fac.tech).get(f"/api/v1/maintenance-tasks/{task.pk}/").json()["attachments"]
    ticket = api(fac.manager).get(f"/api/v1/tickets/{done.ticket_id}/").json()
    (on_ticket,) = ticket["attachments"]
    assert on_ticket["id"] != photo["id"] and on_ticket["size"] == photo["size"]
    listed = api(fac.manager).get("/api/v1/maintenance-tasks/").json()["results"]
    assert next(t for t in listed if t["id"] == task.pk)["attachments"] == [photo]
    assert status_for(client, world.users["outsider"], photo["url"]) == 404


def test_inspection_checkin_photo(rounds, fac, world, api, frozen):  # noqa: F811
    route, _, (pump, _) = rounds
    frozen.move_to(at(2026, 11, 26, 8, 32))
    checkin = services.check_in(
        actor=fac.tech,
        point=pump,
        answers={"leak": True, "pressure": "0.4"},
        photo=samples.upload(samples.heic(), "泵房.HEIC"),
    )
    data = api(fac.manager).get(f"/api/v1/inspection-tasks/{checkin.task_id}/").json()
    (row,) = [c for c in data["checkins"] if c["id"] == checkin.pk]
    (photo,) = row["attachments"]
    assert photo["content_type"] == "image/jpeg" and photo["name"] == "泵房.HEIC"


def test_incident_step_evidence_and_drill_photo(fac, world, api, frozen):
    guard = api(fac.guard)
    pk = guard.post(
        "/api/v1/incidents/",
        {
            "community": world.community.pk,
            "kind": "public_order",
            "place": "2幢楼下",
            "description": "有人在小区内聚众斗殴",
            "occurred_at": "2026-11-26T08:40:00+08:00",
        },
        format="json",
    ).json()["id"]
    step = guard.post(
        f"/api/v1/incidents/{pk}/step/",
        {
            "step": "stop",
            "note": "保安到场劝阻",
            "at": "2026-11-26T08:45:00+08:00",
            "evidence": samples.upload(samples.pdf(), "情况说明.pdf", "application/pdf"),
        },
        format="multipart",
    )
    assert step.status_code == 200, step.content
    (evidence,) = step.json()["records"][0]["attachments"]
    assert evidence["content_type"] == "application/pdf" and evidence["thumbnail_url"] is None

    manager = api(fac.manager)
    drill = manager.post(
        "/api/v1/drills/",
        {
            "community": world.community.pk,
            "kind": "fire_drill",
            "title": "冬季消防疏散演练",
            "planned_at": "2026-12-05T14:00:00+08:00",
        },
        format="json",
    ).json()["id"]
    held = manager.post(
        f"/api/v1/drills/{drill}/record/",
        {"attendees": ["刘振华"], "photo": samples.upload(samples.webp(), "演练.webp")},
        format="multipart",
    )
    assert held.status_code == 200, held.content
    (photo,) = held.json()["attachments"]
    assert photo["content_type"] == "image/webp"
