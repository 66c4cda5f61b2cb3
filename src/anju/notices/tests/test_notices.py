"""Notices: audience resolution, state machine, fan-out, inbox and read receipts, reach, re-send,
scheduled publishing with a frozen clock, scoping (404 for another company, 403 for a role)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from anju.core.choices import Relation
from anju.core.models import Occupancy, Person, User
from anju.core.notifications import LogSmsBackend
from anju.core.tests import samples
from anju.notices import selectors, services
from anju.notices.models import Notice, NoticeReceipt

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def make_notice(world, **extra):
    data = {"title": "停水通知", "body": "明日9:00-17:00停水", "kind": "outage"}
    data.update(extra)
    return services.create_notice(actor=world.users["manager"], community=world.community, **data)


def recipients(notice):
    return set(NoticeReceipt.objects.filter(notice=notice).values_list("person_id", flat=True))


def test_community_notice_reaches_current_occupants_not_moved_out_tenant(world):
    owner, tenant, neighbour = (world.people[k] for k in ("owner", "tenant", "neighbour"))
    moved = Person.objects.create(organization=world.org, name="钱多多", phone="13900005555")
    Occupancy.objects.create(
        organization=world.org,
        community=world.community,
        house=world.houses[2],
        person=moved,
        relation=Relation.TENANT,
        since=date(2023, 1, 1),
        until=date(2025, 8, 31),
    )
    notice = services.publish_notice(actor=world.users["manager"], notice=make_notice(world))
    assert recipients(notice) == {owner.pk, tenant.pk, neighbour.pk}
    assert notice.recipient_count == 3
    assert moved.pk not in recipients(notice)
    # The tenant moves out; the next notice no longer reaches them.
    Occupancy.objects.filter(person=tenant).update(until=timezone.localdate() - timedelta(days=1))
    second = services.publish_notice(
        actor=world.users["manager"], notice=make_notice(world, title="第二份")
    )
    assert recipients(second) == {owner.pk, neighbour.pk}


def test_staff_notice_never_reaches_residents(world):
    notice = make_notice(world, audience_kind="staff", staff_roles=["technician", "guard"])
    services.publish_notice(actor=world.users["manager"], notice=notice)
    users = set(NoticeReceipt.objects.filter(notice=notice).values_list("user_id", flat=True))
    assert users == {world.users["technician"].pk, world.users["guard"].pk}
    assert not NoticeReceipt.objects.filter(notice=notice, person__isnull=False).exists()
    for name in ("resident", "tenant", "neighbour"):
        assert not selectors.inbox_for(world.users[name]).filter(notice=notice).exists()


def test_audience_by_building_entrance_houses_and_relations(world):
    owners = make_notice(world, relations=["owner", "co_owner"])
    services.publish_notice(actor=world.users["manager"], notice=owners)
    assert recipients(owners) == {world.people["owner"].pk, world.people["neighbour"].pk}
    one = make_notice(world, audience_scope="houses", houses=[world.houses[1]])
    services.publish_notice(actor=world.users["manager"], notice=one)
    assert recipients(one) == {world.people["neighbour"].pk}
    building = make_notice(world, audience_scope="building", buildings=[world.building])
    services.publish_notice(actor=world.users["manager"], notice=building)
    assert len(recipients(building)) == 3
    org_wide = services.create_notice(
        actor=world.users["org_admin"],
        organization=world.org,
        title="公司通知",
        body="全体",
        audience_scope="organization",
    )
    services.publish_notice(actor=world.users["org_admin"], notice=org_wide)
    assert world.people["stranger"].pk not in recipients(org_wide)
    assert world.people["owner"].pk in recipients(org_wide)


def test_picked_objects_must_belong_to_the_community(world):
    from anju.core.errors import DomainError

    with pytest.raises(DomainError) as exc:
        make_notice(world, audience_scope="houses", houses=[world.houses[-1]])
    assert "houses" in exc.value.fields


def test_api_contract_publish_inbox_read_reach_archive(world, api):
    manager = api(world.users["manager"])
    created = manager.post(
        "/api/v1/notices/",
        {
            "community": world.community.pk,
            "kind": "outage",
            "title": "停水通知",
            "body": "明日停水",
            "pinned": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    notice_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    assert manager.post(f"/api/v1/notices/{notice_id}/archive/").status_code == 409
    published = manager.post(f"/api/v1/notices/{notice_id}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    again = manager.post(f"/api/v1/notices/{notice_id}/publish/")
    assert again.status_code == 409
    assert (
        again.json()["error"]["code"] == "invalid_state"
        and "archive" in again.json()["error"]["allowed"]
    )

    resident = api(world.users["resident"])
    inbox = resident.get("/api/v1/inbox/").json()
    assert inbox["count"] == 1 and inbox["results"][0]["read"] is False
    receipt_id = inbox["results"][0]["id"]
    read = resident.post(f"/api/v1/inbox/{receipt_id}/read/")
    assert read.status_code == 200 and read.json()["read"] is True
    assert resident.get(f"/api/v1/notices/{notice_id}/").status_code == 200
    # Another person's receipt is not theirs to read.
    assert (
        api(world.users["neighbour"]).post(f"/api/v1/inbox/{receipt_id}/read/").status_code == 404
    )

    reach = manager.get(f"/api/v1/notices/{notice_id}/reach/").json()
    assert reach["total"] == 3 and reach["read"] == 1 and reach["unread"] == 2
    assert reach["by_building"][0]["building_name"] == world.building.name
    assert {r["name"] for r in reach["unread_recipients"]} == {"李四", "王五"}

    LogSmsBackend.sent.clear()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.db.transaction.on_commit", lambda fn, *a, **k: fn())
        resent = manager.post(f"/api/v1/notices/{notice_id}/resend/")
    assert resent.json() == {"resent": 2}
    assert {phone for phone, _ in LogSmsBackend.sent} == {"13900002222", "13900003333"}

    archived = manager.post(f"/api/v1/notices/{notice_id}/archive/")
    assert archived.json()["status"] == "archived"


def test_scoping_and_roles(world, api):
    notice = services.publish_notice(actor=world.users["manager"], notice=make_notice(world))
    draft = make_notice(world, title="草稿")
    outsider = api(world.users["outsider"])
    assert outsider.get(f"/api/v1/notices/{notice.pk}/").status_code == 404
    assert outsider.post(f"/api/v1/notices/{notice.pk}/archive/").status_code == 404
    assert outsider.get(f"/api/v1/notices/{notice.pk}/reach/").status_code == 404
    assert outsider.get("/api/v1/notices/").json()["count"] == 0
    technician = api(world.users["technician"])
    assert technician.post(f"/api/v1/notices/{draft.pk}/publish/").status_code == 403
    assert technician.get(f"/api/v1/notices/{notice.pk}/reach/").status_code == 403
    ids = {row["id"] for row in technician.get("/api/v1/notices/").json()["results"]}
    assert notice.pk in ids and draft.pk not in ids  # drafts are for the authors
    assert api(world.users["stranger"]).get("/api/v1/inbox/").json()["count"] == 0
    assert api(world.users["manager2"]).get(f"/api/v1/notices/{notice.pk}/").status_code == 404


def test_inbox_query_count_is_flat(world, api, django_assert_max_num_queries):
    for i in range(8):
        services.publish_notice(
            actor=world.users["manager"], notice=make_notice(world, title=f"通知{i}")
        )
    client = api(world.users["resident"])
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/inbox/").json()["count"] == 8


def test_scheduled_notice_publishes_by_the_periodic_job(world):
    start = datetime(2026, 11, 27, 8, 0, tzinfo=SH)
    with time_machine.travel(start, tick=False):
        notice = make_notice(world)
        services.schedule_notice(
            actor=world.users["manager"], notice=notice, publish_at=start + timedelta(hours=2)
        )
        from anju.notices.tasks import publish_due_notices

        assert publish_due_notices() == 0
        assert Notice.objects.get(pk=notice.pk).status == "scheduled"
    with time_machine.travel(start + timedelta(hours=2, minutes=1), tick=False):
        assert publish_due_notices() == 1
        notice.refresh_from_db()
        assert notice.status == "published" and notice.recipient_count == 3
        assert notice.published_at == start + timedelta(hours=2, minutes=1)
        assert publish_due_notices() == 0  # idempotent
    assert NoticeReceipt.objects.filter(notice=notice).count() == 3


def test_schedule_in_the_past_is_refused(world, api):
    notice = make_notice(world)
    response = api(world.users["manager"]).post(
        f"/api/v1/notices/{notice.pk}/schedule/",
        {"publish_at": "2020-01-01T08:00:00+08:00"},
        format="json",
    )
    assert response.status_code == 400 and "publish_at" in response.json()["error"]["fields"]


def test_attachment_upload(world, api, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    notice = make_notice(world)
    client = api(world.users["manager"])
    upload = SimpleUploadedFile("停水范围.pdf", samples.pdf(), content_type="application/pdf")
    response = client.post(
        f"/api/v1/notices/{notice.pk}/attachments/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.content
    detail = client.get(f"/api/v1/notices/{notice.pk}/").json()
    (pdf,) = detail["attachments"]
    assert list(pdf) == ["id", "url", "name", "content_type", "size", "thumbnail_url"]
    assert pdf["name"] == "停水范围.pdf" and pdf["content_type"] == "application/pdf"
    refused = client.post(
        f"/api/v1/notices/{notice.pk}/attachments/",
        {"file": SimpleUploadedFile("map.svg", samples.SVG, content_type="image/svg+xml")},
        format="multipart",
    )
    assert refused.status_code == 400 and list(refused.json()["error"]["fields"]) == ["file"]

    # A draft's file answers its managers only; once published, its recipients too.
    from django.test import Client

    browser = Client()
    browser.force_login(world.users["resident"])
    assert browser.get(pdf["url"]).status_code == 404
    services.publish_notice(actor=world.users["manager"], notice=notice)
    assert browser.get(pdf["url"]).status_code == 200
    browser.force_login(world.users["stranger"])
    assert browser.get(pdf["url"]).status_code == 404


def test_staff_user_inbox(world, api):
    notice = services.publish_notice(
        actor=world.users["manager"],
        notice=make_notice(world, audience_kind="staff", staff_roles=["guard"]),
    )
    rows = api(world.users["guard"]).get("/api/v1/inbox/").json()["results"]
    assert [r["notice"] for r in rows] == [notice.pk]
    assert User.objects.get(pk=world.users["guard"].pk)


def test_notice_list_query_count(world, api, django_assert_max_num_queries):
    for i in range(6):
        services.publish_notice(
            actor=world.users["manager"], notice=make_notice(world, title=f"通知{i}")
        )
    client = api(world.users["manager"])
    with django_assert_max_num_queries(9):
        assert client.get("/api/v1/notices/").json()["count"] == 6
