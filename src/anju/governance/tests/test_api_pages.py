"""Scoping and roles on every governance endpoint and page: another company gets 404, a forbidden
role 403; hot lists have bounded query counts; pages render for the people who use them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from anju.core.testing import PASSWORD
from anju.core.tests import samples
from anju.governance import services

from .factories import cast, open_vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(world):
    vote, opens = open_vote(world)
    cast(vote, world.people["owner"], "yes", opens)
    accounts = services.open_fund_accounts(
        actor=world.users["finance"], community=world.community, rate_per_m2=Decimal("40")
    )
    entry = services.record_income(
        actor=world.users["finance"],
        community=world.community,
        kind="income",
        category="lift_ads",
        amount=Decimal("500"),
        occurred_on=date(2026, 11, 1),
        description="电梯广告",
    )
    d = services.publish_disclosure(
        services.generate_disclosure(
            actor=world.users["finance"],
            community=world.community,
            period_start=date(2026, 7, 1),
            period_end=date(2026, 9, 30),
        ),
        actor=world.users["finance"],
    )
    request = services.create_fund_request(
        actor=world.users["manager"],
        community=world.community,
        title="换水泵",
        houses=world.houses[:2],
        estimated_cost=Decimal("800"),
    )
    allocation = services.allocate_income(
        actor=world.users["finance"],
        community=world.community,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        fund_share="0",
    )
    from anju.governance.models import FundEntry

    return {
        "public-income-allocations": allocation,
        "fund-entries": FundEntry.objects.filter(house=world.houses[0]).first(),
        "votes": vote,
        "fund-accounts": accounts[0],
        "public-income": entry,
        "disclosures": d,
        "fund-requests": request,
        "opens": opens,
    }


ENDPOINTS = [
    "votes",
    "fund-accounts",
    "public-income",
    "disclosures",
    "fund-requests",
    "public-income-allocations",
    "fund-entries",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_other_company_gets_404_and_sees_nothing(world, api, filled, endpoint):
    outsider = api(world.users["outsider"])
    assert outsider.get(f"/api/v1/{endpoint}/{filled[endpoint].pk}/").status_code == 404
    assert outsider.get(f"/api/v1/{endpoint}/").json()["count"] == 0


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_technician_is_forbidden(world, api, filled, endpoint):
    assert api(world.users["technician"]).get(f"/api/v1/{endpoint}/").status_code == 403


def test_resident_reads_but_cannot_manage(world, api, filled):
    resident = api(world.users["resident"])
    vote = filled["votes"]
    assert resident.get(f"/api/v1/votes/{vote.pk}/").status_code == 200
    assert resident.get(f"/api/v1/votes/{vote.pk}/result/").status_code == 200
    assert resident.post(f"/api/v1/votes/{vote.pk}/close/").status_code == 403
    assert resident.get("/api/v1/votes/").json()["count"] == 1  # one row even with several houses
    accounts = resident.get("/api/v1/fund-accounts/").json()
    assert [a["house"] for a in accounts["results"]] == [
        world.houses[0].pk
    ]  # only my house's ledger
    assert resident.get("/api/v1/disclosures/").json()["count"] == 1
    stranger = api(world.users["stranger"])
    assert stranger.get(f"/api/v1/votes/{vote.pk}/").status_code == 404


def test_manager_of_another_community_gets_404(world, api, filled):
    manager2 = api(world.users["manager2"])
    assert manager2.get(f"/api/v1/votes/{filled['votes'].pk}/").status_code == 404
    assert manager2.post(f"/api/v1/votes/{filled['votes'].pk}/close/").status_code == 404


def test_vote_create_in_another_company_is_404(world, api):
    from django.utils import timezone

    opens = timezone.now() + timedelta(days=20)
    response = api(world.users["committee"]).post(
        "/api/v1/votes/",
        {
            "community": world.other_community.pk,
            "title": "x",
            "matter": "rebuild",
            "opens_at": opens.isoformat(),
            "closes_at": (opens + timedelta(days=3)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 404


def test_unknown_matter_is_400(world, api):
    from django.utils import timezone

    opens = timezone.now() + timedelta(days=20)
    response = api(world.users["committee"]).post(
        "/api/v1/votes/",
        {
            "community": world.community.pk,
            "title": "x",
            "matter": "sell_the_roof",
            "opens_at": opens.isoformat(),
            "closes_at": (opens + timedelta(days=3)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400 and "matter" in response.json()["error"]["fields"]


def test_list_query_counts_are_bounded(world, api, filled, django_assert_max_num_queries):
    for i in range(5):
        services.create_vote(
            actor=world.users["committee"],
            community=world.community,
            title=f"v{i}",
            matter="other_major",
            opens_at=filled["opens"],
            closes_at=filled["opens"] + timedelta(1),
        )
    client = api(world.users["manager"])
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/votes/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/fund-accounts/").status_code == 200


def test_disclosure_pdf_endpoint(world, api, filled):
    response = api(world.users["resident"]).get(
        f"/api/v1/disclosures/{filled['disclosures'].pk}/pdf/"
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_income_cost_without_evidence_is_400(world, api):
    response = api(world.users["finance"]).post(
        "/api/v1/public-income/",
        {
            "community": world.community.pk,
            "kind": "cost",
            "category": "other",
            "amount": "10.00",
            "occurred_on": "2026-11-02",
            "description": "清洁",
        },
        format="multipart",
    )
    assert response.status_code == 400 and "evidence" in response.json()["error"]["fields"]


def _login(username):
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.mark.parametrize(
    "name",
    [
        "vote-list",
        "disclosure-list",
        "income-list",
        "fund-list",
        "fundrequest-list",
        "vote-create",
        "disclosure-create",
        "income-create",
    ],
)
def test_console_pages_render(world, filled, name):
    from django.urls import reverse

    response = _login("manager").get(reverse(f"console:{name}"))
    assert response.status_code == 200


def test_console_detail_pages_render(world, filled):
    manager = _login("manager")
    vote = filled["votes"]
    page = manager.get(f"/console/votes/{vote.pk}/").content.decode()
    assert "turnout-chart" in page and vote.title in page
    assert manager.get(f"/console/votes/{vote.pk}/paper/").status_code == 200
    assert manager.get(f"/console/disclosures/{filled['disclosures'].pk}/").status_code == 200
    assert manager.get(f"/console/disclosures/{filled['disclosures'].pk}/pdf/").status_code == 200
    assert manager.get(f"/console/fund/requests/{filled['fund-requests'].pk}/").status_code == 200
    assert _login("outsider").get(f"/console/votes/{vote.pk}/").status_code == 404


def test_console_actions_and_paper_ballot(world, filled):
    from django.core.files.uploadedfile import SimpleUploadedFile

    vote = filled["votes"]
    elector = vote.electors.get(person=world.people["neighbour"])
    import time_machine

    with time_machine.travel(filled["opens"] + timedelta(hours=1)):
        manager = _login("manager")
        response = manager.post(
            f"/console/votes/{vote.pk}/paper/",
            {
                "elector": elector.pk,
                "choice": "no",
                "scan": SimpleUploadedFile("s.jpg", samples.jpeg()),
            },
        )
        assert response.status_code == 302
        manager.post(f"/console/votes/{vote.pk}/remind/")
    assert vote.ballots.count() == 2


def test_portal_pages(world, filled):
    resident = _login("resident")
    vote = filled["votes"]
    assert vote.title in resident.get("/app/votes/").content.decode()
    page = resident.get(f"/app/votes/{vote.pk}/").content.decode()
    assert "my-receipt" in page
    receipt = vote.ballots.get(person=world.people["owner"]).hash
    check = resident.get(f"/app/votes/{vote.pk}/check/", {"receipt": receipt}).content.decode()
    assert "check-result" in check
    assert resident.get("/app/disclosures/").status_code == 200
    assert resident.get(f"/app/disclosures/{filled['disclosures'].pk}/").status_code == 200
    fund_page = resident.get("/app/fund/").content.decode()
    assert "¥4,000.00" in fund_page
    assert _login("stranger").get(f"/app/votes/{vote.pk}/").status_code == 404


def test_dashboard_cards_and_personal_data(world, filled, rf):
    from django.apps import apps

    config = apps.get_app_config("governance")
    request = rf.get("/console/")
    request.user, request.community_id = world.users["manager"], None
    cards = config.dashboard_cards(request)
    assert any("%" in str(c["value"]) for c in cards)
    data = config.personal_data(world.users["resident"])
    assert data["ballots"][0]["choice"] == "yes"


def test_console_forms_create_objects(world, filled):
    manager = _login("manager")
    response = manager.post(
        "/console/fund/requests/new/",
        {
            "community": world.community.pk,
            "title": "1幢外墙修复",
            "buildings": [world.building.pk],
            "estimated_cost": "5000.00",
            "emergency": "on",
            "emergency_kind": "facade",
            "justification": "外墙瓷砖空鼓脱落，已拉警戒线。",
        },
    )
    assert response.status_code == 302
    from anju.governance.models import FundUseRequest

    created = FundUseRequest.objects.get(title="1幢外墙修复")
    assert created.houses.count() == 4 and created.emergency
    services.record_income(
        actor=world.users["finance"],
        community=world.community,
        kind="income",
        category="venue",
        amount=Decimal("500"),
        occurred_on=date(2026, 12, 1),
        description="场地租金",
    )
    finance = _login("finance")
    allocated = finance.post(
        "/console/public-income/allocate/",
        {
            "community": world.community.pk,
            "period_start": "2026-12-01",
            "period_end": "2026-12-31",
            "fund_share": "1/2",
        },
    )
    assert allocated.status_code == 302
    from anju.governance.models import IncomeAllocation

    assert IncomeAllocation.objects.get(period_start=date(2026, 12, 1)).to_fund == Decimal("250.00")
