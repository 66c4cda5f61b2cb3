"""小区对比: every app's measures per community, scoped, best and worst marked, exported; and
impossible dates in query strings never answer 500."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from anju.core.comparison import Metric
from anju.core.models import Community
from anju.core.testing import PASSWORD, make_user
from anju.servicedesk import services as desk

pytestmark = pytest.mark.django_db


def _client(username):
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _tickets(world, community, n):
    for _ in range(n):
        desk.open_ticket(
            actor=world.users["org_admin"],
            community=community,
            kind="repair",
            category="water",
            description="水管漏水",
            channel="phone",
        )


def _row(page, label):
    """The cells of the measure row ``label`` in the compare table."""
    body = page.content.decode()
    start = body.index(f"<td>{label}")
    row = body[start : body.index("</tr>", start)]
    return [cell.split(">", 1)[1].split("<", 1)[0] for cell in row.split('<td class="right')[1:]]


def test_company_admin_compares_communities(world):
    _tickets(world, world.community, 3)
    _tickets(world, world.community2, 1)
    page = _client("org_admin").get("/console/compare/")
    assert page.status_code == 200
    body = page.content.decode()
    # Columns in name order: 甲一小区, 甲二小区; the other company's community is not there.
    assert body.index("甲一小区") < body.index("甲二小区") and "乙小区" not in body
    assert _row(page, "新开工单") == ["3", "1"]
    # Fewer open tickets is better: 甲二小区 is best, 甲一小区 worst.
    assert 'class="right worst">3<' in body and 'class="right best">1<' in body


def test_measures_mark_best_and_worst():
    metric = Metric("x", "x", "%", "high", {1: Decimal("0.9"), 2: Decimal("0.5"), 3: None})
    assert (metric.tone(1), metric.tone(2), metric.tone(3)) == ("best", "worst", "")
    assert metric.display(1) == "90.0%" and metric.display(3) == "—"
    low = Metric("y", "y", "", "low", {1: 3, 2: 3})
    assert low.tone(1) == ""  # all equal: no one is best
    volume = Metric("z", "z", "", "", {1: 5, 2: 1})
    assert volume.tone(1) == ""


def test_scoped_by_role_and_community(world):
    _tickets(world, world.community, 2)
    manager = _client("manager").get("/console/compare/").content.decode()
    assert "甲一小区" in manager and "甲二小区" not in manager
    assert _client("agent").get("/console/compare/").status_code == 403
    assert _client("resident").get("/console/compare/").status_code == 302  # to the portal
    outsider = _client("outsider").get("/console/compare/").content.decode()
    assert "乙小区" in outsider and "甲一小区" not in outsider


def test_queries_do_not_grow_with_communities(world, django_assert_max_num_queries):
    admin = _client("org_admin")
    admin.get("/console/compare/")
    with django_assert_max_num_queries(60) as before:
        admin.get("/console/compare/")
    for i in range(4):
        Community.objects.create(organization=world.org, name=f"甲{i + 3}小区")
    with django_assert_max_num_queries(len(before.captured_queries)):
        admin.get("/console/compare/")


def test_export_as_shown(world):
    _tickets(world, world.community, 2)
    export = _client("org_admin").get("/console/compare/?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0][1:]) == ["甲一小区", "甲二小区"]
    backlog = next(r for r in rows if "当前未完成工单" in str(r[0]))
    assert list(backlog[1:]) == ["2", "0"]
    # Without the export permission (a committee member has none): refused.
    committee = make_user("c2", org=world.org, role="committee", communities=[world.community])
    assert committee.pk and _client("c2").get("/console/compare/?export=xlsx").status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/console/compare/?to=2026-02-30",
        "/console/service/kpis/?from=2026-13-01",
        "/api/v1/service-kpis/?from=2026-02-30",
    ],
)
def test_impossible_dates_are_not_500(world, url):
    answer = _client("org_admin").get(url)
    assert answer.status_code in (200, 400), url


def test_today_default_period(world):
    page = _client("org_admin").get("/console/compare/")
    assert timezone.localdate().isoformat() in page.content.decode()


def test_api_comparison(world, api):
    _tickets(world, world.community, 2)
    answer = api(world.users["org_admin"]).get("/api/v1/community-comparison/")
    assert answer.status_code == 200
    data = answer.json()
    assert [c["name"] for c in data["communities"]] == ["甲一小区", "甲二小区"]
    backlog = next(m for m in data["metrics"] if m["key"] == "backlog")
    ids = [str(c["id"]) for c in data["communities"]]
    assert [backlog["values"][i] for i in ids] == [2, 0] and backlog["better"] == "low"
    overdue = next(m for m in data["metrics"] if m["key"] == "overdue_amount")
    assert overdue["unit"] == "¥" and overdue["values"][ids[0]] == "0.00"
    mine = api(world.users["manager"]).get("/api/v1/community-comparison/").json()
    assert [c["name"] for c in mine["communities"]] == ["甲一小区"]
    assert api(world.users["agent"]).get("/api/v1/community-comparison/").status_code == 403
    assert api(world.users["resident"]).get("/api/v1/community-comparison/").status_code == 403
    bad = api(world.users["org_admin"]).get("/api/v1/community-comparison/?from=2026-02-30")
    assert bad.status_code == 400 and "from" in bad.json()["error"]["fields"]
    backwards = api(world.users["org_admin"]).get(
        "/api/v1/community-comparison/?from=2026-11-20&to=2026-11-01"
    )
    assert backwards.status_code == 400
