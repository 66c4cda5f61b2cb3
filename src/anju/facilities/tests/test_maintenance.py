"""Maintenance plans: generation per frequency, legal floors, completion, overdue -> one ticket."""

from datetime import date, timedelta

import pytest

from anju.core.errors import DomainError
from anju.core.tests import samples
from anju.facilities import services
from anju.facilities.models import MaintenancePlan, MaintenanceTask

from .conftest import at, tickets_for

pytestmark = pytest.mark.django_db

CHECKLIST = [
    {"key": "brake", "label": "制动器检查"},
    {"key": "oil", "label": "油位", "type": "number", "min": 2, "max": 8, "unit": "cm"},
]


def plan(fac, **kw):
    data = {
        "community": fac.lift.community,
        "name": "电梯半月保养",
        "category": "elevator",
        "kind": "maintenance",
        "frequency": "every_n_days",
        "interval": 15,
        "starts_on": date(2026, 11, 26),
        "assets": [fac.lift],
        "checklist": CHECKLIST,
        "assignee": fac.tech,
    }
    data.update(kw)
    return services.create_plan(actor=fac.manager, **data)


@pytest.mark.parametrize(
    "frequency,interval,starts,until,expected",
    [
        (
            "every_n_days",
            10,
            date(2026, 11, 20),
            date(2026, 12, 31),
            [date(2026, 11, 30), date(2026, 12, 10), date(2026, 12, 20), date(2026, 12, 30)],
        ),
        (
            "weekly",
            1,
            date(2026, 11, 27),
            date(2026, 12, 20),
            [date(2026, 11, 27), date(2026, 12, 4), date(2026, 12, 11), date(2026, 12, 18)],
        ),
        (
            "monthly",
            1,
            date(2026, 1, 31),
            date(2027, 3, 31),
            [
                date(2026, 11, 30),
                date(2026, 12, 31),
                date(2027, 1, 31),
                date(2027, 2, 28),
                date(2027, 3, 31),
            ],
        ),
        (
            "quarterly",
            1,
            date(2026, 2, 15),
            date(2027, 12, 31),
            [date(2027, 2, 15), date(2027, 5, 15), date(2027, 8, 15), date(2027, 11, 15)],
        ),
        (
            "yearly",
            1,
            date(2024, 2, 29),
            date(2029, 3, 1),
            [date(2027, 2, 28), date(2028, 2, 29), date(2029, 2, 28)],
        ),
    ],
)
def test_generation_for_each_frequency(fac, frequency, interval, starts, until, expected):
    p = plan(
        fac,
        category="water_pump",
        assets=[fac.pump],
        frequency=frequency,
        interval=interval,
        starts_on=starts,
        name=f"水泵{frequency}",
    )
    made = services.generate_tasks(until=until, plans=MaintenancePlan.objects.filter(pk=p.pk))
    dates = list(MaintenanceTask.objects.filter(plan=p).values_list("due_on", flat=True))
    assert dates == expected
    assert made == len(expected)
    # idempotent: a second run adds nothing
    assert services.generate_tasks(until=until, plans=MaintenancePlan.objects.filter(pk=p.pk)) == 0
    assert MaintenanceTask.objects.filter(plan=p).count() == len(expected)


def test_generation_ahead_per_asset_and_assignee(fac):
    p = plan(fac, assets=[fac.lift, fac.lift2])
    services.generate_tasks()  # default horizon: 35 days ahead of 2026-11-26
    tasks = MaintenanceTask.objects.filter(plan=p)
    assert sorted({t.due_on for t in tasks}) == [
        date(2026, 11, 26),
        date(2026, 12, 11),
        date(2026, 12, 26),
    ]
    assert tasks.count() == 6 and {t.assignee_id for t in tasks} == {fac.tech.pk}
    p.refresh_from_db()
    assert p.generated_until == date(2026, 12, 31)


