"""Tickets list their files as ``attachments`` (issue 16): detail and list alike, the list's
files come with its one page statement (no query per ticket), and each ``url`` answers only
those who may see the ticket."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from anju.core.tests import samples

pytestmark = pytest.mark.django_db

KEYS = ["id", "url", "name", "content_type", "size", "thumbnail_url"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def report(api, world, photos=0, user="resident"):
    files = [samples.upload(samples.jpeg(320, 240), f"漏水{i}.jpg") for i in range(photos)]
    response = api(world.users[user]).post(
        "/api/v1/tickets/",
        {
            "community": world.community.pk,
            "house": world.house.pk,
            "kind": "repair",
            "category": "water",
            "description": "厨房水管漏水",
            "attachments": files,
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_ticket_detail_list_and_actions_carry_attachments(world, api, client):
    created = report(api, world, photos=2)
    assert [list(a) for a in created["attachments"]] == [KEYS, KEYS]
    first = created["attachments"][0]
    assert first["name"] == "漏水0.jpg" and first["content_type"] == "image/jpeg"
    assert first["url"] == f"/files/{first['id']}/"
    assert first["thumbnail_url"] == f"/files/{first['id']}/thumbnail/"
    assert first["size"] > 0

    agent = api(world.users["agent"])
    detail = agent.get(f"/api/v1/tickets/{created['id']}/").json()
    assert detail["attachments"] == created["attachments"]
    (row,) = agent.get("/api/v1/tickets/").json()["results"]
    assert row["attachments"] == created["attachments"]

    # The technician's arrival photo joins them.
    ticket = created["id"]
    tech = world.users["technician"]
    assert agent.post(f"/api/v1/tickets/{ticket}/assign/", {"assignee": tech.pk}).status_code == 200
    technician = api(tech)
    assert technician.post(f"/api/v1/tickets/{ticket}/accept/").status_code == 200
    arrived = technician.post(
        f"/api/v1/tickets/{ticket}/arrive/",
        {"note": "到场", "photos": [samples.upload(samples.png(), "现场.png")]},
        format="multipart",
    )
    assert arrived.status_code == 200, arrived.content
    assert [a["name"] for a in arrived.json()["attachments"]] == [
        "漏水0.jpg",
        "漏水1.jpg",
        "现场.png",
    ]
    refused = technician.post(
        f"/api/v1/tickets/{ticket}/resolve/",
        {"note": "修好了", "photos": [samples.upload(samples.SVG, "done.svg")]},
        format="multipart",
    )
    assert refused.status_code == 400
    assert list(refused.json()["error"]["fields"]) == ["photos"]
    assert agent.get(f"/api/v1/tickets/{ticket}/").json()["status"] == "in_progress"

    # The url answers the reporter and the community's staff, no one else.
    for who, status in [("resident", 200), ("agent", 200), ("neighbour", 404), ("outsider", 404)]:
        client.force_login(world.users[who])
        assert client.get(first["url"]).status_code == status, who


def _queries(api, user, url):
    with CaptureQueriesContext(connection) as captured:
        response = api(user).get(url)
    assert response.status_code == 200
    return len(captured), response.json()


def test_the_list_costs_the_same_queries_with_files_as_without(world, api):
    """The page statement brings each ticket's files (one index probe per ticket of the page
    inside it); the request's query count does not grow with tickets or files."""
    report(api, world)
    agent = world.users["agent"]
    url = f"/api/v1/tickets/?community={world.community.pk}"
    _queries(api, agent, url)  # warm the content-type cache
    bare, _ = _queries(api, agent, url)
    for _ in range(5):
        report(api, world, photos=2)
    with_files, page = _queries(api, agent, url)
    assert with_files == bare
    assert page["count"] == 6
    assert sorted(len(t["attachments"]) for t in page["results"]) == [0, 2, 2, 2, 2, 2]
