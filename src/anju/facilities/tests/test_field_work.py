"""The field staff's phone pages: what each role lands on and sees first, what a bad code says,
what a refused check-in keeps, who may be given which round, and the workbench card that counts
missed checkpoints opening exactly the rows it counts."""

from datetime import date, time, timedelta

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from anju.core.choices import Role
from anju.core.errors import DomainError
from anju.facilities import selectors, services
from anju.facilities.models import InspectionCheckin, PatrolAlert

from .conftest import at

pytestmark = pytest.mark.django_db

FIELD = "/console/facilities/m/"


def route_with_points(fac, world, kind="equipment", name="设备房日巡"):
    return services.create_inspection_route(
        actor=fac.manager,
        community=world.community,
        name=name,
        kind=kind,
        points=[
            {
                "name": "生活水泵房",
                "place": "地下泵房",
                "offset_minutes": 0,
                "tolerance_minutes": 30,
                "checklist": [
                    {"key": "leak", "label": "无漏水"},
                    {"key": "pressure", "label": "出水压力", "type": "number", "unit": "MPa"},
                ],
            },
            {
                "name": "配电房",
                "place": "2幢地下一层",
                "offset_minutes": 30,
                "checklist": [{"key": "temp", "label": "室温"}],
            },
        ],
    )


@pytest.fixture
def round_today(fac, world):
    route = route_with_points(fac, world)
    services.create_inspection_plan(
        actor=fac.manager,
        route=route,
        shift_name="早班",
        start_time=time(8, 30),
        duration_minutes=120,
        assignee=fac.tech,
    )
    services.generate_inspection_tasks(first_day=date(2026, 11, 26), last_day=date(2026, 11, 26))
    return route, None


def inspection_task(route):
    from anju.facilities.models import InspectionTask

    return InspectionTask.objects.get(route=route, day=date(2026, 11, 26))


# Who may be given which round ----------------------------------------------------------------


def test_rounds_go_only_to_staff_whose_role_fits(fac, world, frozen):
    equipment = route_with_points(fac, world)
    with pytest.raises(DomainError) as refused:
        services.create_inspection_plan(
            actor=fac.manager,
            route=equipment,
            shift_name="早班",
            start_time=time(8, 30),
            assignee=world.users["cleaner"],
        )
    assert "assignee" in refused.value.fields
    message = str(refused.value.fields["assignee"][0])
    assert "设备巡检" in message and "维修工" in message or "Technician" in message
    cleaning = route_with_points(fac, world, kind="cleaning", name="公共区域保洁")
    plan = services.create_inspection_plan(
        actor=fac.manager,
        route=cleaning,
        shift_name="上午",
        start_time=time(9, 0),
        assignee=world.users["cleaner"],
    )
    assert plan.assignee == world.users["cleaner"]
    with pytest.raises(DomainError):
        services.create_inspection_plan(
            actor=fac.manager,
            route=cleaning,
            shift_name="下午",
            start_time=time(15, 0),
            assignee=fac.tech,
        )


def test_patrol_shifts_go_only_to_guards(fac, world, frozen):
    route = services.create_patrol_route(
        actor=fac.manager,
        community=world.community,
        name="外围巡更",
        checkpoints=[{"name": "东门", "opens_after_minutes": 0, "closes_after_minutes": 30}],
    )
    with pytest.raises(DomainError) as refused:
        services.create_shift(
            actor=fac.manager,
            route=route,
            guard=world.users["cleaner"],
            starts_at=at(2026, 11, 26, 22, 0),
            ends_at=at(2026, 11, 27, 0, 0),
        )
    assert "guard" in refused.value.fields


def test_plan_api_refuses_a_cleaner_on_the_equipment_round(fac, world, frozen, api):
    route = route_with_points(fac, world)
    answer = api(fac.manager).post(
        "/api/v1/inspection-plans/",
        {
            "route": route.pk,
            "shift_name": "早班",
            "start_time": "08:30",
            "assignee": world.users["cleaner"].pk,
        },
        format="json",
    )
    assert answer.status_code == 400, answer.content
    assert "assignee" in answer.json()["error"]["fields"]


def test_demo_gives_the_equipment_round_to_a_technician():
    from pathlib import Path

    from anju.facilities import demo

    source = Path(demo.__file__).read_text(encoding="utf-8")
    assert '_inspection(ctx, community, assets, manager, staff["tech"])' in source
    assert 'kind="cleaning"' in source


# Codes that name nothing ---------------------------------------------------------------------