@pytest.mark.parametrize(
    "category,kind,frequency,interval,ok",
    [
        ("elevator", "maintenance", "every_n_days", 15, True),
        ("elevator", "maintenance", "every_n_days", 16, False),
        ("elevator", "maintenance", "weekly", 2, True),
        ("elevator", "maintenance", "monthly", 1, False),
        ("elevator", "self_check", "monthly", 1, True),
        ("elevator", "self_check", "quarterly", 1, False),
        ("fire_system", "full_test", "yearly", 1, True),
        ("fire_system", "full_test", "yearly", 2, False),
        ("water_pump", "maintenance", "yearly", 3, True),  # no legal floor: a setting
    ],
)
def test_legal_floors(fac, world, category, kind, frequency, interval, ok):
    asset = services.create_asset(
        actor=fac.manager, community=world.community, name="x", category=category
    )
    kwargs = {
        "category": category,
        "kind": kind,
        "frequency": frequency,
        "interval": interval,
        "assets": [asset],
    }
    if ok:
        assert plan(fac, **kwargs).pk
    else:
        with pytest.raises(DomainError) as exc:
            plan(fac, **kwargs)
        assert exc.value.code == "legal_floor" and "frequency" in exc.value.fields
        assert "条" in str(exc.value.message)
        assert not MaintenancePlan.objects.filter(category=category, kind=kind).exists()


