"""员工绩效 and 员工考核: measures per person from the apps' records, scoped to the manager's
communities; monthly evaluations recorded, revised until acknowledged, read by the person."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from anju.core.errors import DomainError, Forbidden, InvalidTransition
from anju.core.models import Notification
from anju.core.testing import PASSWORD
from anju.servicedesk import services as desk
from anju.staff import selectors, services
from anju.staff.models import Evaluation

pytestmark = pytest.mark.django_db


def _client(username):
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _resolved_by(world, who, n):
    tech = world.users[who]
    for _ in range(n):
        ticket = desk.open_ticket(
            actor=world.users["agent"],
            community=world.community,
            kind="repair",
            category="water",
            description="厨房水管漏水",
            channel="phone",
            house=world.house,
        )
        desk.assign(actor=world.users["agent"], ticket=ticket, assignee=tech)
        desk.accept(actor=tech, ticket=ticket)
        desk.arrive(actor=tech, ticket=ticket)
        desk.resolve(actor=tech, ticket=ticket, note="已更换阀门")


def _scores(**over):
    return {"attitude": 5, "quality": 4, "timeliness": 4, "discipline": 5} | over


def test_performance_measures_each_person(world):
    _resolved_by(world, "technician", 2)
    staff, metrics = selectors.performance(
        world.users["manager"], timezone.localdate() - timedelta(days=1), timezone.localdate()
    )
    names = [p.username for p in staff]
    assert "technician" in names and "agent" in names and "manager" not in names
    resolved = next(m for m in metrics if m.key == "resolved")
    first = next(m for m in metrics if m.key == "first_contact")
    tech, agent = world.users["technician"], world.users["agent"]
    assert resolved.values[tech.pk] == 2 and resolved.values[agent.pk] == 0
    assert first.values[agent.pk] == 2
    # Company staff of another company are not listed; nor the committee or finance.
    assert "outsider" not in names and "committee" not in names and "finance" not in names


def test_page_and_export(world):
    _resolved_by(world, "technician", 1)
    manager = _client("manager")
    page = manager.get("/console/staff/performance/")
    body = page.content.decode()
    assert page.status_code == 200 and "已解决工单" in body and "technician" in body
    assert _client("technician").get("/console/staff/performance/").status_code == 403
    export = manager.get("/console/staff/performance/?export=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_evaluation_recorded_revised_then_acknowledged(world):
    tech = world.users["technician"]
    period = f"{timezone.localdate():%Y-%m}"
    evaluation = services.record_evaluation(
        actor=world.users["manager"],
        community=world.community,
        staff=tech,
        period=period,
        **_scores(),
    )
    assert evaluation.score == 90 and evaluation.status == "recorded"
    assert Notification.objects.filter(user=tech).exists()
    revised = services.record_evaluation(
        actor=world.users["manager"],
        community=world.community,
        staff=tech,
        period=period,
        comment="响应及时，注意工完场清",
        **_scores(quality=3),
    )
    assert revised.pk == evaluation.pk and revised.score == 85
    with pytest.raises(Forbidden):
        services.acknowledge(actor=world.users["agent"], evaluation=revised)
    services.acknowledge(actor=tech, evaluation=revised)
    with pytest.raises(InvalidTransition):
        services.record_evaluation(
            actor=world.users["manager"],
            community=world.community,
            staff=tech,
            period=period,
            **_scores(),
        )
    assert Evaluation.objects.get().score == 85


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"attitude": 6}, "attitude"),
        ({"discipline": 0}, "discipline"),
        ({"period": "2026-13"}, "period"),
        ({"period": "2099-01"}, "period"),
    ],
)
def test_bad_evaluations_name_the_field(world, over, field):
    data = {"period": f"{timezone.localdate():%Y-%m}", **_scores()} | over
    with pytest.raises(DomainError) as refused:
        services.record_evaluation(
            actor=world.users["manager"],
            community=world.community,
            staff=world.users["guard"],
            **data,
        )
    assert field in refused.value.fields and not Evaluation.objects.exists()


def test_who_may_evaluate_whom(world):
    period = f"{timezone.localdate():%Y-%m}"
    with pytest.raises(Forbidden):  # the manager of 甲二 does not manage 甲一
        services.record_evaluation(
            actor=world.users["manager2"],
            community=world.community,
            staff=world.users["guard"],
            period=period,
            **_scores(),
        )
    with pytest.raises(DomainError) as refused:  # nobody evaluates themself
        services.record_evaluation(
            actor=world.users["manager"],
            community=world.community,
            staff=world.users["manager"],
            period=period,
            **_scores(),
        )
    assert "staff" in refused.value.fields
    with pytest.raises(DomainError) as refused:  # the guard of 甲一 does not work in 甲二
        services.record_evaluation(
            actor=world.users["org_admin"],
            community=world.community2,
            staff=world.users["guard"],
            period=period,
            **_scores(),
        )
    assert "staff" in refused.value.fields


def test_api_and_own_view(world, api):
    period = f"{timezone.localdate():%Y-%m}"
    made = api(world.users["manager"]).post(
        "/api/v1/evaluations/",
        {
            "community": world.community.pk,
            "staff": world.users["cleaner"].pk,
            "period": period,
            **_scores(),
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert made.json()["score"] == 90
    assert api(world.users["cleaner"]).get(f"/api/v1/evaluations/{pk}/").status_code == 200
    assert api(world.users["guard"]).get(f"/api/v1/evaluations/{pk}/").status_code == 404
    assert api(world.users["manager2"]).get(f"/api/v1/evaluations/{pk}/").status_code == 404
    assert api(world.users["outsider"]).get(f"/api/v1/evaluations/{pk}/").status_code == 404
    foreign = api(world.users["manager"]).post(
        "/api/v1/evaluations/",
        {
            "community": world.community.pk,
            "staff": world.users["outsider"].pk,
            "period": period,
            **_scores(),
        },
        format="json",
    )
    assert foreign.status_code == 404
    assert (
        api(world.users["manager"]).post(f"/api/v1/evaluations/{pk}/acknowledge/").status_code
        == 403
    )
    done = api(world.users["cleaner"]).post(f"/api/v1/evaluations/{pk}/acknowledge/")
    assert done.status_code == 200 and done.json()["status"] == "acknowledged"
    again = api(world.users["cleaner"]).post(f"/api/v1/evaluations/{pk}/acknowledge/")
    assert again.status_code == 409
    perf = api(world.users["manager"]).get("/api/v1/staff-performance/")
    assert perf.status_code == 200 and any(
        p["id"] == world.users["cleaner"].pk for p in perf.json()["staff"]
    )
    assert api(world.users["agent"]).get("/api/v1/staff-performance/").status_code == 403
    mine = _client("cleaner").get("/console/staff/my-evaluations/").content.decode()
    assert "90分" in mine and "已确认" in mine and "已阅，确认" not in mine


def test_evaluate_page_keeps_input_on_refusal(world):
    manager = _client("manager")
    guard = world.users["guard"]
    assert manager.get(f"/console/staff/{guard.pk}/evaluate/").status_code == 200
    assert manager.get(f"/console/staff/{world.users['outsider'].pk}/evaluate/").status_code == 404
    page = manager.post(
        f"/console/staff/{guard.pk}/evaluate/",
        {
            "community": world.community.pk,
            "period": "2099-01",
            **_scores(),
            "comment": "夜班巡查认真",
        },
    )
    body = page.content.decode()
    assert page.status_code == 200 and "夜班巡查认真" in body and not Evaluation.objects.exists()
    ok = manager.post(
        f"/console/staff/{guard.pk}/evaluate/",
        {"community": world.community.pk, "period": f"{timezone.localdate():%Y-%m}", **_scores()},
    )
    assert ok.status_code == 302 and Evaluation.objects.get().staff == guard


def test_cashiers_payments_are_measured(world):
    from datetime import date
    from decimal import Decimal

    from anju.billing import services as billing
    from anju.billing.models import Method

    billing.create_fee_item(  # a monthly fee, so that the house may prepay
        actor=world.users["org_admin"],
        community=world.community,
        name="物业服务费",
        method=Method.FIXED,
        unit_price=Decimal("200.0000"),
        unit="元/户·月",
        basis="前期物业服务合同第5条",
        effective_from=date(2026, 1, 1),
        published=True,
    )
    billing.record_payment(
        actor=world.users["cashier"], house=world.house, amount=Decimal("300.00"), method="cash"
    )
    billing.record_payment(
        actor=world.users["cashier"], house=world.house, amount=Decimal("150.50"), method="pos"
    )
    today = timezone.localdate()
    staff, metrics = selectors.performance(world.users["manager"], today, today)
    cashier = world.users["cashier"]
    assert cashier in staff
    taken = {m.key: m for m in metrics}
    assert taken["payments"].values[cashier.pk] == 2
    assert taken["payments_amount"].display(cashier.pk) == "¥450.50"
    assert taken["payments"].values[world.users["agent"].pk] == 0
