"""Residents' voice: suggestions (optionally anonymous, public reply) and meetings with
attendees, minutes and action items tracked to closure."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from anju.notices.models import ActionItem, Suggestion

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def test_suggestion_anonymous_and_public_reply(world, api):
    resident = api(world.users["resident"])
    created = resident.post(
        "/api/v1/suggestions/",
        {
            "community": world.community.pk,
            "title": "增设充电桩",
            "body": "北门电动车充电桩不够",
            "anonymous": True,
            "dimension": "facilities",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    suggestion = Suggestion.objects.get(pk=created.json()["id"])
    assert suggestion.person_id is None and created.json()["author"] == ""
    named = resident.post(
        "/api/v1/suggestions/",
        {"community": world.community.pk, "title": "绿化修剪", "body": "3幢前树枝挡窗"},
        format="json",
    ).json()
    assert named["author"] == "张三"
    # Another community is not theirs to post in.
    foreign = resident.post(
        "/api/v1/suggestions/",
        {"community": world.community2.pk, "title": "x", "body": "y"},
        format="json",
    )
    assert foreign.status_code in (400, 404)
    neighbour = api(world.users["neighbour"])
    assert suggestion.pk not in {
        r["id"] for r in neighbour.get("/api/v1/suggestions/").json()["results"]
    }
    agent = api(world.users["agent"])
    replied = agent.post(
        f"/api/v1/suggestions/{suggestion.pk}/reply/", {"reply": "已增设10个充电口"}, format="json"
    )
    assert replied.status_code == 200 and replied.json()["status"] == "replied"
    assert suggestion.pk in {
        r["id"] for r in neighbour.get("/api/v1/suggestions/").json()["results"]
    }
    assert agent.post(f"/api/v1/suggestions/{suggestion.pk}/close/").json()["status"] == "closed"
    assert (
        agent.post(
            f"/api/v1/suggestions/{suggestion.pk}/reply/", {"reply": "x"}, format="json"
        ).status_code
        == 409
    )
    assert api(world.users["technician"]).get("/api/v1/suggestions/").status_code == 403
    assert (
        api(world.users["outsider"]).get(f"/api/v1/suggestions/{suggestion.pk}/").status_code == 404
    )
    assert neighbour.post(
        f"/api/v1/suggestions/{named['id']}/reply/", {"reply": "x"}, format="json"
    ).status_code in (403, 404)


def test_meeting_minutes_and_action_items_to_closure(world, api):
    manager = api(world.users["manager"])
    created = manager.post(
        "/api/v1/meetings/",
        {
            "community": world.community.pk,
            "title": "第四季度业主座谈会",
            "held_at": "2026-11-20T19:00:00+08:00",
            "place": "物业服务中心二楼",
            "attendees": [
                {"name": "张三", "role": "业主", "person": world.people["owner"].pk},
                {"name": "陈立新", "role": "小区主任"},
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    meeting_id = created.json()["id"]
    resident = api(world.users["resident"])
    assert meeting_id not in {r["id"] for r in resident.get("/api/v1/meetings/").json()["results"]}
    minutes = manager.post(
        f"/api/v1/meetings/{meeting_id}/minutes/",
        {"minutes": "一、电动车充电；二、绿化"},
        format="json",
    )
    assert minutes.status_code == 200 and minutes.json()["status"] == "held"
    assert meeting_id in {r["id"] for r in resident.get("/api/v1/meetings/").json()["results"]}
    item = manager.post(
        f"/api/v1/meetings/{meeting_id}/action-items/",
        {"title": "北门增设充电桩", "owner": world.users["technician"].pk, "due_on": "2026-12-15"},
        format="json",
    )
    assert item.status_code == 201, item.content
    item_id = item.json()["id"]
    bad = manager.post(f"/api/v1/action-items/{item_id}/close/", {"resolution": ""}, format="json")
    assert bad.status_code == 400 and "resolution" in bad.json()["error"]["fields"]
    closed = manager.post(
        f"/api/v1/action-items/{item_id}/close/", {"resolution": "已安装"}, format="json"
    )
    assert closed.json()["status"] == "done"
    assert (
        manager.post(
            f"/api/v1/action-items/{item_id}/close/", {"resolution": "x"}, format="json"
        ).status_code
        == 409
    )
    assert ActionItem.objects.get(pk=item_id).closed_at is not None
    assert (
        resident.post(
            f"/api/v1/meetings/{meeting_id}/minutes/", {"minutes": "x"}, format="json"
        ).status_code
        == 403
    )
    assert api(world.users["outsider"]).get(f"/api/v1/meetings/{meeting_id}/").status_code == 404
    foreign_owner = manager.post(
        f"/api/v1/meetings/{meeting_id}/action-items/",
        {"title": "x", "owner": world.users["outsider"].pk},
        format="json",
    )
    # Another company's login is answered as one that does not exist (issue 16).
    missing_owner = manager.post(
        f"/api/v1/meetings/{meeting_id}/action-items/",
        {"title": "x", "owner": 987654321},
        format="json",
    )
    assert foreign_owner.status_code == 404
    assert foreign_owner.content == missing_owner.content
    assert date(2026, 12, 15) and datetime(2026, 1, 1, tzinfo=SH)
