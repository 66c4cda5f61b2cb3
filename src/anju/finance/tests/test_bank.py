"""Bank matching: statements of different banks (CSV and xlsx), automatic matching where one
payment fits, ties and near-misses left to a person, duplicates skipped, unmatched on both
sides listed, matching by hand, closing."""

import io
from datetime import date, datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from anju.billing import services as billing
from anju.core.errors import Conflict, DomainError
from anju.finance import selectors, services
from anju.finance.choices import LineStatus

from .conftest import workbook

pytestmark = pytest.mark.django_db


def _pay(world, house, amount, day, reference="", method="bank"):
    when = timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=10)))
    return billing.record_payment(
        actor=world.users["cashier"],
        house=world.houses[house],
        amount=amount,
        method=method,
        reference=reference,
        when=when,
    )


@pytest.fixture
def paid(world, settings):
    settings.ANJU_PREPAY_MAX_MONTHS = 1000  # no bills here: every payment is a prepayment
    from anju.billing.choices import Method

    billing.create_fee_item(
        actor=world.users["org_admin"],
        community=world.community,
        name="物业服务费",
        method=Method.AREA,
        unit_price="2.5",
        unit="元/m²·月",
        basis="合同",
        effective_from=date(2026, 1, 1),
        published=True,
    )
    return {
        "unique": _pay(world, 0, "300.00", date(2026, 11, 2)),
        "named": _pay(world, 1, "250.00", date(2026, 11, 3), reference="1幢1-0201物业费"),
        "twin_a": _pay(world, 2, "250.00", date(2026, 11, 3)),
        "tie_a": _pay(world, 2, "120.00", date(2026, 11, 4)),
        "tie_b": _pay(world, 3, "120.00", date(2026, 11, 4)),
        "late": _pay(world, 3, "80.00", date(2026, 11, 20)),
        "cash": _pay(world, 0, "66.00", date(2026, 11, 2), method="cash"),
    }


ICBC_CSV = (
    "中国工商银行 账户明细\n"
    "交易日期,摘要,贷方发生额,借方发生额,对方户名,交易流水号\n"
    "2026-11-03,物业费,300.00,,张三,S1\n"  # unique by amount, a day late: auto
    "2026-11-03,1幢1-0201物业费,250.00,,李四,S2\n"  # two fit; the reference names one: auto
    "2026-11-04,物业费,120.00,,王五,S3\n"  # two of the same amount that day: a person
    "2026-11-04,物业费,120.01,,王五,S4\n"  # near-miss by a fen: none
    "2026-11-10,物业费,80.00,,赵六,S5\n"  # ten days early: outside the window
    "2026-11-03,物业费,300.00,,张三,S1\n"  # the same line twice: a duplicate
    "2026-11-05,手续费,,5.00,,S6\n"  # money out: not a payment
)


def _statement(world, text=ICBC_CSV, bank="icbc"):
    upload = io.BytesIO(text.encode("gb18030"))
    return services.import_statement(
        actor=world.users["finance"], community=world.community, bank=bank, upload=upload
    )


def test_lines_match_where_exactly_one_payment_fits(world, paid):
    statement = _statement(world)
    assert statement.report == {"lines": 6 - 1, "duplicates": 1, "matched": 2}
    lines = {line.serial: line for line in statement.lines.all()}
    assert lines["S1"].payment == paid["unique"] and lines["S1"].matched_automatically
    assert lines["S2"].payment == paid["named"]
    for serial in ("S3", "S4", "S5"):
        assert lines[serial].status == LineStatus.UNMATCHED, serial
    fits, _named = services.candidates(lines["S3"])
    assert {p.pk for p in fits} == {paid["tie_a"].pk, paid["tie_b"].pk}
    assert services.candidates(lines["S4"])[0] == []  # a fen off: nothing fits
    assert services.candidates(lines["S5"])[0] == []
    # both sides of what is left: three lines, and the payments no line holds (never cash)
    left = {p.pk for p in selectors.unmatched_payments(statement)}
    assert left == {paid["twin_a"].pk, paid["tie_a"].pk, paid["tie_b"].pk}
    # the same statement again: every line a duplicate
    with pytest.raises(DomainError):
        _statement(world)


