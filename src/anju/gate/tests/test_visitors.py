"""Visitor passes: who may issue them, their window and entries at the boundaries, the guard's
check (200 / 409 used, expired / 404 unknown or foreign), the parking gate's plate, the SMS and
the shared page, walk-ins answered by the resident, and the visitor log's retention."""

import logging
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from anju.core.errors import DomainError, Forbidden
from anju.core.models import Notification
from anju.core.testing import api_client
from anju.gate import selectors, services
from anju.gate.choices import PassState, PassStatus, WalkInStatus
from anju.gate.models import VisitorEntry, VisitorPass, WalkIn

pytestmark = pytest.mark.django_db
T0 = timezone.now().replace(microsecond=0) + timedelta(hours=1)


def issue(world, user="resident", house=None, **extra):
    data = {
        "visitor_name": "王晓明",
        "valid_from": T0,
        "valid_until": T0 + timedelta(hours=4),
        "entries": 2,
        **extra,
    }
    return services.issue_pass(actor=world.users[user], house=house or world.house, **data)


def test_residents_issue_passes_only_for_their_own_homes(world):
    assert issue(world).house == world.house
    assert issue(world, user="tenant").issued_by == world.users["tenant"]
    with pytest.raises(DomainError) as refused:
        issue(world, house=world.houses[1])  # the neighbour's
    assert "house" in refused.value.fields
    with pytest.raises(DomainError):
        issue(world, user="guard")  # staff do not issue passes
    client = api_client(world.users["resident"])
    body = {
        "house": world.houses[1].pk,
        "visitor_name": "王晓明",
        "valid_from": T0.isoformat(),
        "valid_until": (T0 + timedelta(hours=1)).isoformat(),
        "entries": 1,
    }
    answer = client.post("/api/v1/visitor-passes/", body, format="json")
    assert answer.status_code == 404 and answer.json()["error"]["fields"].get("house")
    assert not VisitorPass.objects.filter(house=world.houses[1]).exists()


def test_bad_input_names_the_field_and_changes_nothing(world):
    for extra, field in (
        ({"visitor_name": " "}, "visitor_name"),
        ({"valid_until": T0}, "valid_until"),
        ({"valid_until": T0 + timedelta(days=8)}, "valid_until"),
        ({"entries": 0}, "entries"),
        ({"entries": 11}, "entries"),
        ({"visitor_phone": "12345"}, "visitor_phone"),
        ({"plate": "ABC"}, "plate"),
        (
            {"valid_from": T0 - timedelta(days=2), "valid_until": T0 - timedelta(days=1)},
            "valid_until",
        ),
    ):
        with pytest.raises(DomainError) as refused:
            issue(world, **extra)
        assert field in refused.value.fields, (extra, refused.value.fields)
    assert not VisitorPass.objects.exists()


def test_the_api_issues_a_pass_with_its_code_and_sends_the_link(
    world, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger="anju.sms")
    client = api_client(world.users["resident"])
    body = {
        "house": world.house.pk,
        "visitor_name": "王晓明",
        "visitor_phone": "13812345678",
        "plate": "浙a·8k2m5",
        "valid_from": T0.isoformat(),
        "valid_until": (T0 + timedelta(hours=2)).isoformat(),
        "entries": 1,
    }
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/api/v1/visitor-passes/", body, format="json")
    assert answer.status_code == 201, answer.content
    data = answer.json()
    visitor_pass = VisitorPass.objects.get()
    assert data["id"] == visitor_pass.pk and data["code"] == visitor_pass.code
    assert data["plate"] == "浙A8K2M5" and data["phone_masked"] == "138****5678"
    assert "visitor_phone" not in data
    assert len(visitor_pass.code) == 10 and len(visitor_pass.token) >= 24
    sent = [r.getMessage() for r in caplog.records if "13812345678" in r.getMessage()]
    assert sent and f"/app/v/{visitor_pass.token}/" in sent[0]
    # Staff lists never show the code the resident shares.
    staff = api_client(world.users["guard"]).get("/api/v1/visitor-passes/").json()["results"]
    assert staff[0]["code"] is None and staff[0]["share_url"] is None


