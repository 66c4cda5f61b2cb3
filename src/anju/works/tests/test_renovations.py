"""Renovations through the API contract: application, approval with conditions and a deposit
into the ledger, inspections, stop and resume, acceptance (the closed water test of 第八条),
the deposit's refund minus deductions and the resident's acknowledgement; wrong states are 409
with the allowed actions; working hours per jurisdiction; the rule data's articles."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from anju.core.testing import api_client, make_world
from anju.works import rules
from anju.works.models import Deposit, DepositEntry, Renovation

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def _apply(client, house, **extra):
    today = timezone.localdate()
    body = {
        "house": house.pk,
        "contractor": "安居家装",
        "description": "卫生间翻新，更换防水层",
        "starts": str(today),
        "ends": str(today + timedelta(days=30)),
        "works": ["waterproofing"],
        **extra,
    }
    return client.post("/api/v1/renovations/", body, format="json")


def test_from_application_to_acknowledged_refund(w):
    resident, manager = api_client(w.users["resident"]), api_client(w.users["manager"])
    answer = _apply(resident, w.houses[0])
    assert answer.status_code == 201, answer.content
    pk = answer.json()["id"]
    assert answer.json()["state"] == "submitted"
    assert set(answer.json()["allowed_actions"]) == {"approve", "reject"}
    # The resident may not review their own application.
    assert resident.post(f"/api/v1/renovations/{pk}/approve/", {}, format="json").status_code == 403
    early = manager.post(f"/api/v1/renovations/{pk}/accept/", {"checklist": {}}, format="json")
    assert early.status_code == 409
    assert set(early.json()["error"]["allowed"]) == {"approve", "reject"}
    ok = manager.post(
        f"/api/v1/renovations/{pk}/approve/",
        {"conditions": "电梯内铺设保护", "deposit": "2000.00"},
        format="json",
    )
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["state"] == "approved" and "电梯内铺设保护" in body["conditions"]
    assert "08:00" in body["conditions"]  # the jurisdiction's working hours are a condition
    assert body["deposit"]["amount"] == "2000.00" and body["deposit"]["state"] == "due"
    deposit = Deposit.objects.get(pk=body["deposit"]["id"])
    cashier = api_client(w.users["cashier"])
    assert (
        cashier.post(
            f"/api/v1/deposits/{deposit.pk}/collect/", {"method": "cash"}, format="json"
        ).status_code
        == 200
    )
    technician = api_client(w.users["technician"])
    seen = technician.post(
        f"/api/v1/renovations/{pk}/inspect/",
        {"findings": "楼道堆放建筑垃圾", "passed": False, "stop": True},
        format="json",
    )
    assert seen.status_code == 200 and seen.json()["state"] == "stopped"
    assert seen.json()["inspections"][0]["passed"] is False
    blocked = manager.post(f"/api/v1/renovations/{pk}/accept/", {"checklist": {}}, format="json")
    assert blocked.status_code == 409 and "resume" in blocked.json()["error"]["allowed"]
    resumed = technician.post(
        f"/api/v1/renovations/{pk}/resume/", {"note": "已清运"}, format="json"
    )
    assert resumed.json()["state"] == "approved"
    checklist = {item.code: True for item in rules.ACCEPTANCE_ITEMS if item.code != "water_test"}
    dry = manager.post(f"/api/v1/renovations/{pk}/accept/", {"checklist": checklist}, format="json")
    assert dry.status_code == 400 and "checklist" in dry.json()["error"]["fields"]
    assert "第八条" in dry.json()["error"]["message"]
    checklist["water_test"] = True
    accepted = manager.post(
        f"/api/v1/renovations/{pk}/accept/", {"checklist": checklist}, format="json"
    )
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    too_much = manager.post(
        f"/api/v1/renovations/{pk}/refund-deposit/",
        {"deductions": [{"amount": "2500", "reason": "x"}]},
        format="json",
    )
    assert too_much.status_code == 400
    assert Renovation.objects.get(pk=pk).state == "accepted"  # nothing changed
    settled = manager.post(
        f"/api/v1/renovations/{pk}/refund-deposit/",
        {"deductions": [{"amount": "300.00", "reason": "电梯轿厢划伤"}]},
        format="json",
    )
    assert settled.status_code == 200, settled.content
    assert settled.json()["state"] == "refunded"
    kinds = list(
        DepositEntry.objects.filter(deposit=deposit).values_list("kind", "amount", "reason")
    )
    assert kinds == [
        ("collect", Decimal("2000.00"), ""),
        ("deduct", Decimal("300.00"), "电梯轿厢划伤"),
        ("refund", Decimal("1700.00"), ""),
    ]
    # Only the resident acknowledges: a manager is refused, the resident's phone confirms.
    by_staff = manager.post(f"/api/v1/renovations/{pk}/acknowledge/", {}, format="json")
    assert by_staff.status_code == 400 and "renovation" in by_staff.json()["error"]["fields"]
    done = resident.post(f"/api/v1/renovations/{pk}/acknowledge/", {}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "closed"
    assert done.json()["acknowledged_at"]
    again = resident.post(f"/api/v1/renovations/{pk}/acknowledge/", {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["allowed"] == []


def test_reject_and_bad_input(w):
    manager = api_client(w.users["manager"])
    today = timezone.localdate()
    bad = _apply(manager, w.houses[1], ends=str(today - timedelta(days=1)))
    assert bad.status_code == 400 and "ends" in bad.json()["error"]["fields"]
    bad = _apply(manager, w.houses[1], works=["knock_down_walls"])
    assert bad.status_code == 400 and "works" in bad.json()["error"]["fields"]
    bad = _apply(manager, w.houses[1], no_prohibited_works=False)
    assert bad.status_code == 400 and "no_prohibited_works" in bad.json()["error"]["fields"]
    assert _apply(manager, w.other_house).status_code in (400, 404)
    ok = _apply(manager, w.houses[1])
    pk = ok.json()["id"]
    assert _apply(manager, w.houses[1]).status_code == 400  # one at a time per house
    no_reason = manager.post(f"/api/v1/renovations/{pk}/reject/", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["fields"]
    rejected = manager.post(
        f"/api/v1/renovations/{pk}/reject/", {"reason": "外立面改动需规划部门批准"}, format="json"
    )
    assert rejected.json()["state"] == "rejected"
    outsider = api_client(w.users["outsider"])
    assert outsider.get(f"/api/v1/renovations/{pk}/").status_code == 404
    assert api_client(w.users["neighbour"]).get(f"/api/v1/renovations/{pk}/").status_code == 200
    assert api_client(w.users["tenant"]).get(f"/api/v1/renovations/{pk}/").status_code == 404


def test_workers_get_permits_until_the_end_date(w):
    manager = api_client(w.users["manager"])
    pk = _apply(manager, w.houses[1]).json()["id"]
    answer = manager.post(
        f"/api/v1/renovations/{pk}/add-worker/",
        {"name": "周师傅", "phone": "13800001234", "trade": "泥瓦工"},
        format="json",
    )
    assert answer.status_code == 201
    assert answer.json()["permit"].startswith("SG")
    assert answer.json()["valid_until"] == str(Renovation.objects.get(pk=pk).ends)
    # The guard checks permits at the gate and sees the worker's phone masked (PIPL).
    guard = api_client(w.users["guard"])
    seen = guard.get(f"/api/v1/renovations/{pk}/").json()["workers"][0]
    assert seen["permit"] == answer.json()["permit"] and seen["phone"] != "13800001234"
    assert manager.get(f"/api/v1/renovations/{pk}/").json()["workers"][0]["phone"] == "13800001234"


def test_working_hours_per_jurisdiction(settings):
    settings.ANJU_WORKS_HOURS = {
        "000000": {"weekday": [["08:00", "18:00"]], "weekend": []},
        "310000": {"weekday": [["08:00", "12:00"], ["14:00", "18:00"]], "weekend": []},
        "330106": {"weekday": [["07:30", "12:00"]], "weekend": [["09:00", "12:00"]]},
    }
    tuesday = datetime(2026, 12, 1, 13, 0)
    saturday = datetime(2026, 12, 5, 10, 0)
    assert rules.may_work("110000", tuesday)  # no local rule: the national default
    assert not rules.may_work("310115", tuesday)  # Shanghai: the lunch break
    assert rules.may_work("310115", tuesday.replace(hour=14))
    assert not rules.may_work("310115", saturday)
    assert rules.may_work("330106", saturday)
    assert not rules.may_work("330106", tuesday)
    assert rules.may_work("330106", tuesday.replace(hour=7, minute=30))
    assert not rules.may_work("330106", tuesday.replace(hour=12, minute=0))
    assert "07:30–12:00" in rules.hours_text("330106")


def test_every_rule_names_its_article():
    for rule in [*rules.PROHIBITED, *rules.NEEDS_APPROVAL]:
        assert "住宅室内装饰装修管理办法" in rule.article and "第" in rule.article
    assert any(r.article.endswith("第八条") for r in rules.NEEDS_APPROVAL)
    assert rules.needs_water_test(["waterproofing"]) and not rules.needs_water_test(["gas"])


def test_a_fee_is_billed_through_billing_the_deposit_is_not(w):
    from anju.billing.models import BillLine

    manager = api_client(w.users["manager"])
    pk = _apply(manager, w.houses[1]).json()["id"]
    ok = manager.post(
        f"/api/v1/renovations/{pk}/approve/",
        {"deposit": "1000", "fee": "150.00"},
        format="json",
    )
    assert ok.status_code == 200, ok.content
    lines = BillLine.objects.filter(source=f"works.renovation:{pk}")
    assert [line.amount for line in lines] == [Decimal("150.00")]
    assert Deposit.objects.get(renovation_id=pk).amount == Decimal("1000.00")
