"""Asset ledger, certificates and their expiry alerts, fault reports, QR labels, fire equipment."""

import os
import shutil
import subprocess
from datetime import date

import pytest

from anju.core.models import Notification
from anju.facilities import labels, services
from anju.facilities.models import Asset, Certificate
from anju.facilities.selectors import expiring_equipment, replacement_forecast

from .conftest import at, tickets_for

pytestmark = pytest.mark.django_db


def test_asset_api_contract_and_scope(fac, world, api):
    client = api(fac.manager)
    created = client.post(
        "/api/v1/assets/",
        {
            "community": world.community.pk,
            "building": world.building.pk,
            "name": "3号客梯",
            "category": "elevator",
            "maker": "日立",
            "model_number": "MCA",
            "installed_on": "2018-05-01",
            "warranty_until": "2020-05-01",
            "contractor": "日立电梯维保",
            "expected_life_years": 15,
            "status": "in_service",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["code"].startswith("SB-") and body["replacement_due"] == "2033-05-01"
    assert body["label_url"].endswith("/label.svg")
    dup = client.post(
        "/api/v1/assets/",
        {"community": world.community.pk, "name": "x", "category": "cctv", "code": "DT-01"},
        format="json",
    )
    assert dup.status_code == 400 and "code" in dup.json()["error"]["fields"]
    bad_dates = client.post(
        "/api/v1/assets/",
        {
            "community": world.community.pk,
            "name": "x",
            "category": "cctv",
            "installed_on": "2020-01-01",
            "warranty_until": "2019-01-01",
        },
        format="json",
    )
    assert bad_dates.status_code == 400 and "warranty_until" in bad_dates.json()["error"]["fields"]
    changed = client.patch(f"/api/v1/assets/{fac.lift.pk}/", {"status": "stopped"}, format="json")
    assert changed.status_code == 200 and changed.json()["status"] == "stopped"
    assert (
        api(fac.tech)
        .patch(f"/api/v1/assets/{fac.lift.pk}/", {"status": "retired"}, format="json")
        .status_code
        == 403
    )
    ids = {r["id"] for r in api(world.users["outsider"]).get("/api/v1/assets/").json()["results"]}
    assert fac.lift.pk not in ids and fac.other.pk in ids
    assert api(world.users["outsider"]).get(f"/api/v1/assets/{fac.lift.pk}/").status_code == 404
    assert (
        api(world.users["outsider"])
        .post(
            "/api/v1/assets/",
            {"community": world.community.pk, "name": "x", "category": "cctv"},
            format="json",
        )
        .status_code
        == 404
    )
    assert api(world.users["resident"]).get("/api/v1/assets/").status_code == 403
    assert api(world.users["manager2"]).get(f"/api/v1/assets/{fac.lift.pk}/").status_code == 404


def test_asset_list_query_count(fac, world, api, django_assert_max_num_queries):
    for i in range(15):
        a = services.create_asset(
            actor=fac.manager, community=world.community, name=f"灭火器{i}", category="extinguisher"
        )
        services.add_certificate(
            actor=fac.manager, asset=a, kind="other", number=f"C{i}", expires_on=date(2027, 1, 1)
        )
    with django_assert_max_num_queries(8):
        assert api(fac.manager).get("/api/v1/assets/").status_code == 200


def test_certificate_alert_30_days_ahead_once(fac, world, frozen):
    cert = services.add_certificate(
        actor=fac.manager,
        asset=fac.lift,
        kind="periodic_inspection",
        number="TSG-2025-118",
        authority="杭州市特种设备检测研究院",
        issued_on=date(2025, 12, 30),
        expires_on=date(2026, 12, 30),
    )
    assert cert.inspection_request_due == date(2026, 11, 30)
    services.add_certificate(
        actor=fac.manager, asset=fac.lift, kind="use_registration", number="梯11浙A0123(19)"
    )
    assert services.sweep_certificate_expiry() == 0  # 34 days left
    frozen.move_to(at(2026, 11, 30, 8, 0))
    assert services.sweep_certificate_expiry() == 1
    assert services.sweep_certificate_expiry() == 0
    note = Notification.objects.get(user=fac.manager)
    assert "2026-12-30" in note.body and "2026-11-30" in note.body and "第40条" in note.body
    assert Certificate.objects.get(pk=cert.pk).alerted_at is not None


def test_one_tap_fault_report_opens_one_ticket(fac, api, world):
    client = api(fac.guard)
    first = client.post(f"/api/v1/assets/{fac.lift.pk}/report-fault/", {}, format="json")
    second = client.post(
        f"/api/v1/assets/{fac.lift.pk}/report-fault/", {"description": "轿厢异响"}, format="json"
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["ticket"] == second.json()["ticket"]
    ticket = tickets_for(fac.lift).get()
    assert ticket.category == "elevator" and ticket.kind == "repair"
    assert Asset.objects.get(pk=fac.lift.pk).status == "faulty"


def test_label_sheet_pdf_has_chinese_text(fac, tmp_path):
    pdf = labels.label_sheet([fac.lift, fac.lift2, fac.pump], base_url="https://wy.example.com")
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "labels.pdf"
    path.write_bytes(pdf)
    if not shutil.which("pdftotext"):
        if os.environ.get("ANJU_REQUIRE_SERVICES") == "1":
            pytest.fail("pdftotext (poppler-utils) is required in CI")
        pytest.skip("pdftotext (poppler-utils) missing")
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "1幢1单元客梯" in text and "DT-02" in text and "地下泵房" in text
    assert "扫码报修" in text.replace("\n", "")
    svg = labels.qr_svg("https://wy.example.com/console/facilities/a/x/")
    assert svg.startswith("<?xml") or "<svg" in svg[:200]


def test_fire_equipment_expiring_and_replacement_forecast(fac, world, frozen):
    soon = services.create_asset(
        actor=fac.manager,
        community=world.community,
        name="干粉灭火器 4kg",
        category="extinguisher",
        expires_on=date(2026, 12, 20),
    )
    services.create_asset(
        actor=fac.manager,
        community=world.community,
        name="干粉灭火器 4kg",
        category="extinguisher",
        expires_on=date(2028, 1, 1),
    )
    assert list(expiring_equipment(Asset.objects.all())) == [soon]
    forecast = dict(replacement_forecast(Asset.objects.all(), years=10))
    assert fac.lift in forecast[2034]
