"""The API contract of issue 4, scoping (other company 404), roles (403)."""

from decimal import Decimal

import pytest

from anju.billing.models import Bill, BillLine, CollectionAction, Payment

pytestmark = pytest.mark.django_db


def test_fee_item_contract_and_unpublished_cannot_be_billed(world, api):
    client = api(world.users["manager"])
    r = client.post(
        "/api/v1/fee-items/",
        {
            "community": world.community.pk,
            "name": "物业费",
            "method": "area",
            "unit_price": "2.35",
            "cycle": "monthly",
            "published": False,
            "unit": "元/m²·月",
            "basis": "合同第5条",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["unit_price"] == "2.3500"
    run = client.post(
        "/api/v1/billing-runs/",
        {"community": world.community.pk, "period": "2027-01"},
        format="json",
    )
    assert run.status_code == 201, run.content
    assert run.json()["preview"]["lines"] == 0
    assert any("明码标价" in w for w in run.json()["preview"]["warnings"])
    assert client.post(f"/api/v1/fee-items/{r.json()['id']}/publish/").status_code == 200
    # a published standard cannot be edited in place
    patch = client.patch(
        f"/api/v1/fee-items/{r.json()['id']}/", {"unit_price": "3.00"}, format="json"
    )
    assert patch.status_code == 400


def test_fee_item_rejects_surcharge_on_pass_through(world, api):
    r = api(world.users["manager"]).post(
        "/api/v1/fee-items/",
        {
            "community": world.community.pk,
            "name": "水费代收",
            "method": "metered",
            "meter_kind": "water",
            "unit_price": "3.5",
            "cycle": "monthly",
            "published": True,
            "pass_through": True,
            "surcharge_rate": "0.05",
        },
        format="json",
    )
    assert r.status_code == 400
    assert "surcharge_rate" in r.json()["error"]["fields"]


def test_run_preview_post_and_bills_contract(world, api, fees):
    client = api(world.users["finance"])
    r = client.post(
        "/api/v1/billing-runs/",
        {"community": world.community.pk, "period": "2027-01"},
        format="json",
    )
    assert r.status_code == 201, r.content
    preview = r.json()["preview"]
    assert preview["lines"] == 8 and Decimal(preview["total"]) == Decimal("1055.00")
    assert Bill.objects.count() == 0  # preview writes no bills
    posted = client.post(f"/api/v1/billing-runs/{r.json()['id']}/post/")
    assert posted.status_code == 200 and posted.json()["status"] == "posted"
    assert client.post(f"/api/v1/billing-runs/{r.json()['id']}/post/").status_code == 409
    bills = client.get(f"/api/v1/bills/?house={world.house.pk}&period=2027-01").json()["results"]
    assert len(bills) == 1
    bill = bills[0]
    assert bill["total"] == "260.00" and bill["paid"] == "0.00" and bill["balance"] == "260.00"
    amounts = {line["fee_item"]: line["amount"] for line in bill["lines"]}
    assert amounts == {fees["area"].pk: "250.00", fees["fixed"].pk: "10.00"}
    area_line = next(line for line in bill["lines"] if line["fee_item"] == fees["area"].pk)
    assert "100.00 m²" in area_line["explanation"] and "2.5000" in area_line["explanation"]
    assert (
        "前期物业服务合同第5条" in area_line["explanation"]
        and "2027-01" in area_line["explanation"]
    )
    # a second run of the same period creates nothing
    again = client.post(
        "/api/v1/billing-runs/",
        {"community": world.community.pk, "period": "2027-01"},
        format="json",
    )
    assert again.json()["preview"]["lines"] == 0
    client.post(f"/api/v1/billing-runs/{again.json()['id']}/post/")
    assert BillLine.objects.count() == 8


def test_payment_contract_and_idempotency(world, api, posted):
    client = api(world.users["cashier"])
    body = {"house": world.house.pk, "amount": "100.00", "method": "cash", "idempotency_key": "k-1"}
    first = client.post("/api/v1/payments/", body, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["receipt_number"].startswith("SK-")
    again = client.post("/api/v1/payments/", body, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    header = client.post(
        "/api/v1/payments/",
        {"house": world.house.pk, "amount": "10.00", "method": "pos"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    header2 = client.post(
        "/api/v1/payments/",
        {"house": world.house.pk, "amount": "10.00", "method": "pos"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    assert header.json()["id"] == header2.json()["id"]
    assert Payment.objects.count() == 2
    bill = Bill.objects.get(house=world.house)
    assert bill.paid == Decimal("110.00")
    conflict = client.post("/api/v1/payments/", {**body, "amount": "5.00"}, format="json")
    assert conflict.status_code == 409
    receipt = client.get(f"/api/v1/payments/{first.json()['id']}/receipt/")
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"


def test_collection_actions_lawful_ladder_and_944(world, api, posted):
    import time_machine

    client = api(world.users["cashier"])
    with time_machine.travel("2027-03-15 10:00 +0800"):
        for kind in (
            "cut_water",
            "cut_power",
            "stop_heating",
            "lock_meter",
            "restrict_lift",
            "bogus",
        ):
            r = client.post(
                "/api/v1/collection-actions/",
                {"house": world.house.pk, "kind": kind},
                format="json",
            )
            assert r.status_code == 400, kind
            assert "944" in r.json()["error"]["message"]
        r = client.post(
            "/api/v1/collection-actions/",
            {"house": world.house.pk, "kind": "reminder"},
            format="json",
        )
        assert r.status_code == 201, r.content
        lawyer = client.post(
            "/api/v1/collection-actions/",
            {"house": world.house.pk, "kind": "lawyer_letter"},
            format="json",
        )
        assert lawyer.status_code == 400
        demand = client.post(
            "/api/v1/collection-actions/",
            {"house": world.house.pk, "kind": "demand_notice"},
            format="json",
        )
        assert demand.status_code == 201
        assert demand.json()["deadline"] == "2027-04-14"  # ANJU_DEMAND_DEADLINE_DAYS = 30
        no_proof = client.post(
            f"/api/v1/collection-actions/{demand.json()['id']}/deliver/", {}, format="json"
        )
        assert no_proof.status_code == 400
        ok = client.post(
            f"/api/v1/collection-actions/{demand.json()['id']}/deliver/",
            {"delivery_method": "EMS", "delivery_proof": "EMS1234567890"},
            format="json",
        )
        assert ok.status_code == 200 and ok.json()["status"] == "delivered"
        early = client.post(
            "/api/v1/collection-actions/",
            {"house": world.house.pk, "kind": "lawsuit"},
            format="json",
        )
        assert early.status_code == 400
    with time_machine.travel("2027-04-20 10:00 +0800"):
        suit = client.post(
            "/api/v1/collection-actions/",
            {"house": world.house.pk, "kind": "arbitration"},
            format="json",
        )
        assert suit.status_code == 201, suit.content
        packet = client.get(f"/api/v1/collection-actions/{suit.json()['id']}/case-packet/")
        assert packet.status_code == 200 and packet.content.startswith(b"%PDF")
    assert CollectionAction.objects.count() == 3


@pytest.mark.parametrize(
    "url",
    [
        "fee-items",
        "billing-runs",
        "bills",
        "payments",
        "collection-actions",
        "meter-readings",
        "prepayments",
        "cash-ups",
    ],
)
def test_outsider_sees_nothing(world, api, posted, url):
    client = api(world.users["outsider"])
    r = client.get(f"/api/v1/{url}/")
    assert r.status_code == 200 and r.json()["count"] == 0


def test_other_company_gets_404(world, api, posted):
    bill = Bill.objects.filter(house=world.house).first()
    client = api(world.users["outsider"])
    assert client.get(f"/api/v1/bills/{bill.pk}/").status_code == 404
    r = client.post(
        "/api/v1/payments/",
        {"house": world.house.pk, "amount": "1.00", "method": "cash"},
        format="json",
    )
    assert r.status_code == 404
    r = client.post(
        "/api/v1/collection-actions/", {"house": world.house.pk, "kind": "reminder"}, format="json"
    )
    assert r.status_code == 404
    assert client.post(f"/api/v1/billing-runs/{posted.pk}/post/").status_code == 404


def test_forbidden_roles_get_403(world, api, posted):
    tech = api(world.users["technician"])
    assert tech.get("/api/v1/bills/").status_code == 403
    assert (
        tech.post(
            "/api/v1/payments/",
            {"house": world.house.pk, "amount": "1", "method": "cash"},
            format="json",
        ).status_code
        == 403
    )
    cashier = api(world.users["cashier"])
    assert (
        cashier.post(
            "/api/v1/billing-runs/",
            {"community": world.community.pk, "period": "2027-02"},
            format="json",
        ).status_code
        == 403
    )
    assert cashier.post("/api/v1/fee-items/", {}, format="json").status_code == 403
    resident = api(world.users["resident"])
    assert (
        resident.post(
            "/api/v1/payments/",
            {"house": world.house.pk, "amount": "1", "method": "cash"},
            format="json",
        ).status_code
        == 403
    )
    assert resident.get("/api/v1/billing-reports/arrears/").status_code == 403


def test_resident_sees_only_own_bills_and_pays_online(world, api, posted, settings):
    settings.ANJU_PAYMENT_PROVIDER = "test"
    resident = api(world.users["resident"])
    rows = resident.get("/api/v1/bills/").json()["results"]
    assert {r["house"] for r in rows} == {world.house.pk}
    other = Bill.objects.get(house=world.houses[1])
    assert resident.get(f"/api/v1/bills/{other.pk}/").status_code == 404
    r = resident.post("/api/v1/payments/online/", {"house": world.house.pk}, format="json")
    assert r.status_code == 201, r.content
    order = r.json()["order"]
    assert order["provider"] == "test" and r.json()["payment"]["amount"] == "260.00"
    body = {"out_trade_no": order["out_trade_no"], "transaction_id": "T1", "amount_fen": 26000}
    for _ in range(2):  # duplicate callbacks credit once
        cb = resident.post("/api/v1/payments/callback/test/", body, format="json")
        assert cb.status_code == 200 and cb.json()["code"] == "SUCCESS"
    bill = Bill.objects.get(house=world.house)
    assert bill.paid == Decimal("260.00") and bill.status == "paid"


def test_bill_list_query_count(world, api, posted, django_assert_max_num_queries):
    client = api(world.users["finance"])
    with django_assert_max_num_queries(12):
        r = client.get("/api/v1/bills/")
    assert r.json()["count"] == 4


def test_reports(world, api, posted):
    import time_machine

    client = api(world.users["finance"])
    api(world.users["cashier"]).post(
        "/api/v1/payments/",
        {"house": world.house.pk, "amount": "260.00", "method": "cash"},
        format="json",
    )
    with time_machine.travel("2027-03-15 10:00 +0800"):
        aging = client.get(
            f"/api/v1/billing-reports/arrears/?community={world.community.pk}"
        ).json()
        assert aging["total"] == "795.00" and aging["households"] == 3
        assert aging["rows"][0]["31-90"] == "795.00"
        by_building = client.get("/api/v1/billing-reports/arrears/?group=building").json()
        assert by_building["rows"][0]["group"] == "1幢"
    rates = client.get("/api/v1/billing-reports/rates/?period=2027-01").json()
    assert rates["households"] == 4
    summary = client.get("/api/v1/billing-reports/summary/?group=item").json()
    assert {r["group"] for r in summary["rows"]} == {"物业服务费", "垃圾清运费"}
    export = client.get("/api/v1/bills/export/")
    assert export.status_code == 200
