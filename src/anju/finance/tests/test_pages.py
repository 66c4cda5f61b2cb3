"""The finance console pages: opening balances (upload, detail, post, reverse, template),
vouchers, chart of accounts, bank statements (upload, match by hand, close), deposits."""

import io

import pytest
from django.test import Client
from django.utils import timezone

from anju.billing import services as billing
from anju.finance import services
from anju.finance.models import BankStatement, OpeningImport

from .conftest import GOOD, workbook

pytestmark = pytest.mark.django_db


def _client(world, role="finance"):
    client = Client()
    client.force_login(world.users[role])
    return client


def test_opening_pages_upload_post_and_reverse(world, fee):
    client = _client(world)
    assert client.get("/console/finance/opening/").status_code == 200
    assert client.get("/console/finance/opening/new/").status_code == 200
    template = client.get("/console/finance/opening/template/")
    assert template.status_code == 200 and template.content.startswith(b"PK")
    answer = client.post(
        "/console/finance/opening/new/", {"community": world.community.pk, "file": workbook(GOOD)}
    )
    assert answer.status_code == 302, answer.content[:500]
    opening = OpeningImport.objects.get()
    page = client.get(answer["Location"])
    assert page.status_code == 200 and "752.50" in page.content.decode()
    posted = client.post(answer["Location"], {"action": "post"})
    assert posted.status_code == 302
    opening.refresh_from_db()
    assert opening.status == "posted" and opening.reconciliation["equal"]
    page = client.get(answer["Location"]).content.decode()
    assert "equal" in page or "一致" in page
    client.post(answer["Location"], {"action": "reverse", "reason": "原系统数据有误"})
    opening.refresh_from_db()
    assert opening.status == "reversed"
    assert client.get("/console/finance/deposits/").status_code == 200


def test_a_bad_file_lists_its_rows_on_the_page(world, fee):
    client = _client(world)
    bad = {"预存": [["楼栋", "房号", "金额"], ["1幢", "9-9", "1.00"]]}
    answer = client.post(
        "/console/finance/opening/new/", {"community": world.community.pk, "file": workbook(bad)}
    )
    page = client.get(answer["Location"]).content.decode()
    assert "预存" in page and "9-9" in page
    junk = client.post(
        "/console/finance/opening/new/",
        {"community": world.community.pk, "file": io.BytesIO(b"junk")},
    )
    assert junk.status_code == 200  # the form again, with the file's error


def test_vouchers_and_chart_pages(world, fee):
    client = _client(world)
    assert client.get("/console/finance/vouchers/").status_code == 200
    billing.record_payment(
        actor=world.users["cashier"], house=world.houses[0], amount="100.00", method="cash"
    )
    today = timezone.localdate()
    page = client.get(
        "/console/finance/vouchers/",
        {"community": world.community.pk, "start": today, "end": today, "grain": "day"},
    )
    assert page.status_code == 200
    assert "1001" in page.content.decode()  # 库存现金
    assert client.get("/console/finance/chart/").status_code == 200
    saved = client.post(
        "/console/finance/chart/",
        {"key": "cash", "code": "1001.01", "name": "库存现金-前台", "vat_rate": ""},
    )
    assert saved.status_code == 302
    assert services.chart_of(world.org.pk)["cash"][0] == "1001.01"
    refused = client.post("/console/finance/chart/", {"key": "nonsense", "code": "1", "name": "x"})
    assert refused.status_code == 200 and "key" in refused.context["form"].errors


def test_bank_pages_import_match_and_close(world, fee, settings):
    settings.ANJU_PREPAY_MAX_MONTHS = 1000
    pay = billing.record_payment(
        actor=world.users["cashier"], house=world.houses[0], amount="300.00", method="bank"
    )
    twin = billing.record_payment(
        actor=world.users["cashier"], house=world.houses[1], amount="300.00", method="bank"
    )
    day = pay.paid_on
    csv = f"交易日期,摘要,贷方发生额,交易流水号\n{day},物业费,300.00,A\n{day},物业费,300.00,B\n"
    client = _client(world)
    assert client.get("/console/finance/bank/").status_code == 200
    assert client.get("/console/finance/bank/new/").status_code == 200
    upload = io.BytesIO(csv.encode())
    upload.name = "bank.csv"
    answer = client.post(
        "/console/finance/bank/new/",
        {"community": world.community.pk, "bank": "icbc", "file": upload},
    )
    assert answer.status_code == 302, answer.content[:300]
    statement = BankStatement.objects.get()
    page = client.get(answer["Location"])
    assert page.status_code == 200
    a, b = statement.lines.order_by("serial")
    client.post(answer["Location"], {"action": "match", "line": a.pk, "payment": pay.pk})
    client.post(answer["Location"], {"action": "match", "line": b.pk, "payment": twin.pk})
    client.post(answer["Location"], {"action": "close"})
    statement.refresh_from_db()
    assert statement.status == "closed"


def test_pages_are_staff_only_and_scoped(world, fee):
    guard = _client(world, "guard")
    assert guard.get("/console/finance/opening/").status_code == 403
    assert guard.get("/console/finance/vouchers/").status_code == 403
    opening = services.check_opening(
        actor=world.users["finance"], community=world.community, fileobj=workbook(GOOD)
    )
    outsider = _client(world, "outsider")
    assert outsider.get(f"/console/finance/opening/{opening.pk}/").status_code == 404
