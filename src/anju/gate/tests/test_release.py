"""Goods release: an owner's application is approved at once, a tenant's waits for an owner;
the guard checks the code (the items listed) on the day and lets them out once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from anju.core.errors import DomainError, Forbidden
from anju.core.models import Notification
from anju.core.testing import api_client
from anju.gate import services
from anju.gate.choices import ReleaseStatus

pytestmark = pytest.mark.django_db


def test_owner_and_tenant_applications(world):
    today = timezone.localdate()
    owner = services.apply_release(
        actor=world.users["resident"], house=world.house, items="旧沙发一张\n书柜一个\n", date=today
    )
    assert owner.status == ReleaseStatus.APPROVED and owner.items == ["旧沙发一张", "书柜一个"]
    client = api_client(world.users["tenant"])
    answer = client.post(
        "/api/v1/release-passes/",
        {"house": world.house.pk, "items": ["冰箱一台"], "date": today.isoformat()},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    tenant = answer.json()
    assert tenant["status"] == ReleaseStatus.WAITING_OWNER and tenant["code"]
    assert Notification.objects.filter(user=world.users["resident"], event="gate.release.created")
    # The tenant cannot confirm their own; the owner does.
    assert client.post(f"/api/v1/release-passes/{tenant['id']}/confirm/").status_code == 403
    owner_client = api_client(world.users["resident"])
    confirmed = owner_client.post(f"/api/v1/release-passes/{tenant['id']}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == ReleaseStatus.APPROVED
    again = owner_client.post(f"/api/v1/release-passes/{tenant['id']}/confirm/")
    assert again.status_code == 409 and "allowed" in again.json()["error"]


def test_bad_applications_are_refused(world):
    today = timezone.localdate()
    for items, date, field in (
        ([], today, "items"),
        (["x"] * 21, today, "items"),
        (["沙发"], today - timedelta(days=1), "date"),
        (["沙发"], today + timedelta(days=31), "date"),
    ):
        with pytest.raises(DomainError) as refused:
            services.apply_release(
                actor=world.users["resident"], house=world.house, items=items, date=date
            )
        assert field in refused.value.fields
    with pytest.raises(DomainError) as other:
        services.apply_release(
            actor=world.users["resident"], house=world.houses[1], items=["沙发"], date=today
        )
    assert "house" in other.value.fields


def test_the_guard_checks_the_code_and_lets_the_items_out(world):
    today = timezone.localdate()
    release = services.apply_release(
        actor=world.users["resident"], house=world.house, items=["旧沙发一张"], date=today
    )
    later = services.apply_release(
        actor=world.users["resident"],
        house=world.house,
        items=["书"],
        date=today + timedelta(days=2),
    )
    guard = api_client(world.users["guard"])
    ok = guard.post("/api/v1/release-passes/verify/", {"code": release.qr_text}, format="json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["items"] == ["旧沙发一张"] and ok.json()["house"]["id"] == world.house.pk
    wrong_day = guard.post("/api/v1/release-passes/verify/", {"code": later.code}, format="json")
    assert wrong_day.status_code == 409 and wrong_day.json()["error"]["code"] == "wrong_date"
    assert (
        guard.post("/api/v1/release-passes/verify/", {"code": "NOPE"}, format="json").status_code
        == 404
    )
    out = guard.post(f"/api/v1/release-passes/{release.pk}/release/")
    assert out.status_code == 200 and out.json()["status"] == ReleaseStatus.RELEASED
    used = guard.post("/api/v1/release-passes/verify/", {"code": release.code}, format="json")
    assert used.status_code == 409 and used.json()["error"]["code"] == "released"
    with pytest.raises(Forbidden):
        services.release_goods(actor=world.users["cleaner"], release=later)
    # A guard of another community does not know the code.
    outsider = api_client(world.users["outsider"])
    assert (
        outsider.post(
            "/api/v1/release-passes/verify/", {"code": later.code}, format="json"
        ).status_code
        == 404
    )
    # Staff lists do not show the code the resident shows at the gate.
    listed = guard.get("/api/v1/release-passes/").json()["results"]
    assert all(row["code"] is None for row in listed)
