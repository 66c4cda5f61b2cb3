"""Opening balances (期初): dry run with row errors and nothing written, posting whose
reconciliation equals the file, late charges and the limitation clock from the original due
date, reversal as a whole until a payment touches it, the API and the job."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from anju.billing import selectors as billing_selectors
from anju.billing import services as billing
from anju.core.errors import Conflict, InvalidTransition
from anju.core.models import Job
from anju.finance import services
from anju.finance.choices import DepositStatus, ImportStatus
from anju.finance.models import HeldDeposit, HistoricPayment, OpeningEntry

from .conftest import GOOD, workbook

pytestmark = pytest.mark.django_db


def _check(world, sheets):
    return services.check_opening(
        actor=world.users["finance"], community=world.community, fileobj=workbook(sheets)
    )


def _posted(world, fee, sheets=GOOD):
    opening = _check(world, sheets)
    assert opening.report["errors"] == []
    return services.post_opening(actor=world.users["finance"], opening=opening)


def _bills(opening):
    ids = OpeningEntry.objects.filter(opening=opening, kind="arrears").values_list(
        "target_id", flat=True
    )
    return list(billing_selectors.bills_by_id(ids))


def test_the_template_has_every_sheet_with_its_headers():
    wb = load_workbook(__import__("io").BytesIO(services.template_bytes()))
    assert wb.sheetnames == ["欠费", "预存", "押金", "维修资金", "历史收款"]
    assert [c.value for c in wb["欠费"][1]] == [
        "楼栋",
        "房号",
        "收费项目",
        "期间",
        "金额",
        "原到期日",
        "说明",
    ]


def test_a_good_file_reconciles_with_what_was_posted(world, fee):
    opening = _check(world, GOOD)
    assert opening.status == ImportStatus.CHECKED
    totals = opening.report["totals"]
    assert opening.report["rows"] == 7
    assert totals["arrears"] == {"rows": 3, "amount": "752.50"}
    assert totals["prepayment"] == {"rows": 1, "amount": "600.00"}
    assert totals["fund"] == {"rows": 1, "amount": "8650.37"}
    assert not OpeningEntry.objects.exists()  # the dry run writes nothing but the import

    opening = services.post_opening(actor=world.users["finance"], opening=opening)
    assert opening.status == ImportStatus.POSTED
    recon = opening.reconciliation
    assert recon["equal"], recon
    for kind, row in recon["kinds"].items():
        assert row["posted_amount"] == totals[kind]["amount"], kind
        assert row["posted_rows"] == totals[kind]["rows"], kind
    bills = _bills(opening)
    assert sum(b.total for b in bills) == Decimal("752.50")
    assert {b.due_date for b in bills} == {date(2025, 1, 31), date(2025, 2, 28)}
    assert all(b.status == "open" for b in bills)
    house1, house2, house3, house4 = world.houses[:4]
    assert billing_selectors.house_arrears(house1) == Decimal("500.00")
    assert billing_selectors.wallet_balances([house3.pk])[house3.pk] == Decimal("600.00")
    house1.refresh_from_db()
    assert house1.fund_account.balance == Decimal("8650.37")
    assert HeldDeposit.objects.get(house=house4).amount == Decimal("2000.00")
    assert HistoricPayment.objects.get(house=house2).reference == "SJ-1"
    # the same debts again are refused: a posted import brought them in already
    again = _check(world, {"欠费": GOOD["欠费"]})
    assert {e["field"] for e in again.report["errors"]} == {"period"}


def test_bad_rows_are_reported_by_sheet_row_and_field_and_nothing_is_written(world, fee):
    bad = {
        "欠费": [
            GOOD["欠费"][0],
            ["1幢", "9-9999", "物业服务费", "2025-01", "10.00", "2025-01-31", ""],
            ["1幢", "1-0101", "停车费", "2025-01", "10.00", "2025-01-31", ""],
            ["1幢", "1-0101", "物业服务费", "2025-13", "10.00", "2025-01-31", ""],
            ["1幢", "1-0101", "物业服务费", "2025-01", "10.001", "2025-01-31", ""],
            ["1幢", "1-0101", "物业服务费", "2025-02", "-5", "2025-02-28", ""],
            ["1幢", "1-0101", "物业服务费", "2025-03", "10.00", "31/03/2025", ""],
            ["1幢", "1-0201", "物业服务费", "2025-01", "10.00", "2025-01-31", ""],
            ["1幢", "1-0201", "物业服务费", "2025-01", "10.00", "2025-01-31", ""],
        ],
        "预存": [GOOD["预存"][0], ["1幢", "1-0301", "abc"]],
        "押金": [GOOD["押金"][0], ["1幢", "1-0401", "", "100.00", ""]],
        "维修资金": [GOOD["维修资金"][0], ["1幢", "1-0101", "1"], ["1幢", "1-0101", "2"]],
    }
    opening = _check(world, bad)
    assert opening.status == ImportStatus.INVALID
    errors = {(e["sheet"], e["row"], e["field"]) for e in opening.report["errors"]}
    assert errors == {
        ("欠费", 2, "number"),
        ("欠费", 3, "fee_item"),
        ("欠费", 4, "period"),
        ("欠费", 5, "amount"),
        ("欠费", 6, "amount"),
        ("欠费", 7, "due_date"),
        ("欠费", 9, "period"),  # row 8 is fine; row 9 repeats it
        ("预存", 2, "amount"),
        ("押金", 2, "description"),
        ("维修资金", 3, "number"),
    }
    assert all(e["message"] for e in opening.report["errors"])
    assert opening.data == {}
    with pytest.raises(InvalidTransition):
        services.post_opening(actor=world.users["finance"], opening=opening)
    assert not any(h.bills.exists() for h in world.houses)
    assert not OpeningEntry.objects.exists() and not HeldDeposit.objects.exists()


def test_late_charges_and_the_limitation_clock_run_from_the_original_due_date(world, fee):
    opening = _posted(world, fee)
    bill = next(b for b in _bills(opening) if b.due_date == date(2025, 1, 31))
    as_of = date(2025, 3, 1)
    billing.accrue_late_charges(as_of=as_of, community=world.community)
    bill.refresh_from_db()
    # interest from the day after the grace: 2025-02-16 to 2025-03-01 inclusive, 14 days
    start = date(2025, 1, 31) + timedelta(days=16)
    days = (as_of - start).days + 1
    assert days == 14
    assert bill.late_fee == (Decimal("250.00") * Decimal("0.0005") * days).quantize(Decimal("0.01"))
    clock = billing.limitation(bill)
    assert clock["starts"] == date(2025, 1, 31)
    assert clock["expires"] == date(2028, 1, 31)
    # overdue counts from the original due date too
    assert billing_selectors.overdue(
        billing_selectors.bills_by_id([bill.pk]), as_of=date(2025, 2, 1)
    ).exists()
    assert not billing_selectors.overdue(
        billing_selectors.bills_by_id([bill.pk]), as_of=date(2025, 1, 31)
    ).exists()


def test_a_whole_import_is_reversed_until_a_payment_touches_it(world, fee):
    opening = _posted(world, fee)
    billing.accrue_late_charges(as_of=date(2025, 6, 1), community=world.community)
    opening = services.reverse_opening(
        actor=world.users["finance"], opening=opening, reason="文件有误"
    )
    assert opening.status == ImportStatus.REVERSED
    house1, _h2, house3, house4 = world.houses[:4]
    assert billing_selectors.house_arrears(house1) == Decimal("0.00")
    assert billing_selectors.wallet_balances([house3.pk])[house3.pk] == Decimal("0.00")
    house1.refresh_from_db()
    assert house1.fund_account.balance == Decimal("0.00")
    assert HeldDeposit.objects.get(house=house4).status == DepositStatus.REVERSED
    with pytest.raises(InvalidTransition):
        services.reverse_opening(actor=world.users["finance"], opening=opening, reason="again")


def test_a_paid_import_cannot_be_reversed(world, fee):
    opening = _posted(world, fee)
    billing.record_payment(
        actor=world.users["cashier"], house=world.houses[1], amount="100.00", method="cash"
    )
    with pytest.raises(Conflict) as caught:
        services.reverse_opening(actor=world.users["finance"], opening=opening, reason="x")
    assert caught.value.code == "opening_touched" and caught.value.extra["reasons"]
    opening.refresh_from_db()
    assert opening.status == ImportStatus.POSTED


def test_a_used_prepayment_blocks_the_reversal(world, fee):
    opening = _posted(world, fee)
    house3 = world.houses[2]
    billing.refund_prepayment(actor=world.users["finance"], house=house3, amount="1", reason="x")
    with pytest.raises(Conflict):
        services.reverse_opening(actor=world.users["finance"], opening=opening, reason="x")


def _api(world, role="finance"):
    client = APIClient()
    client.force_authenticate(world.users[role])
    return client


def test_the_api_dry_run_post_and_reverse(world, fee):
    client = _api(world)
    answer = client.post(
        "/api/v1/opening-imports/",
        {"community": world.community.pk, "file": workbook(GOOD)},
        format="multipart",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["rows"] == 7 and body["errors"] == []
    assert body["totals"]["arrears"]["amount"] == "752.50"
    posted = client.post(f"/api/v1/opening-imports/{body['id']}/post/")
    assert posted.status_code == 200, posted.content
    assert posted.json()["reconciliation"]["equal"] is True
    again = client.post(f"/api/v1/opening-imports/{body['id']}/post/")
    assert again.status_code == 409
    assert "reverse" in again.json()["error"]["allowed"]
    billing.record_payment(
        actor=world.users["cashier"], house=world.houses[0], amount="10.00", method="cash"
    )
    refused = client.post(f"/api/v1/opening-imports/{body['id']}/reverse/", {"reason": "错"})
    assert refused.status_code == 409, refused.content
    assert refused.json()["error"]["reasons"]
    template = client.get("/api/v1/opening-imports/template/")
    assert template.status_code == 200
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_api_reports_bad_rows_and_bad_files(world, fee):
    client = _api(world)
    bad = {"预存": [["楼栋", "房号", "金额"], ["1幢", "nope", "1.00"]]}
    answer = client.post(
        "/api/v1/opening-imports/",
        {"community": world.community.pk, "file": workbook(bad)},
        format="multipart",
    )
    assert answer.status_code == 201
    assert answer.json()["errors"] == [
        {
            "sheet": "预存",
            "row": 2,
            "field": "number",
            "message": answer.json()["errors"][0]["message"],
        }
    ]
    post = client.post(f"/api/v1/opening-imports/{answer.json()['id']}/post/")
    assert post.status_code == 409
    junk = client.post(
        "/api/v1/opening-imports/",
        {"community": world.community.pk, "file": __import__("io").BytesIO(b"not a workbook")},
        format="multipart",
    )
    assert junk.status_code == 400
    assert "file" in junk.json()["error"]["fields"]


def test_others_and_outsiders_cannot_import(world, fee):
    assert (
        _api(world, "guard")
        .post(
            "/api/v1/opening-imports/",
            {"community": world.community.pk, "file": workbook(GOOD)},
            format="multipart",
        )
        .status_code
        == 403
    )
    opening = _check(world, GOOD)
    outsider = _api(world, "outsider")
    assert outsider.get(f"/api/v1/opening-imports/{opening.pk}/").status_code == 404
    assert outsider.post(f"/api/v1/opening-imports/{opening.pk}/post/").status_code == 404


def test_a_large_import_is_posted_as_a_job(world, fee, settings):
    settings.ANJU_FINANCE_OPENING_JOB_ROWS = 2
    client = _api(world)
    body = client.post(
        "/api/v1/opening-imports/",
        {"community": world.community.pk, "file": workbook(GOOD)},
        format="multipart",
    ).json()
    answer = client.post(f"/api/v1/opening-imports/{body['id']}/post/")
    assert answer.status_code == 200, answer.content  # tasks are eager here
    assert answer.json()["status"] == "posted"
    job = Job.objects.get(kind="finance.opening_posting")
    assert job.status == Job.Status.DONE and job.result["opening"] == body["id"]


def test_the_demo_takeover_workbook_checks_clean_and_reconciles(world, fee):
    import random

    from django.utils import timezone

    from anju.finance import demo

    upload = demo.opening_workbook(world.community, timezone.localdate(), random.Random(1))
    opening = services.check_opening(
        actor=world.users["finance"], community=world.community, fileobj=upload
    )
    assert opening.report["errors"] == []
    opening = services.post_opening(actor=world.users["finance"], opening=opening)
    assert opening.reconciliation["equal"]