def test_matching_by_hand_and_closing(world, paid):
    statement = _statement(world)
    lines = {line.serial: line for line in statement.lines.all()}
    with pytest.raises(Conflict):
        services.close_statement(actor=world.users["finance"], statement=statement)
    services.match_line(actor=world.users["finance"], line=lines["S3"], payment=paid["tie_b"])
    with pytest.raises(DomainError) as caught:  # held by another line now
        services.match_line(actor=world.users["finance"], line=lines["S5"], payment=paid["tie_b"])
    assert "payment" in caught.value.fields
    with pytest.raises(DomainError):  # another amount
        services.match_line(actor=world.users["finance"], line=lines["S4"], payment=paid["tie_a"])
    with pytest.raises(DomainError):  # cash never reaches the bank
        services.match_line(actor=world.users["finance"], line=lines["S5"], payment=paid["cash"])
    services.match_line(actor=world.users["finance"], line=lines["S5"], payment=paid["late"])
    booked_late = _pay(world, 0, "120.01", date(2026, 11, 4))
    line = services.match_line(actor=world.users["finance"], line=lines["S4"], payment=booked_late)
    line = services.unmatch_line(actor=world.users["finance"], line=line)
    assert line.payment is None and line.status == LineStatus.UNMATCHED
    services.match_line(actor=world.users["finance"], line=line, payment=booked_late)
    statement = services.close_statement(actor=world.users["finance"], statement=statement)
    assert statement.status == "closed"
    with pytest.raises(Conflict):
        services.unmatch_line(actor=world.users["finance"], line=lines["S5"])


def test_an_xlsx_statement_of_another_bank(world, paid):
    upload = workbook(
        {
            "明细": [
                ["招商银行对账单"],
                ["交易日", "摘要", "贷方金额", "收(付)方名称", "流水号"],
                [date(2026, 11, 2), "物业费", 300, "张三", "C1"],
                ["20261103", "1幢1-0201物业费", "250.00", "李四", "C2"],
            ]
        }
    )
    statement = services.import_statement(
        actor=world.users["finance"], community=world.community, bank="cmb", upload=upload
    )
    assert statement.report["matched"] == 2


def test_unreadable_rows_write_nothing(world, paid):
    text = (
        "交易日期,摘要,贷方发生额,交易流水号\n2026-11-03,物业费,abc,X1\n31/11/2026,物业费,1.00,X2\n"
    )
    with pytest.raises(DomainError) as caught:
        _statement(world, text)
    assert [r["field"] for r in caught.value.extra["rows"]] == ["amount", "date"]
    with pytest.raises(DomainError):
        _statement(world, "foo,bar\n1,2\n")
    assert not selectors.statements(world.users["finance"]).exists()


def test_the_api_imports_lists_and_matches(world, paid):
    client = APIClient()
    client.force_authenticate(world.users["finance"])
    upload = io.BytesIO(ICBC_CSV.encode("utf-8"))
    upload.name = "icbc.csv"
    answer = client.post(
        "/api/v1/bank-statements/",
        {"community": world.community.pk, "bank": "icbc", "file": upload},
        format="multipart",
    )
    assert answer.status_code == 201, answer.content
    statement = answer.json()
    listed = client.get(
        f"/api/v1/bank-statements/{statement['id']}/lines/", {"status": "unmatched"}
    )
    assert listed.status_code == 200
    body = listed.json()
    assert {row["serial"] for row in body["results"]} == {"S3", "S4", "S5"}
    assert {p["id"] for p in body["unmatched_payments"]} == {
        paid["twin_a"].pk,
        paid["tie_a"].pk,
        paid["tie_b"].pk,
    }
    s3 = next(row for row in body["results"] if row["serial"] == "S3")
    matched = client.post(
        f"/api/v1/bank-statements/{statement['id']}/lines/",
        {"line": s3["id"], "payment": paid["tie_a"].pk},
        format="json",
    )
    assert matched.status_code == 200, matched.content
    assert matched.json()["payment"] == paid["tie_a"].pk
    again = client.post(
        f"/api/v1/bank-lines/{s3['id']}/match/", {"payment": paid["tie_b"].pk}, format="json"
    )
    assert again.status_code == 409
    closed = client.post(f"/api/v1/bank-statements/{statement['id']}/close/")
    assert closed.status_code == 409
    outsider = APIClient()
    outsider.force_authenticate(world.users["outsider"])
    assert outsider.get(f"/api/v1/bank-statements/{statement['id']}/lines/").status_code == 404
