"""Governance objects with files list them as ``attachments`` (issue 16): votes (the proposal's
papers), fund requests (quotes, contracts), public-income rows (their evidence) and paper ballots
(the scan, seen by the staff who record ballots, not by every owner reading the vote)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from anju.core.models import Attachment
from anju.core.tests import samples
from anju.governance import services

from .factories import open_vote

pytestmark = pytest.mark.django_db

KEYS = ["id", "url", "name", "content_type", "size", "thumbnail_url"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def fetch(client, user, url):
    client.force_login(user)
    return client.get(url).status_code


def test_vote_lists_its_papers_and_the_files_answer_its_readers(world, api, client):
    vote, _ = open_vote(world, days=20)
    vote.status = "noticed"
    vote.save(update_fields=["status"])
    committee = api(world.users["committee"])
    url = f"/api/v1/votes/{vote.pk}/attachments/"
    for upload in (
        samples.upload(samples.pdf(), "改造方案.pdf", "application/pdf"),
        samples.upload(samples.jpeg(), "现场.jpg"),
    ):
        assert committee.post(url, {"file": upload}, format="multipart").status_code == 201
    refused = committee.post(
        url, {"file": samples.upload(samples.EXE, "方案.pdf")}, format="multipart"
    )
    assert refused.status_code == 400 and list(refused.json()["error"]["fields"]) == ["file"]
    listed = api(world.users["resident"]).get(f"/api/v1/votes/{vote.pk}/").json()["attachments"]
    assert [list(a) for a in listed] == [KEYS, KEYS]
    pdf, photo = listed
    assert pdf["content_type"] == "application/pdf" and pdf["thumbnail_url"] is None
    assert photo["thumbnail_url"]
    assert fetch(client, world.users["resident"], pdf["url"]) == 200
    assert fetch(client, world.users["stranger"], pdf["url"]) == 404
    assert fetch(client, world.users["outsider"], photo["url"]) == 404


def test_a_paper_ballot_scan_belongs_to_the_ballot(world, api, client):
    vote, opens = open_vote(world)
    with time_machine.travel(opens + timedelta(hours=1)):
        response = api(world.users["committee"]).post(
            f"/api/v1/votes/{vote.pk}/ballots/",
            {
                "person": world.people["neighbour"].pk,
                "choice": "no",
                "scan": samples.upload(samples.jpeg(gps=True), "票.jpg"),
            },
            format="multipart",
        )
    assert response.status_code == 201, response.content
    (scan,) = response.json()["attachments"]
    assert Attachment.objects.get(pk=scan["id"]).content_type.model == "ballot"
    assert fetch(client, world.users["committee"], scan["url"]) == 200
    # Owners read the vote's attachments; the signed form is not one of them.
    assert fetch(client, world.users["resident"], scan["url"]) == 404
    assert api(world.users["resident"]).get(f"/api/v1/votes/{vote.pk}/").json()["attachments"] == []


def test_fund_request_documents_and_income_evidence(world, api, client):
    services.open_fund_accounts(
        actor=world.users["finance"], community=world.community, rate_per_m2=Decimal("40")
    )
    request = services.create_fund_request(
        actor=world.users["manager"],
        community=world.community,
        title="更换二次供水水泵",
        houses=world.houses[:1],
        estimated_cost=Decimal("800"),
    )
    manager = api(world.users["manager"])
    added = manager.post(
        f"/api/v1/fund-requests/{request.pk}/attachments/",
        {"file": [samples.upload(samples.pdf(), "报价单.pdf", "application/pdf")]},
        format="multipart",
    )
    assert added.status_code == 201, added.content
    (quote,) = added.json()["attachments"]
    assert list(quote) == KEYS and quote["name"] == "报价单.pdf"
    listed = manager.get("/api/v1/fund-requests/").json()["results"]
    assert listed[0]["attachments"] == [quote]
    assert fetch(client, world.users["resident"], quote["url"]) == 200  # shares the cost
    assert fetch(client, world.users["neighbour"], quote["url"]) == 404  # does not
    assert fetch(client, world.users["outsider"], quote["url"]) == 404

    entry = services.record_income(
        actor=world.users["finance"],
        community=world.community,
        kind="cost",
        category="parking",
        amount=Decimal("300"),
        occurred_on=date(2026, 11, 1),
        description="道闸维修",
        evidence=samples.upload(samples.jpeg(), "发票.jpg"),
    )
    row = api(world.users["finance"]).get(f"/api/v1/public-income/{entry.pk}/").json()
    (evidence,) = row["attachments"]
    assert row["evidence_url"] == evidence["url"] and evidence["name"] == "发票.jpg"
    assert fetch(client, world.users["finance"], evidence["url"]) == 200
    assert fetch(client, world.users["outsider"], evidence["url"]) == 404