def test_looser_plan_refused_through_api_with_the_law_cited(fac, api, world):
    client = api(fac.manager)
    body = {
        "community": world.community.pk,
        "name": "电梯月保",
        "category": "elevator",
        "kind": "maintenance",
        "frequency": "monthly",
        "interval": 1,
        "starts_on": "2026-12-01",
        "assets": [fac.lift.pk],
    }
    response = client.post("/api/v1/maintenance-plans/", body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "legal_floor" and "第31条" in error["fields"]["frequency"][0]
    ok = client.post(
        "/api/v1/maintenance-plans/",
        {**body, "frequency": "every_n_days", "interval": 15},
        format="json",
    )
    assert ok.status_code == 201, ok.content
    # tightening is fine, loosening an existing plan is refused too
    pk = ok.json()["id"]
    loosen = client.patch(f"/api/v1/maintenance-plans/{pk}/", {"interval": 20}, format="json")
    assert loosen.status_code == 400 and loosen.json()["error"]["code"] == "legal_floor"
    assert MaintenancePlan.objects.get(pk=pk).interval == 15


def test_complete_with_readings_photos_and_passed_items(fac):
    from django.core.files.uploadedfile import SimpleUploadedFile

    p = plan(fac)
    services.generate_tasks()
    task = MaintenanceTask.objects.filter(plan=p).first()
    photo = SimpleUploadedFile("brake.jpg", samples.jpeg(), content_type="image/jpeg")
    done = services.complete_task(
        task,
        actor=fac.tech,
        answers={"brake": True, "oil": "5"},
        readings={"电流": "12A"},
        photos=[photo],
    )
    assert done.status == "done" and done.result == "passed" and done.ticket_id is None
    assert done.answers["oil"] == {"value": "5", "ok": True}
    from anju.facilities.services.common import attachments_of

    assert len(attachments_of(done)) == 1
    assert not tickets_for(done).exists()
    # completing twice changes nothing
    assert services.complete_task(done, actor=fac.tech, answers={}).result == "passed"


def test_missing_answer_is_refused(fac):
    p = plan(fac)
    services.generate_tasks()
    task = MaintenanceTask.objects.filter(plan=p).first()
    with pytest.raises(DomainError) as exc:
        services.complete_task(task, actor=fac.tech, answers={"brake": True})
    assert "answers" in exc.value.fields
    task.refresh_from_db()
    assert task.status == "scheduled"


def test_failed_item_opens_exactly_one_ticket(fac):
    p = plan(fac)
    services.generate_tasks()
    task = MaintenanceTask.objects.filter(plan=p).first()
    done = services.complete_task(task, actor=fac.tech, answers={"brake": False, "oil": "9"})
    assert done.result == "failed"
    tickets = tickets_for(done)
    assert tickets.count() == 1
    ticket = tickets.get()
    assert ticket.pk == done.ticket_id and ticket.kind == "repair" and ticket.category == "elevator"
    assert "制动器检查" in ticket.description and "油位" in ticket.description


def test_overdue_task_opens_exactly_one_ticket(fac, frozen):
    p = plan(fac, assets=[fac.lift, fac.lift2])
    services.generate_tasks()
    first = MaintenanceTask.objects.filter(plan=p, due_on=date(2026, 11, 26))
    assert services.sweep_overdue_tasks() == 0  # due today is not overdue yet
    frozen.move_to(at(2026, 11, 27, 0, 5))
    assert services.sweep_overdue_tasks() == 2
    assert services.sweep_overdue_tasks() == 0  # and once only
    for task in first:
        assert task.status == "overdue" and task.overdue_at is not None
        assert tickets_for(task).count() == 1
        assert task.ticket_id == tickets_for(task).get().pk
    # the overdue task can still be done late
    late = services.complete_task(first[0], actor=fac.tech, answers={"brake": True, "oil": 3})
    assert late.status == "done"


def test_api_tasks_flow_and_permissions(fac, api, world):
    p = plan(fac)
    services.generate_tasks()
    task = MaintenanceTask.objects.filter(plan=p).first()
    tech = api(fac.tech)
    listing = tech.get("/api/v1/maintenance-tasks/?status=scheduled&mine=1")
    assert listing.status_code == 200 and listing.json()["count"] == 3
    assert (
        tech.post(f"/api/v1/maintenance-tasks/{task.pk}/start/").json()["status"] == "in_progress"
    )
    bad = tech.post(
        f"/api/v1/maintenance-tasks/{task.pk}/complete/",
        {"answers": {"brake": True}},
        format="json",
    )
    assert bad.status_code == 400 and "answers" in bad.json()["error"]["fields"]
    ok = tech.post(
        f"/api/v1/maintenance-tasks/{task.pk}/complete/",
        {"answers": {"brake": True, "oil": 4}, "readings": {"电压": "380V"}},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "done"
    again = tech.post(f"/api/v1/maintenance-tasks/{task.pk}/cancel/")
    assert again.status_code == 403  # technicians do not cancel
    manager = api(fac.manager)
    conflict = manager.post(f"/api/v1/maintenance-tasks/{task.pk}/cancel/")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "invalid_state"
    # other company: 404; resident: 403; guard (no maintenance role): 403
    assert (
        api(world.users["outsider"]).get(f"/api/v1/maintenance-tasks/{task.pk}/").status_code == 404
    )
    assert (
        api(world.users["outsider"]).post(f"/api/v1/maintenance-tasks/{task.pk}/start/").status_code
        == 404
    )
    assert api(world.users["resident"]).get("/api/v1/maintenance-tasks/").status_code == 403
    assert api(fac.guard).get("/api/v1/maintenance-tasks/").status_code == 403
    assert api(fac.tech).post("/api/v1/maintenance-plans/", {}, format="json").status_code == 403


def test_generate_year_via_api(fac, api):
    p = plan(fac, assets=[fac.lift, fac.lift2])
    response = api(fac.manager).post(
        f"/api/v1/maintenance-plans/{p.pk}/generate/", {"until": "2027-11-25"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["created"] == 2 * 25
    assert (
        MaintenanceTask.objects.filter(
            plan=p, due_on__gt=date(2026, 11, 26) + timedelta(days=364)
        ).count()
        == 0
    )


def test_task_list_query_count(fac, api, django_assert_max_num_queries):
    p = plan(fac, assets=[fac.lift, fac.lift2])
    services.generate_tasks(until=date(2027, 6, 1))
    assert MaintenanceTask.objects.filter(plan=p).count() > 20
    client = api(fac.manager)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/maintenance-tasks/")
    assert response.status_code == 200
