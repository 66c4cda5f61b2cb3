"""Console and phone pages render for the people who use them, scoped, with the one-tap QR report."""

from datetime import date

import pytest

from anju.facilities import services

from .conftest import at, tickets_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(fac, world):
    m = fac.manager
    services.add_certificate(
        actor=m,
        asset=fac.lift,
        kind="periodic_inspection",
        number="J-1",
        expires_on=date(2026, 12, 20),
    )
    plan = services.create_plan(
        actor=m,
        community=world.community,
        name="电梯半月保养",
        category="elevator",
        frequency="every_n_days",
        interval=15,
        starts_on=date(2026, 11, 1),
        assets=[fac.lift],
        checklist=[{"label": "制动器"}],
        assignee=fac.tech,
    )
    services.generate_tasks()
    route = services.create_patrol_route(
        actor=m,
        community=world.community,
        name="外围巡更",
        checkpoints=[
            {"name": "东门", "opens_after_minutes": 0, "closes_after_minutes": 20},
            {"name": "北门", "opens_after_minutes": 20, "closes_after_minutes": 40},
        ],
    )
    shift = services.create_shift(
        actor=m,
        route=route,
        guard=fac.guard,
        name="早班",
        starts_at=at(2026, 11, 26, 8, 0),
        ends_at=at(2026, 11, 26, 10, 0),
    )
    services.sweep_patrols()
    hazard = services.report_hazard(
        actor=fac.guard,
        community=world.community,
        category="fire",
        place="3幢楼道",
        description="堆物",
        responsible=fac.tech,
    )
    incident = services.open_incident(
        actor=fac.guard,
        community=world.community,
        kind="fire",
        place="车库",
        description="电动车楼道充电",
    )
    drill = services.plan_drill(
        actor=m,
        community=world.community,
        kind="fire_drill",
        title="消防演练",
        planned_at=at(2026, 12, 5, 14, 0),
    )
    return plan, route, shift, hazard, incident, drill


def test_console_pages_render(client, world, story, fac):
    plan, route, shift, hazard, incident, drill = story
    client.force_login(fac.manager)
    urls = [
        "/console/facilities/",
        "/console/facilities/assets/",
        f"/console/facilities/assets/{fac.lift.pk}/",
        "/console/facilities/assets/new/",
        "/console/facilities/plans/",
        f"/console/facilities/plans/{plan.pk}/",
        "/console/facilities/plans/new/",
        "/console/facilities/tasks/",
        "/console/facilities/patrol-shifts/",
        f"/console/facilities/patrol-shifts/{shift.pk}/",
        "/console/facilities/patrol-shifts/new/",
        "/console/facilities/patrol-routes/",
        f"/console/facilities/patrol-routes/{route.pk}/",
        "/console/facilities/patrol-compliance/",
        "/console/facilities/hazards/",
        f"/console/facilities/hazards/{hazard.pk}/",
        "/console/facilities/hazards/new/",
        "/console/facilities/incidents/",
        f"/console/facilities/incidents/{incident.pk}/",
        "/console/facilities/incidents/new/",
        "/console/facilities/drills/",
        f"/console/facilities/drills/{drill.pk}/",
        "/console/facilities/drills/new/",
        "/console/facilities/fire-equipment/",
        "/console/facilities/inspection-routes/",
        "/console/facilities/inspection-rounds/",
        "/console/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    dashboard = client.get("/console/facilities/").content.decode()
    assert "东门" in dashboard  # the missed checkpoint
    assert "DT-01" in dashboard  # certificate expiring
    labels = client.get("/console/facilities/assets/labels.pdf")
    assert labels.status_code == 200 and labels.content.startswith(b"%PDF")
    assert client.get(
        f"/console/facilities/routes/patrol/{route.pk}/labels.pdf"
    ).content.startswith(b"%PDF")
    assert (
        client.get(f"/console/facilities/assets/{fac.lift.pk}/label.svg")["Content-Type"]
        == "image/svg+xml"
    )


def test_pages_are_scoped(client, world, story, fac):
    plan, route, shift, hazard, incident, drill = story
    client.force_login(world.users["outsider"])
    for url in [
        f"/console/facilities/assets/{fac.lift.pk}/",
        f"/console/facilities/hazards/{hazard.pk}/",
        f"/console/facilities/patrol-shifts/{shift.pk}/",
        f"/console/facilities/m/tasks/{plan.tasks.first().pk}/",
    ]:
        assert client.get(url).status_code == 404, url
    assert "东门" not in client.get("/console/facilities/").content.decode()
    client.force_login(world.users["cashier"])
    assert client.get("/console/facilities/").status_code == 403


def test_field_pages_for_technician_and_guard(client, world, story, fac):
    plan, route, shift, hazard, incident, drill = story
    client.force_login(fac.tech)
    home = client.get("/console/facilities/m/").content.decode()
    assert "1幢1单元客梯" in home
    task = plan.tasks.order_by("due_on").first()
    response = client.post(
        f"/console/facilities/m/tasks/{task.pk}/", {"item-i1": "fail", "notes": "制动器磨损"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.result == "failed" and tickets_for(task).count() == 1
    client.force_login(fac.guard)
    page = client.get("/console/facilities/m/patrol/").content.decode()
    assert "外围巡更" in page and "scan-code" in page
    assert (
        client.post(
            "/console/facilities/m/hazards/new/",
            {"category": "traffic", "severity": "low", "place": "南门", "description": "路灯不亮"},
        ).status_code
        == 302
    )


def test_scanning_an_asset_label(client, world, fac):
    url = f"/app/facilities/a/{fac.lift.qr_token}/"
    assert client.get(url).status_code == 302  # log in first
    client.force_login(fac.guard)
    assert client.get(url)["Location"] == f"/console/facilities/m/assets/{fac.lift.pk}/"
    assert client.get(f"/console/facilities/m/assets/{fac.lift.pk}/").status_code == 200
    client.force_login(world.users["resident"])
    assert client.get(url).status_code == 200
    assert client.post(url, {"description": "电梯门关不上"}).status_code == 302
    ticket = tickets_for(fac.lift).get()
    assert ticket.reporter_id == world.people["owner"].pk and ticket.channel == "portal"
    client.force_login(world.users["stranger"])
    assert client.get(url).status_code == 404


def test_periodic_jobs_are_idempotent(story, fac, frozen):
    from anju.facilities import tasks
    from anju.facilities.models import MaintenanceTask, PatrolAlert

    frozen.move_to(at(2026, 12, 3, 9, 0))  # the 12-01 lift maintenance is not done
    first = tasks.maintenance_sweep()
    assert first["overdue"] >= 1
    assert tasks.maintenance_sweep() == {
        "generated": 0,
        "overdue": 0,
        "hazards": 0,
        "certificates": 0,
    }
    alerts = PatrolAlert.objects.count()
    tasks.patrol_sweep()
    tasks.patrol_sweep()
    assert PatrolAlert.objects.count() == alerts
    assert MaintenanceTask.objects.filter(status="overdue").count() == first["overdue"]
    tasks.inspection_sweep()
