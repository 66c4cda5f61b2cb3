"""Security patrols: alerts fire once and only once, off-line scans land in the right shift,
compliance per guard, route and shift; the /checkins/ contract."""

from datetime import timedelta

import pytest

from anju.core.models import Notification
from anju.facilities import services
from anju.facilities.models import PatrolAlert, PatrolScan, PatrolShift

from .conftest import at, tickets_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def route(fac, world):
    return services.create_patrol_route(
        actor=fac.manager,
        community=world.community,
        name="夜间外围巡更",
        idle_minutes=40,
        checkpoints=[
            {"name": "东门", "opens_after_minutes": 0, "closes_after_minutes": 30},
            {"name": "地下车库", "opens_after_minutes": 30, "closes_after_minutes": 60},
            {"name": "北门", "opens_after_minutes": 60, "closes_after_minutes": 90},
        ],
    )


@pytest.fixture
def shifts(route, fac):
    night = services.create_shift(
        actor=fac.manager,
        route=route,
        guard=fac.guard,
        name="夜班",
        starts_at=at(2026, 11, 26, 22, 0),
        ends_at=at(2026, 11, 27, 0, 0),
    )
    early = services.create_shift(
        actor=fac.manager,
        route=route,
        guard=fac.guard,
        name="凌晨班",
        starts_at=at(2026, 11, 27, 0, 0),
        ends_at=at(2026, 11, 27, 2, 0),
    )
    return night, early


def cps(route):
    return list(route.checkpoints.order_by("order"))


def manager_alerts(world):
    return Notification.objects.filter(user=world.users["manager"])


def test_missed_checkpoint_alerts_once_and_only_once(route, shifts, fac, world, frozen):
    night, _ = shifts
    east, garage, north = cps(route)
    frozen.move_to(at(2026, 11, 26, 22, 10))
    services.record_scan(actor=fac.guard, checkpoint=east, scanned_at=at(2026, 11, 26, 22, 10))
    frozen.move_to(at(2026, 11, 26, 22, 59))
    missed = lambda alerts: [a for a in alerts if a.kind == "missed_checkpoint"]  # noqa: E731
    assert missed(services.sweep_patrols()) == []  # the garage window is still open
    frozen.move_to(at(2026, 11, 26, 23, 1))
    raised = missed(services.sweep_patrols())
    assert [(a.kind, a.checkpoint_id) for a in raised] == [("missed_checkpoint", garage.pk)]
    assert manager_alerts(world).filter(title__contains="地下车库").count() == 1
    for minute in range(2, 6):
        frozen.move_to(at(2026, 11, 26, 23, minute))
        assert [a.kind for a in services.sweep_patrols() if a.kind == "missed_checkpoint"] == []
    assert PatrolAlert.objects.filter(kind="missed_checkpoint").count() == 1
    assert manager_alerts(world).filter(title__contains="地下车库").count() == 1
    alert = PatrolAlert.objects.get(kind="missed_checkpoint")
    assert tickets_for(alert).count() == 1 and alert.ticket_id == tickets_for(alert).get().pk
    assert tickets_for(alert).get().category == "security"
    night.refresh_from_db()
    assert night.missed_count == 1
    # a manager not of this community hears nothing
    assert not Notification.objects.filter(user=world.users["manager2"]).exists()


def test_idle_gap_alerts_once_per_gap(route, shifts, fac, world, frozen):
    east, garage, north = cps(route)
    frozen.move_to(at(2026, 11, 26, 22, 5))
    services.record_scan(actor=fac.guard, checkpoint=east, scanned_at=at(2026, 11, 26, 22, 5))
    frozen.move_to(at(2026, 11, 26, 22, 44))
    assert [a for a in services.sweep_patrols() if a.kind == "idle_gap"] == []
    frozen.move_to(at(2026, 11, 26, 22, 46))
    gaps = [a for a in services.sweep_patrols() if a.kind == "idle_gap"]
    assert len(gaps) == 1 and gaps[0].gap_since == at(2026, 11, 26, 22, 5)
    frozen.move_to(at(2026, 11, 26, 22, 50))
    assert [a for a in services.sweep_patrols() if a.kind == "idle_gap"] == []
    assert manager_alerts(world).filter(title__contains="40").count() == 1
    # the guard scans again, then sleeps: a new gap, a new single alert
    services.record_scan(actor=fac.guard, checkpoint=garage, scanned_at=at(2026, 11, 26, 22, 50))
    frozen.move_to(at(2026, 11, 26, 23, 31))
    assert len([a for a in services.sweep_patrols() if a.kind == "idle_gap"]) == 1
    frozen.move_to(at(2026, 11, 26, 23, 40))
    assert [a for a in services.sweep_patrols() if a.kind == "idle_gap"] == []
    assert PatrolAlert.objects.filter(kind="idle_gap").count() == 2