def test_window_and_entries_at_their_boundaries(world):
    p = issue(world, entries=2)
    guard = world.users["guard"]
    start, end = p.valid_from, p.valid_until
    assert p.state_at(start - timedelta(microseconds=1)) == PassState.UPCOMING
    with pytest.raises(DomainError) as early:
        services.verify_pass(actor=guard, code=p.code, at=start - timedelta(microseconds=1))
    assert early.value.status == 409 and early.value.code == "not_yet_valid"
    # Exactly at the start: in; the first of two entries.
    services.verify_pass(actor=guard, code=p.code, at=start, gate="东门")
    p.refresh_from_db()
    assert (p.entries_used, p.status) == (1, PassStatus.ACTIVE)
    # One microsecond after the end: expired, even with an entry left.
    with pytest.raises(DomainError) as late:
        services.verify_pass(actor=guard, code=p.code, at=end + timedelta(microseconds=1))
    assert late.value.status == 409 and late.value.code == "expired"
    # Exactly at the end: the last entry, then the pass is used up.
    services.verify_pass(actor=guard, code=p.code.lower(), at=end)
    p.refresh_from_db()
    assert (p.entries_used, p.status) == (2, PassStatus.USED)
    with pytest.raises(DomainError) as used:
        services.verify_pass(actor=guard, code=f"ANJU-VP:{p.code}", at=start)
    assert used.value.code == "used"
    assert VisitorEntry.objects.filter(visitor_pass=p).count() == 2


def test_the_guard_verifies_by_api(world):
    p = issue(world, visitor_phone="13812345678", valid_from=timezone.now() - timedelta(minutes=5))
    guard = api_client(world.users["guard"])
    ok = guard.post(
        "/api/v1/visitor-passes/verify/", {"code": p.qr_text, "gate": "东门"}, format="json"
    )
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["house"]["id"] == world.house.pk and body["house"]["number"] == world.house.number
    assert body["visitor"] == {"name": "王晓明", "phone": "138****5678", "plate": ""}
    assert body["entries_left"] == 1
    entry = VisitorEntry.objects.get()
    assert entry.phone_masked == "138****5678" and entry.gate == "东门"
    assert "13812345678" not in str(VisitorEntry.objects.values().get())
    # The resident who issued it hears the visitor arrived.
    assert Notification.objects.filter(user=world.users["resident"], event="gate.pass.entered")
    guard.post("/api/v1/visitor-passes/verify/", {"code": p.code}, format="json")
    used = guard.post("/api/v1/visitor-passes/verify/", {"code": p.code}, format="json")
    assert used.status_code == 409 and used.json()["error"]["code"] == "used"
    unknown = guard.post("/api/v1/visitor-passes/verify/", {"code": "ZZZZZZZZZZ"}, format="json")
    assert unknown.status_code == 404
    empty = guard.post("/api/v1/visitor-passes/verify/", {"code": ""}, format="json")
    assert empty.status_code == 400
    resident = api_client(world.users["resident"])
    assert (
        resident.post("/api/v1/visitor-passes/verify/", {"code": p.code}, format="json").status_code
        == 403
    )


def test_an_expired_pass_answers_409_expired(world):
    p = issue(
        world,
        valid_from=T0 - timedelta(days=2),
        valid_until=T0 - timedelta(days=1, hours=20),
        now=T0 - timedelta(days=3),
    )
    answer = api_client(world.users["guard"]).post(
        "/api/v1/visitor-passes/verify/", {"code": p.code}, format="json"
    )
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "expired"


def test_a_pass_of_another_community_is_unknown_at_this_gate(world):
    """The guard of community A1 meets a pass of A2 (same company) or of company B: 404, the
    same answer as a made-up code, so the gate learns nothing of other communities."""
    a2 = issue(world, user="resident", house=world.house)
    a2.community = world.community2
    a2.save()
    guard = api_client(world.users["guard"])
    answer = guard.post("/api/v1/visitor-passes/verify/", {"code": a2.code}, format="json")
    assert answer.status_code == 404
    assert VisitorPass.objects.get(pk=a2.pk).entries_used == 0


def test_revoked_pass_is_refused_and_only_the_home_revokes(world):
    p = issue(world, valid_from=timezone.now() - timedelta(minutes=1))
    with pytest.raises(Forbidden):
        services.revoke_pass(actor=world.users["neighbour"], visitor_pass=p)
    services.revoke_pass(actor=world.users["tenant"], visitor_pass=p)
    with pytest.raises(DomainError) as refused:
        services.verify_pass(actor=world.users["guard"], code=p.code)
    assert refused.value.code == "revoked"
    again = api_client(world.users["resident"]).post(f"/api/v1/visitor-passes/{p.pk}/revoke/")
    assert again.status_code == 409 and again.json()["error"]["allowed"] == []


