"""The guard's desk and the resident's pages, through the Django test client."""

from datetime import timedelta

import pytest
from django.utils import timezone

from anju.gate import services
from anju.gate.choices import PassStatus, WalkInStatus
from anju.gate.models import VisitorPass, WalkIn

pytestmark = pytest.mark.django_db


def test_a_resident_issues_shares_and_revokes_a_pass(world, client):
    client.force_login(world.users["resident"])
    page = client.get("/app/gate/passes/")
    assert page.status_code == 200
    now = timezone.localtime()
    later = now + timedelta(hours=3)
    bad = client.post(
        "/app/gate/passes/",
        {
            "visitor_name": "",
            "from_date": now.date(),
            "from_time": now.strftime("%H:%M"),
            "until_date": later.date(),
            "until_time": later.strftime("%H:%M"),
        },
    )
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    made = client.post(
        "/app/gate/passes/",
        {
            "visitor_name": "王晓明",
            "from_date": now.date().isoformat(),
            "from_time": now.strftime("%H:%M"),
            "until_date": later.date().isoformat(),
            "until_time": later.strftime("%H:%M"),
            "entries": "1",
        },
    )
    visitor_pass = VisitorPass.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/app/gate/passes/{visitor_pass.pk}/"
    detail = client.get(made["Location"]).content.decode()
    assert visitor_pass.code in detail and f"/app/v/{visitor_pass.token}/" in detail
    client.post(made["Location"])
    assert VisitorPass.objects.get().status == PassStatus.REVOKED
    client.force_login(world.users["neighbour"])
    assert client.get(made["Location"]).status_code == 404


def test_the_guard_desk_checks_a_code_and_registers_a_walk_in(world, client):
    visitor_pass = services.issue_pass(
        actor=world.users["resident"],
        house=world.house,
        visitor_name="王晓明",
        visitor_phone="13812345678",
        valid_from=timezone.now() - timedelta(minutes=1),
        valid_until=timezone.now() + timedelta(hours=1),
    )
    client.force_login(world.users["guard"])
    assert client.get("/console/gate/desk/").status_code == 200
    ok = client.post(
        "/console/gate/desk/", {"what": "pass", "code": visitor_pass.qr_text, "gate": "东门"}
    )
    text = ok.content.decode()
    assert 'id="verdict"' in text and "王晓明" in text and world.house.number in text
    assert "13812345678" not in text
    used = client.post(
        "/console/gate/desk/", {"what": "pass", "code": visitor_pass.code}
    ).content.decode()
    assert 'data-code="used"' in used
    made = client.post(
        "/console/gate/walk-ins/new/",
        {"house": world.house.pk, "visitor_name": "快递员", "visitor_phone": "13812345678"},
    )
    walk_in = WalkIn.objects.get()
    assert made.status_code == 302 and walk_in.gate == "东门"
    waiting = client.get(f"/console/gate/walk-ins/{walk_in.pk}/").content.decode()
    assert 'data-status="pending"' in waiting and 'http-equiv="refresh"' in waiting
    # The resident answers on the phone; the guard's page shows it.
    resident = client.__class__()
    resident.force_login(world.users["resident"])
    assert resident.get(f"/app/gate/walk-ins/{walk_in.pk}/").status_code == 200
    resident.post(f"/app/gate/walk-ins/{walk_in.pk}/", {"answer": "confirm"})
    assert WalkIn.objects.get().status == WalkInStatus.CONFIRMED
    assert (
        'data-status="confirmed"'
        in client.get(f"/console/gate/walk-ins/{walk_in.pk}/").content.decode()
    )
    home = resident.get("/app/")
    assert home.status_code == 200


def test_the_managers_lists(world, client):
    client.force_login(world.users["manager"])
    for url in (
        "/console/gate/passes/",
        "/console/gate/visitors/",
        "/console/gate/walk-ins/",
        "/console/gate/doors/",
        "/console/gate/door-openings/",
        "/console/gate/release/",
    ):
        assert client.get(url).status_code == 200, url
    client.force_login(world.users["cleaner"])
    assert client.get("/console/gate/desk/").status_code == 403


def test_the_resident_release_page(world, client):
    client.force_login(world.users["tenant"])
    today = timezone.localdate().isoformat()
    client.post(
        "/app/gate/release/",
        {"what": "apply", "house": world.house.pk, "items": "冰箱一台", "date": today},
    )
    client.force_login(world.users["resident"])
    page = client.get("/app/gate/release/").content.decode()
    assert "冰箱一台" in page
    from anju.gate.models import ReleasePass

    release = ReleasePass.objects.get()
    client.post("/app/gate/release/", {"what": "confirm", "id": release.pk})
    assert ReleasePass.objects.get().status == "approved"
