"""Console and portal pages render for the right people and refuse the others."""

import pytest

from anju.billing import services
from anju.billing.models import BillingRun, Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(world, posted):
    return services.record_payment(
        actor=world.users["cashier"], house=world.house, amount="100.00", method="cash"
    )


@pytest.mark.parametrize(
    "url",
    [
        "/console/billing/desk/?q=1-0101",
        "/console/billing/cash-up/",
        "/console/billing/arrears/",
        "/console/billing/collections/",
        "/console/billing/payments/",
        "/console/billing/reports/?group=item",
    ],
)
def test_cashier_pages(world, paid, client, url):
    client.force_login(world.users["cashier"])
    r = client.get(url)
    assert r.status_code == 200, url


def test_desk_shows_explained_lines_and_takes_payment(world, posted, client):
    client.force_login(world.users["cashier"])
    r = client.get(f"/console/billing/desk/?house={world.house.pk}")
    text = r.content.decode()
    assert "100.00 m²" in text and "前期物业服务合同第5条" in text and "260.00" in text
    r = client.post(
        "/console/billing/desk/",
        {"house": world.house.pk, "amount": "260.00", "method": "pos", "idempotency_key": "desk-1"},
    )
    assert r.status_code == 302
    payment = Payment.objects.get()
    assert payment.method == "pos" and payment.received_by == world.users["cashier"]
    pdf = client.get(f"/console/billing/payments/{payment.pk}/receipt/")
    assert pdf["Content-Type"] == "application/pdf"
    # by owner phone (the cashier sees contacts)
    r = client.get("/console/billing/desk/?q=13900001111")
    assert "13900001111" in r.content.decode()


def test_run_pages_and_reports_export(world, fees, client):
    client.force_login(world.users["finance"])
    r = client.post(
        "/console/billing/runs/new/", {"community": world.community.pk, "period": "2027-02"}
    )
    assert r.status_code == 302
    run = BillingRun.objects.get()
    assert "1055.00" in client.get(f"/console/billing/runs/{run.pk}/").content.decode()
    client.post(f"/console/billing/runs/{run.pk}/")
    run.refresh_from_db()
    assert run.status == "posted"
    r = client.get("/console/billing/reports/?group=building&export=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    assert "rate-chart" in client.get("/console/billing/reports/").content.decode()


def test_forbidden_and_other_company(world, posted, client):
    client.force_login(world.users["technician"])
    assert client.get("/console/billing/desk/").status_code == 403
    client.force_login(world.users["outsider"])
    assert client.get(f"/console/billing/desk/?house={world.house.pk}").status_code == 404


def test_portal_bills_and_receipt(world, paid, client):
    client.force_login(world.users["resident"])
    text = client.get("/app/bills/").content.decode()
    assert "物业服务费" in text and "160.00" in text and paid.receipt_number in text
    assert client.get(f"/app/bills/receipts/{paid.pk}/")["Content-Type"] == "application/pdf"
    client.force_login(world.users["neighbour"])
    assert client.get(f"/app/bills/receipts/{paid.pk}/").status_code == 404


def test_collection_detail_delivery_and_case_packet(world, posted, client):
    import time_machine

    from anju.billing.models import CollectionAction

    with time_machine.travel("2027-03-15 10:00 +0800"):
        client.force_login(world.users["cashier"])  # log in inside the travelled clock
        r = client.post(
            "/console/billing/collections/new/", {"house": world.house.pk, "kind": "demand_notice"}
        )
        assert r.status_code == 302, r.content.decode()[-3000:]
        action = CollectionAction.objects.get()
        page = client.get(f"/console/billing/collections/{action.pk}/").content.decode()
        assert "2030-01-31" in page  # limitation clock before delivery
        client.post(
            f"/console/billing/collections/{action.pk}/",
            {"delivery_method": "EMS", "delivery_proof": "EMS123"},
        )
        action.refresh_from_db()
        assert action.status == "delivered"
        assert (
            "2030-03-15"
            in client.get(f"/console/billing/collections/{action.pk}/").content.decode()
        )
        pdf = client.get(f"/console/billing/collections/{action.pk}/case-packet/")
        assert pdf["Content-Type"] == "application/pdf"


def test_import_readings_page(world, client):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from anju.billing.models import MeterReading

    wb = Workbook()
    wb.active.append(["楼栋", "房号", "表", "日期", "读数"])
    wb.active.append(["1幢", world.house.number, "水", "2027-01-31", "8"])
    buf = BytesIO()
    wb.save(buf)
    client.force_login(world.users["cashier"])
    upload = SimpleUploadedFile("r.xlsx", buf.getvalue())
    r = client.post(
        "/console/billing/readings/import/", {"community": world.community.pk, "file": upload}
    )
    assert r.status_code == 302 and MeterReading.objects.count() == 1
