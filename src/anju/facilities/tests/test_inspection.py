"""Inspection rounds: plans per shift, QR check-in timing, statuses, abnormal answer -> one ticket."""

from datetime import date, time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from anju.core.tests import samples
from anju.facilities import services
from anju.facilities.models import InspectionCheckin, InspectionTask

from .conftest import at, tickets_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def rounds(fac, world):
    route = services.create_inspection_route(
        actor=fac.manager,
        community=world.community,
        name="设备房日巡",
        points=[
            {
                "name": "生活水泵房",
                "asset": fac.pump,
                "offset_minutes": 0,
                "tolerance_minutes": 10,
                "checklist": [
                    {"key": "leak", "label": "无漏水"},
                    {
                        "key": "pressure",
                        "label": "出水压力",
                        "type": "number",
                        "min": 0.3,
                        "max": 0.6,
                        "unit": "MPa",
                    },
                ],
            },
            {
                "name": "配电房",
                "place": "2幢地下一层",
                "offset_minutes": 30,
                "tolerance_minutes": 10,
                "checklist": [{"key": "temp", "label": "室温正常"}],
            },
        ],
    )
    plan = services.create_inspection_plan(
        actor=fac.manager,
        route=route,
        shift_name="早班",
        start_time=time(8, 30),
        duration_minutes=90,
        weekdays=[],
        assignee=fac.tech,
    )
    services.generate_inspection_tasks(first_day=date(2026, 11, 26), last_day=date(2026, 11, 27))
    return route, plan, list(route.points.order_by("order"))


def test_tasks_per_shift_idempotent(rounds):
    route, plan, points = rounds
    assert InspectionTask.objects.filter(plan=plan).count() == 2
    services.generate_inspection_tasks(first_day=date(2026, 11, 26), last_day=date(2026, 11, 27))
    assert InspectionTask.objects.filter(plan=plan).count() == 2
    task = InspectionTask.objects.get(plan=plan, day=date(2026, 11, 26))
    assert task.starts_at == at(2026, 11, 26, 8, 30) and task.ends_at == at(2026, 11, 26, 10, 0)


def test_checkin_timing_and_status(rounds, fac, frozen, api):
    route, plan, (pump, power) = rounds
    client = api(fac.tech)
    response = client.post(
        f"/api/v1/inspection-tasks/{InspectionTask.objects.get(day=date(2026, 11, 26)).pk}/checkin/",
        {
            "point": f"ANJU-IP:{pump.qr_token}",
            "answers": {"leak": True, "pressure": "0.45"},
            "latitude": "30.281234",
            "longitude": "120.132456",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["timing"] == "late"  # expected 08:30 ± 10, scanned 09:00
    task = InspectionTask.objects.get(day=date(2026, 11, 26))
    assert task.status == "in_progress"
    frozen.move_to(at(2026, 11, 26, 8, 45))
    checkin = services.check_in(actor=fac.tech, point=power, answers={"temp": True})
    assert checkin.timing == "early"  # expected 09:00 ± 10 minutes
    task.refresh_from_db()
    assert task.status == "done" and task.finished_at is not None


def test_abnormal_answer_opens_one_ticket_with_the_photo(rounds, fac, frozen):
    route, plan, (pump, power) = rounds
    frozen.move_to(at(2026, 11, 26, 8, 32))
    photo = SimpleUploadedFile("leak.jpg", samples.jpeg(), content_type="image/jpeg")
    checkin = services.check_in(
        actor=fac.tech,
        point=pump,
        answers={"leak": False, "pressure": "0.2"},
        photo=photo,
        note="泵体法兰渗水",
    )
    assert checkin.abnormal and checkin.timing == "on_time"
    tickets = tickets_for(checkin)
    assert tickets.count() == 1 and tickets.get().pk == checkin.ticket_id
    ticket = tickets.get()
    assert ticket.category == "water" and "无漏水" in ticket.description
    from django.contrib.contenttypes.models import ContentType

    from anju.core.models import Attachment

    on_ticket = Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(ticket), object_id=str(ticket.pk)
    )
    (photo,) = checkin.attachments.all()  # one stored file, on the check-in and on the ticket
    assert on_ticket.count() == 1 and on_ticket.get().file.name == photo.file.name
    again = services.check_in(
        actor=fac.tech, point=pump, answers={"leak": False, "pressure": "0.2"}
    )
    assert again.pk == checkin.pk and tickets_for(checkin).count() == 1


def test_sweep_marks_missed_and_overdue(rounds, fac, frozen):
    route, plan, (pump, power) = rounds
    frozen.move_to(at(2026, 11, 27, 8, 35))
    services.check_in(actor=fac.tech, point=pump, answers={"leak": True, "pressure": "0.4"})
    frozen.move_to(at(2026, 11, 27, 10, 5))
    assert services.sweep_inspection_tasks() == 2
    assert services.sweep_inspection_tasks() == 0
    yesterday = InspectionTask.objects.get(day=date(2026, 11, 26))
    today = InspectionTask.objects.get(day=date(2026, 11, 27))
    assert yesterday.status == "missed" and today.status == "overdue"
    assert list(
        InspectionCheckin.objects.filter(task=today)
        .order_by("point__order")
        .values_list("timing", flat=True)
    ) == ["on_time", "missed"]


def test_inspection_api_scope(rounds, fac, world, api):
    route, plan, points = rounds
    assert api(fac.guard).get("/api/v1/inspection-routes/").json()["count"] == 1
    assert (
        api(world.users["outsider"]).get(f"/api/v1/inspection-routes/{route.pk}/").status_code
        == 404
    )
    assert api(world.users["resident"]).get("/api/v1/inspection-routes/").status_code == 403
    created = api(fac.manager).post(
        "/api/v1/inspection-routes/",
        {
            "community": world.community.pk,
            "name": "公共区域巡检",
            "points": [
                {"name": "1幢大堂", "place": "1幢大堂", "checklist": [{"label": "地面清洁"}]}
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["points"][0]["qr_text"].startswith("ANJU-IP:")
    no_place = api(fac.manager).post(
        "/api/v1/inspection-routes/",
        {"community": world.community.pk, "name": "x", "points": [{"name": "无处"}]},
        format="json",
    )
    assert no_place.status_code == 400
    assert api(fac.tech).post("/api/v1/inspection-routes/", {}, format="json").status_code == 403
