"""Hazards (rectify -> verify -> close, escalation, rate), incidents (第942条) and drills."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from anju.core.models import Notification
from anju.core.tests import samples
from anju.facilities import services
from anju.facilities.models import Hazard, Incident

from .conftest import at

pytestmark = pytest.mark.django_db


def test_hazard_lifecycle_through_api(fac, world, api):
    guard = api(fac.guard)
    photo = SimpleUploadedFile("wire.jpg", samples.jpeg(), content_type="image/jpeg")
    created = guard.post(
        "/api/v1/hazards/",
        {
            "community": world.community.pk,
            "category": "electrical",
            "severity": "medium",
            "place": "3幢地下室",
            "description": "配电箱门未关，电线裸露",
            "responsible": fac.tech.pk,
            "photos": [photo],
        },
        format="multipart",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["number"].startswith("YH-") and "-20261126-" in body["number"]  # YH-C1-...
    assert body["deadline"] == "2026-11-29"
    assert body["status"] == "open"
    pk = body["id"]
    assert Notification.objects.filter(user=fac.tech, title__contains="3幢地下室").exists()
    tech = api(fac.tech)
    assert (
        tech.post(f"/api/v1/hazards/{pk}/verify/").status_code == 403
    )  # the rectifier does not verify
    manager = api(fac.manager)
    early = manager.post(f"/api/v1/hazards/{pk}/close/")
    assert early.status_code == 409 and early.json()["error"]["allowed"] == ["rectify"]
    assert (
        tech.post(
            f"/api/v1/hazards/{pk}/rectify/", {"rectification": ""}, format="json"
        ).status_code
        == 400
    )
    done = tech.post(
        f"/api/v1/hazards/{pk}/rectify/", {"rectification": "已更换箱门锁并包扎线头"}, format="json"
    )
    assert done.status_code == 200 and done.json()["status"] == "rectified"
    back = manager.post(
        f"/api/v1/hazards/{pk}/verify/", {"passed": False, "note": "线头未固定"}, format="json"
    )
    assert back.json()["status"] == "open" and back.json()["rework_count"] == 1
    tech.post(f"/api/v1/hazards/{pk}/rectify/", {"rectification": "已固定"}, format="json")
    assert (
        manager.post(f"/api/v1/hazards/{pk}/verify/", {"passed": True}, format="json").json()[
            "status"
        ]
        == "verified"
    )
    closed = manager.post(f"/api/v1/hazards/{pk}/close/")
    assert closed.json()["status"] == "closed"
    assert manager.post(f"/api/v1/hazards/{pk}/close/").status_code == 409
    assert api(world.users["outsider"]).get(f"/api/v1/hazards/{pk}/").status_code == 404
    assert (
        api(world.users["outsider"])
        .post(f"/api/v1/hazards/{pk}/rectify/", {"rectification": "x"}, format="json")
        .status_code
        == 404
    )
    assert api(world.users["resident"]).get("/api/v1/hazards/").status_code == 403
    assert (
        api(world.users["cashier"]).post("/api/v1/hazards/", {}, format="json").status_code == 403
    )


def test_hazard_overdue_escalates_once_and_rate(fac, world, frozen):
    h1 = services.report_hazard(
        actor=fac.guard,
        community=world.community,
        category="fire",
        place="5幢楼道",
        description="楼道堆放杂物堵塞疏散通道",
        severity="high",
        responsible=fac.tech,
    )
    h2 = services.report_hazard(
        actor=fac.guard,
        community=world.community,
        category="traffic",
        place="东门",
        description="减速带破损",
        deadline=date(2026, 12, 10),
    )
    assert (
        Notification.objects.filter(user=fac.manager, title__contains="5幢楼道").count() == 1
    )  # major: at once
    frozen.move_to(at(2026, 11, 28, 8, 0))
    assert services.sweep_overdue_hazards() == 1
    assert services.sweep_overdue_hazards() == 0
    h1.refresh_from_db()
    assert h1.escalated_at is not None and h1.is_overdue
    assert Notification.objects.filter(user=fac.manager, title__contains=h1.number).count() == 1
    services.rectify_hazard(h2, actor=fac.tech, rectification="已修复")
    services.verify_hazard(h2, actor=fac.manager, passed=True)
    from anju.facilities.selectors import hazards_by_age, rectification_rates

    rows = rectification_rates(Hazard.objects.all())
    assert rows == [
        {
            "community_id": world.community.pk,
            "community__name": "甲一小区",
            "found": 2,
            "rectified": 1,
            "overdue": 1,
            "rate": 50.0,
        }
    ]
    assert dict(hazards_by_age(Hazard.objects.all())) == {"0-3": 2, "4-7": 0, "8-30": 0, ">30": 0}


def test_incident_steps_in_order_with_evidence(fac, world, api, frozen):
    guard = api(fac.guard)
    created = guard.post(
        "/api/v1/incidents/",
        {
            "community": world.community.pk,
            "kind": "public_order",
            "place": "2幢楼下",
            "description": "有人在小区内聚众斗殴",
            "occurred_at": "2026-11-26T08:40:00+08:00",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    skip = guard.post(
        f"/api/v1/incidents/{pk}/step/",
        {"step": "report", "note": "报警", "authority": "派出所"},
        format="json",
    )
    assert skip.status_code == 409 and skip.json()["error"]["allowed"] == ["stop"]
    evidence = SimpleUploadedFile("scene.jpg", samples.jpeg(), content_type="image/jpeg")
    stop = guard.post(
        f"/api/v1/incidents/{pk}/step/",
        {
            "step": "stop",
            "note": "保安到场劝阻，双方分开",
            "at": "2026-11-26T08:45:00+08:00",
            "evidence": evidence,
        },
        format="multipart",
    )
    assert stop.status_code == 200 and stop.json()["status"] == "stopped"
    no_authority = guard.post(
        f"/api/v1/incidents/{pk}/step/", {"step": "report", "note": "已报警"}, format="json"
    )
    assert no_authority.status_code == 400 and "authority" in no_authority.json()["error"]["fields"]
    earlier = guard.post(
        f"/api/v1/incidents/{pk}/step/",
        {
            "step": "report",
            "note": "已报警",
            "authority": "派出所",
            "at": "2026-11-26T08:44:00+08:00",
        },
        format="json",
    )
    assert earlier.status_code == 400 and "at" in earlier.json()["error"]["fields"]
    guard.post(
        f"/api/v1/incidents/{pk}/step/",
        {
            "step": "report",
            "note": "110报警",
            "authority": "文新派出所",
            "at": "2026-11-26T08:47:00+08:00",
        },
        format="json",
    )
    guard.post(
        f"/api/v1/incidents/{pk}/step/",
        {"step": "assist", "note": "提供监控录像", "at": "2026-11-26T08:58:00+08:00"},
        format="json",
    )
    closed = guard.post(f"/api/v1/incidents/{pk}/close/")
    assert closed.json()["status"] == "closed"
    records = closed.json()["records"]
    assert [r["step"] for r in records] == ["stop", "report", "assist"]
    assert records[0]["attachments"][0]["content_type"] == "image/jpeg"
    assert records[1]["authority"] == "文新派出所"
    assert Incident.objects.get(pk=pk).closed_at is not None
    assert api(fac.tech).get("/api/v1/incidents/").status_code == 403
    assert api(world.users["outsider"]).get(f"/api/v1/incidents/{pk}/").status_code == 404


def test_drill_plan_record_follow_up(fac, world, api):
    client = api(fac.manager)
    created = client.post(
        "/api/v1/drills/",
        {
            "community": world.community.pk,
            "kind": "fire_drill",
            "title": "冬季消防疏散演练",
            "planned_at": "2026-12-05T14:00:00+08:00",
            "place": "中心广场",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    empty = client.post(f"/api/v1/drills/{pk}/record/", {"attendees": []}, format="json")
    assert empty.status_code == 400
    held = client.post(
        f"/api/v1/drills/{pk}/record/",
        {
            "attendees": ["刘振华", "王德明", "业主张三"],
            "summary": "疏散用时4分钟",
            "follow_ups": [{"text": "3幢应急灯更换", "due_on": "2026-12-12"}],
        },
        format="json",
    )
    assert held.status_code == 200 and held.json()["status"] == "held"
    assert len(held.json()["attendance"]) == 3 and held.json()["follow_ups"][0]["done"] is False
    drill = services.complete_follow_up(
        services.safety.Drill.objects.get(pk=pk), actor=fac.manager, index=0
    )
    assert drill.follow_ups[0]["done"] is True
    assert client.post(f"/api/v1/drills/{pk}/cancel/").status_code == 409
    assert api(fac.guard).get("/api/v1/drills/").status_code == 403