def test_unknown_checkpoint_is_named_in_words(fac, world, frozen, api):
    answer = api(fac.guard).post(
        "/api/v1/checkins/",
        {"checkpoint": "ANJU-CP:nope", "scanned_at": "2026-11-26T08:00:00+08:00"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert answer.status_code == 404
    error = answer.json()["error"]
    assert error["code"] == "not_found" and "checkpoint" in error["fields"]
    assert error["message"] == "没有这个巡更点，请检查二维码或手工输入编号。"
    assert "checkpoint：" not in error["message"] and "checkpoint:" not in error["message"]


def test_inspection_refusal_keeps_the_answers_and_says_what_to_do(
    fac, world, frozen, client, round_today
):
    route, _ = round_today
    task = inspection_task(route)
    first = route.points.order_by("order").first()
    client.force_login(fac.tech)
    url = reverse("console:facilities-field-round", args=[task.pk])
    answer = client.post(
        url,
        {
            "expected": first.pk,
            "code": "ANJU-IP:wrong",
            "item-leak": "fail",
            "item-pressure": "0.25",
            "note": "泵体法兰渗水",
        },
    )
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "没有这个巡检点，请检查二维码或手工输入编号。" in html
    assert 'value="ANJU-IP:wrong"' in html
    assert 'value="0.25"' in html and 'value="泵体法兰渗水"' in html
    assert 'value="fail" checked' in html
    assert not InspectionCheckin.objects.exists()
    # the right code goes through
    done = client.post(
        url,
        {
            "expected": first.pk,
            "code": f"ANJU-IP:{first.qr_token}",
            "item-leak": "ok",
            "item-pressure": "0.4",
        },
    )
    assert done.status_code == 302, done.content.decode()[-3000:]
    assert InspectionCheckin.objects.filter(point=first).exists()


def test_a_code_of_another_point_is_refused_on_the_form_that_was_filled(
    fac, world, frozen, client, round_today
):
    route, _ = round_today
    task = inspection_task(route)
    first, second = route.points.order_by("order")
    client.force_login(fac.tech)
    answer = client.post(
        reverse("console:facilities-field-round", args=[task.pk]),
        {"expected": first.pk, "code": f"ANJU-IP:{second.qr_token}", "item-leak": "ok"},
    )
    assert answer.status_code == 400
    assert "配电房" in answer.content.decode()
    assert not InspectionCheckin.objects.exists()


def test_asset_code_typed_or_scanned_opens_the_asset(fac, world, frozen, client):
    client.force_login(fac.tech)
    find = reverse("console:facilities-field-asset-find")
    for code in ("DT-01", "dt-01", f"/app/facilities/a/{fac.lift.qr_token}/", str(fac.lift.pk)):
        answer = client.get(find, {"code": code})
        assert answer.status_code == 302, code
        assert answer["Location"] == reverse("console:facilities-field-asset", args=[fac.lift.pk])
    missing = client.get(find, {"code": "XX-99"})
    assert missing.status_code == 200
    html = missing.content.decode()
    assert "没有这个设备，请检查二维码或手工输入设备编号。" in html
    assert 'value="XX-99"' in html
    # another company's asset is not found either
    other = client.get(find, {"code": fac.other.qr_token})
    assert other.status_code == 200 and "没有这个设备" in other.content.decode()


# Role homes ----------------------------------------------------------------------------------


def test_role_homes_and_everyday_work_are_declared():
    config = django_apps.get_app_config("facilities")
    assert config.role_homes[Role.TECHNICIAN] == "console:facilities-field"
    assert config.role_homes[Role.CLEANER] == "console:facilities-field"
    assert config.role_homes[Role.GUARD] == "console:facilities-field-patrol"
    nav = {entry[1] for entry in config.console_nav}
    for role in (Role.TECHNICIAN, Role.GUARD, Role.CLEANER, Role.MANAGER):
        assert config.role_work[role] and set(config.role_work[role]) <= nav
    for name in config.role_homes.values():
        reverse(name)


def test_technician_home_lists_tickets_and_maintenance_by_due_time(fac, world, frozen, client):
    from anju.servicedesk import services as desk

    plan = services.create_plan(
        actor=fac.manager,
        community=world.community,
        name="电梯半月维保",
        category="elevator",
        kind="maintenance",
        frequency="every_n_days",
        interval=15,
        starts_on=date(2026, 11, 27),
        assets=[fac.lift],
        assignee=fac.tech,
    )
    services.generate_tasks(until=date(2026, 12, 31), plans=type(plan).objects.filter(pk=plan.pk))
    ticket = desk.open_ticket(
        actor=world.users["agent"],
        community=world.community,
        kind="repair",
        category="water",
        title="厨房水管漏水",
        description="厨房水管漏水",
        house=world.house,
    )
    desk.assign(actor=world.users["agent"], ticket=ticket, assignee=fac.tech)
    client.force_login(fac.tech)
    html = client.get(FIELD).content.decode()
    assert "厨房水管漏水" in html and "电梯半月维保" in html
    assert reverse("console:ticket-my-task", args=[ticket.pk]) in html
    task = plan.tasks.order_by("due_on").first()
    assert reverse("console:facilities-field-task", args=[task.pk]) in html
    # the ticket is due within hours, the maintenance tomorrow: the ticket comes first
    assert html.index("厨房水管漏水") < html.index("电梯半月维保")
    rows = selectors.my_work(fac.tech)
    dues = [r["due"] for r in rows]
    assert dues == sorted(dues)
    assert {r["kind"] for r in rows} == {"ticket", "task"}


def test_guard_home_and_patrol_page_show_the_current_shift(fac, world, frozen, client):
    route = services.create_patrol_route(
        actor=fac.manager,
        community=world.community,
        name="外围巡更",
        checkpoints=[
            {"name": "东门岗亭", "opens_after_minutes": 0, "closes_after_minutes": 30},
            {"name": "北门", "opens_after_minutes": 30, "closes_after_minutes": 60},
        ],
    )
    services.create_shift(
        actor=fac.manager,
        route=route,
        guard=fac.guard,
        name="白班",
        starts_at=at(2026, 11, 26, 8, 50),
        ends_at=at(2026, 11, 26, 10, 0),
    )
    client.force_login(fac.guard)
    for url in (FIELD, reverse("console:facilities-field-patrol")):
        html = client.get(url).content.decode()
        assert "外围巡更" in html and "东门岗亭" in html
        assert "08:50–09:20" in html  # the next checkpoint's window, local time
        assert "0/2" in html and "data-queue-count" in html
        assert "2026-11-26T" not in html  # no ISO strings


def test_cleaner_home_lists_todays_round_and_its_points(fac, world, frozen, client):
    route = route_with_points(fac, world, kind="cleaning", name="公共区域保洁")
    services.create_inspection_plan(
        actor=fac.manager,
        route=route,
        shift_name="上午",
        start_time=time(9, 0),
        assignee=world.users["cleaner"],
    )
    services.generate_inspection_tasks(first_day=date(2026, 11, 26), last_day=date(2026, 11, 26))
    client.force_login(world.users["cleaner"])
    html = client.get(FIELD).content.decode()
    assert "公共区域保洁" in html and "生活水泵房" in html and "配电房" in html
    assert reverse("console:facilities-field-round", args=[inspection_task(route).pk]) in html
    # no tab to a page the cleaner may not open
    assert reverse("console:facilities-field-patrol") not in html


# The missed-checkpoint card ------------------------------------------------------------------


def test_missed_checkpoint_card_counts_the_rows_its_list_shows(fac, world, frozen, client):
    from django.test import RequestFactory

    route = services.create_patrol_route(
        actor=fac.manager,
        community=world.community,
        name="外围巡更",
        checkpoints=[
            {"name": "东门岗亭", "opens_after_minutes": 0, "closes_after_minutes": 10},
            {"name": "北门", "opens_after_minutes": 0, "closes_after_minutes": 20},
        ],
    )
    services.create_shift(
        actor=fac.manager,
        route=route,
        guard=fac.guard,
        starts_at=at(2026, 11, 26, 6, 0),
        ends_at=at(2026, 11, 26, 8, 0),
    )
    services.sweep_patrols()
    old = PatrolAlert.objects.first()
    PatrolAlert.objects.filter(pk=old.pk).update(raised_at=at(2026, 11, 24, 6, 0))  # > 24 h
    request = RequestFactory().get("/console/")
    request.user, request.community_id = fac.manager, None
    config = django_apps.get_app_config("facilities")
    card = next(c for c in config.dashboard_cards(request) if "link" in c and "patrol" in c["link"])
    assert card["value"] == 1
    client.force_login(fac.manager)
    html = client.get(card["link"]).content.decode()
    assert html.count("<tr") - 1 == card["value"]  # header row + the counted rows
    assert selectors.patrol_alerts().count() == 1
    assert timedelta(hours=24) == selectors.MISSED_WINDOW