def test_a_plate_on_a_pass_lets_the_car_in(world):
    p = issue(world, plate="浙A8K2M5", entries=1)
    at = p.valid_from
    assert selectors.visitor_pass_for_plate(world.community.pk, "浙A 8K2M5", at) == p
    assert (
        selectors.visitor_pass_for_plate(world.community.pk, "浙A8K2M5", at - timedelta(seconds=1))
        is None
    )
    assert selectors.visitor_pass_for_plate(world.community2.pk, "浙A8K2M5", at) is None
    assert (
        services.use_pass_by_plate(
            actor=None, community_id=world.community.pk, plate="浙a8k2m5", at=at, gate="车库入口"
        )
        == p
    )
    p.refresh_from_db()
    assert p.status == PassStatus.USED
    assert selectors.visitor_pass_for_plate(world.community.pk, "浙A8K2M5", at) is None
    assert (
        services.use_pass_by_plate(
            actor=None, community_id=world.community.pk, plate="浙A8K2M5", at=at
        )
        is None
    )
    assert VisitorEntry.objects.get().gate == "车库入口"


def test_the_shared_page_is_public_and_minimal(world, client):
    p = issue(world, visitor_phone="13812345678")
    page = client.get(f"/app/v/{p.token}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "王晓明" in text and p.code in text and "data:image/svg+xml" in text
    assert world.house.number not in text and "13812345678" not in text
    assert client.get("/app/v/not-a-token/").status_code == 404


def test_walk_in_registered_by_the_guard_and_answered_by_the_resident(world):
    guard, resident = world.users["guard"], world.users["resident"]
    walk_in = services.register_walk_in(
        actor=guard,
        house=world.house,
        visitor_name="快递员",
        visitor_phone="13812345678",
        gate="东门",
    )
    assert walk_in.phone_masked == "138****5678"
    told = Notification.objects.filter(event="gate.walkin.created").values_list("user", flat=True)
    assert set(told) >= {resident.pk, world.users["tenant"].pk}
    with pytest.raises(Forbidden):
        services.answer_walk_in(actor=world.users["neighbour"], walk_in=walk_in, confirm=True)
    with pytest.raises(Forbidden):
        services.register_walk_in(actor=world.users["cleaner"], house=world.house, visitor_name="x")
    client = api_client(resident)
    answer = client.post(f"/api/v1/walk-ins/{walk_in.pk}/answer/", {"confirm": True}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == WalkInStatus.CONFIRMED
    assert VisitorEntry.objects.get().kind == "walk_in"
    assert Notification.objects.filter(user=guard, event="gate.walkin.confirmed").exists()
    again = client.post(f"/api/v1/walk-ins/{walk_in.pk}/answer/", {"confirm": False}, format="json")
    assert again.status_code == 409
    other = api_client(world.users["neighbour"])
    assert (
        other.post(
            f"/api/v1/walk-ins/{walk_in.pk}/answer/", {"confirm": True}, format="json"
        ).status_code
        == 404
    )
    declined = services.register_walk_in(actor=guard, house=world.house, visitor_name="推销员")
    services.answer_walk_in(actor=resident, walk_in=declined, confirm=False)
    assert WalkIn.objects.get(pk=declined.pk).status == WalkInStatus.DECLINED
    assert VisitorEntry.objects.count() == 1


@override_settings(ANJU_VISITOR_RETENTION_DAYS=30)
def test_the_visitor_log_is_deleted_after_the_retention_days(world):
    now = timezone.now()
    p = issue(
        world,
        valid_from=now - timedelta(days=31),
        valid_until=now - timedelta(days=30, seconds=1),
        now=now - timedelta(days=32),
    )
    services.verify_pass(actor=world.users["guard"], code=p.code, at=p.valid_from)
    keep = issue(
        world,
        valid_from=now - timedelta(days=29),
        valid_until=now - timedelta(days=28),
        now=now - timedelta(days=30),
    )
    services.verify_pass(actor=world.users["guard"], code=keep.code, at=keep.valid_from)
    counts = services.purge_visitor_data(now=now)
    assert counts == {"entries": 1, "walk_ins": 0, "passes": 1}
    assert list(VisitorPass.objects.all()) == [keep]
    assert VisitorEntry.objects.get().visitor_pass == keep
    assert services.purge_visitor_data(now=now) == {"entries": 0, "walk_ins": 0, "passes": 0}