def test_offline_scans_land_in_the_right_shift(route, shifts, fac, frozen, api):
    night, early = shifts
    east, garage, north = cps(route)
    # The phone was off-line all night; scans are sent at 02:30 with their original times.
    frozen.move_to(at(2026, 11, 27, 2, 30))
    client = api(fac.guard)
    sent = [
        (east, at(2026, 11, 26, 22, 12)),
        (garage, at(2026, 11, 26, 22, 40)),
        (north, at(2026, 11, 26, 23, 5)),
        (east, at(2026, 11, 27, 0, 20)),
        (garage, at(2026, 11, 27, 1, 15)),
    ]
    for i, (cp, when) in enumerate(sent):
        response = client.post(
            "/api/v1/checkins/",
            {
                "checkpoint": cp.qr_text,
                "scanned_at": when.isoformat(),
                "by": fac.guard.pk,
                "client_id": f"phone-1-{i}",
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        assert response.json()["offline"] is True
    # re-sending the queue stores nothing twice
    again = client.post(
        "/api/v1/checkins/",
        {
            "checkpoint": east.pk,
            "scanned_at": sent[0][1].isoformat(),
            "by": fac.guard.pk,
            "client_id": "phone-1-0",
        },
        format="json",
    )
    assert again.status_code == 200
    assert PatrolScan.objects.count() == 5
    assert set(PatrolScan.objects.filter(shift=night).values_list("checkpoint_id", flat=True)) == {
        east.pk,
        garage.pk,
        north.pk,
    }
    assert list(PatrolScan.objects.filter(shift=early).values_list("timing", flat=True)) == [
        "on_time",
        "late",
    ]
    night.refresh_from_db()
    early.refresh_from_db()
    assert (night.on_time_count, night.expected_count, night.compliance) == (3, 3, 100.0)
    assert (early.on_time_count, early.compliance) == (1, 33.3)


def test_late_offline_scan_clears_a_missed_alert(route, shifts, fac, frozen):
    night, _ = shifts
    east, garage, north = cps(route)
    frozen.move_to(at(2026, 11, 26, 22, 31))
    alerts = services.sweep_patrols()
    assert [(a.kind, a.checkpoint_id) for a in alerts] == [("missed_checkpoint", east.pk)]
    frozen.move_to(at(2026, 11, 26, 22, 40))
    scan = services.record_scan(
        actor=fac.guard, checkpoint=east, scanned_at=at(2026, 11, 26, 22, 20)
    )
    assert scan.offline and scan.counted and scan.shift_id == night.pk
    alert = PatrolAlert.objects.get(kind="missed_checkpoint")
    assert alert.cleared_at is not None
    night.refresh_from_db()
    assert night.missed_count == 0 and night.on_time_count == 1
    frozen.move_to(at(2026, 11, 26, 22, 41))
    assert [a for a in services.sweep_patrols() if a.kind == "missed_checkpoint"] == []


def test_scan_rules(route, shifts, fac, world, frozen, api):
    east = cps(route)[0]
    client = api(fac.guard)
    future = client.post(
        "/api/v1/checkins/",
        {"checkpoint": east.pk, "scanned_at": "2026-11-26T10:00:00+08:00"},
        format="json",
    )
    assert future.status_code == 400 and "scanned_at" in future.json()["error"]["fields"]
    no_shift = client.post(
        "/api/v1/checkins/",
        {"checkpoint": east.pk, "scanned_at": "2026-11-26T08:00:00+08:00"},
        format="json",
    )
    assert no_shift.status_code == 400 and "scanned_at" in no_shift.json()["error"]["fields"]
    unknown = client.post(
        "/api/v1/checkins/",
        {"checkpoint": "ANJU-CP:nope", "scanned_at": "2026-11-26T08:00:00+08:00"},
        format="json",
    )
    assert unknown.status_code == 404 and "checkpoint" in unknown.json()["error"]["fields"]
    # a guard cannot scan for someone else; another company cannot see the checkpoint
    other = client.post(
        "/api/v1/checkins/",
        {
            "checkpoint": east.pk,
            "scanned_at": "2026-11-26T08:00:00+08:00",
            "by": world.users["cleaner"].pk,
        },
        format="json",
    )
    assert other.status_code == 400 and "by" in other.json()["error"]["fields"]
    outsider = api(world.users["outsider"]).post(
        "/api/v1/checkins/",
        {"checkpoint": east.pk, "scanned_at": "2026-11-26T08:00:00+08:00"},
        format="json",
    )
    assert outsider.status_code == 404
    assert (
        api(world.users["resident"]).post("/api/v1/checkins/", {}, format="json").status_code == 403
    )
    assert api(fac.tech).post("/api/v1/checkins/", {}, format="json").status_code == 403


def test_compliance_per_guard_route_and_shift(route, shifts, fac, frozen, api, world):
    night, early = shifts
    east, garage, north = cps(route)
    frozen.move_to(at(2026, 11, 27, 3, 0))
    for cp, when in [
        (east, at(2026, 11, 26, 22, 5)),
        (garage, at(2026, 11, 26, 22, 45)),
        (east, at(2026, 11, 27, 0, 10)),
    ]:
        services.record_scan(actor=fac.guard, checkpoint=cp, scanned_at=when)
    services.sweep_patrols()
    client = api(fac.manager)
    by_guard = client.get("/api/v1/patrol-shifts/compliance/?group_by=guard").json()["rows"]
    assert len(by_guard) == 1 and by_guard[0]["expected"] == 6 and by_guard[0]["on_time"] == 3
    assert by_guard[0]["rate"] == 50.0 and by_guard[0]["missed"] == 3
    by_shift = {
        r["name"]: r["rate"]
        for r in client.get("/api/v1/patrol-shifts/compliance/?group_by=shift").json()["rows"]
    }
    assert by_shift == {"夜班": 66.7, "凌晨班": 33.3}
    by_route = client.get(
        "/api/v1/patrol-shifts/compliance/?group_by=route&since=2026-11-27"
    ).json()["rows"]
    assert by_route[0]["rate"] == 33.3
    assert (
        api(world.users["outsider"]).get("/api/v1/patrol-shifts/compliance/").json()["rows"] == []
    )
    assert PatrolShift.objects.filter(status="finished").count() == 2


def test_progress_and_shift_api(route, fac, world, api, frozen):
    client = api(fac.manager)
    created = client.post(
        "/api/v1/patrol-shifts/",
        {
            "route": route.pk,
            "guard": fac.guard.pk,
            "name": "白班",
            "starts_at": "2026-11-26T08:20:00+08:00",
            "ends_at": "2026-11-26T10:30:00+08:00",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    shift_id = created.json()["id"]
    not_guard = client.post(
        "/api/v1/patrol-shifts/",
        {
            "route": route.pk,
            "guard": fac.tech.pk,
            "starts_at": "2026-11-26T08:30:00+08:00",
            "ends_at": "2026-11-26T10:30:00+08:00",
        },
        format="json",
    )
    assert not_guard.status_code == 400 and "guard" in not_guard.json()["error"]["fields"]
    guard = api(fac.guard)
    assert guard.post("/api/v1/patrol-shifts/", {}, format="json").status_code == 403
    progress = guard.get(f"/api/v1/patrol-shifts/{shift_id}/progress/").json()
    assert [p["state"] for p in progress["checkpoints"]] == ["missed", "open", "waiting"]
    assert progress["next"] == cps(route)[1].pk
    assert api(world.users["outsider"]).get(f"/api/v1/patrol-shifts/{shift_id}/").status_code == 404
    routes = guard.get("/api/v1/patrol-routes/").json()
    assert routes["count"] == 1 and len(routes["results"][0]["checkpoints"]) == 3


def test_patrol_route_api(fac, world, api):
    client = api(fac.manager)
    response = client.post(
        "/api/v1/patrol-routes/",
        {
            "community": world.community.pk,
            "name": "地库巡更",
            "idle_minutes": 30,
            "checkpoints": [
                {"name": "B1-东", "opens_after_minutes": 0, "closes_after_minutes": 20},
                {"name": "B1-西", "opens_after_minutes": 20, "closes_after_minutes": 40},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [c["name"] for c in body["checkpoints"]] == ["B1-东", "B1-西"]
    assert body["checkpoints"][0]["qr_text"].startswith("ANJU-CP:")
    bad = client.post(
        "/api/v1/patrol-routes/",
        {
            "community": world.community.pk,
            "name": "x",
            "checkpoints": [{"name": "A", "opens_after_minutes": 30, "closes_after_minutes": 10}],
        },
        format="json",
    )
    assert bad.status_code == 400
    assert (
        api(world.users["outsider"])
        .post(
            "/api/v1/patrol-routes/", {"community": world.community.pk, "name": "x"}, format="json"
        )
        .status_code
        == 404
    )


def test_shift_window_uses_scan_time_not_receipt(route, shifts, fac, frozen):
    """A scan made at 23:59:30 but received at 00:01 belongs to the night shift."""
    night, early = shifts
    frozen.move_to(at(2026, 11, 27, 0, 1))
    scan = services.record_scan(
        actor=fac.guard, checkpoint=cps(route)[2], scanned_at=at(2026, 11, 26, 23, 59, 30)
    )
    assert scan.shift_id == night.pk and scan.timing == "late" and not scan.offline
    assert scan.received_at - scan.scanned_at == timedelta(seconds=90)
