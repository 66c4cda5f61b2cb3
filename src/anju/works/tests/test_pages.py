"""Console and portal pages of the works, and the demo."""

import io
import random

import pytest
from django.test import Client

from anju.core.demo import DemoContext
from anju.core.testing import PASSWORD, make_world
from anju.works import demo
from anju.works.models import Deposit, Inspection, Move, Renovation

pytestmark = pytest.mark.django_db


def _client(username):
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def world():
    world = make_world()
    staff = {
        "manager": world.users["manager"],
        "tech": world.users["technician"],
        "cashier": world.users["cashier"],
    }
    demo.build(
        DemoContext(
            organization=world.org,
            communities=[world.community],
            staff=staff,
            residents=[(world.users["resident"], world.people["owner"], world.houses[0])],
            rng=random.Random(1),
            out=io.StringIO(),
        )
    )
    return world


def test_the_demo_tells_the_story(world):
    under_way = Renovation.objects.get(house=world.houses[0])
    assert under_way.state == "approved"
    assert Inspection.objects.filter(renovation=under_way, passed=False).exists()
    assert Renovation.objects.filter(state="submitted").exists()
    assert Deposit.objects.filter(state="held").count() >= 4
    assert Move.objects.filter(kind="move_out", state="open").exists()


def test_console_pages_for_the_roles(world):
    renovation = Renovation.objects.get(house=world.houses[0])
    deposit = Deposit.objects.filter(state="held").first()
    move = Move.objects.filter(kind="move_out").first()
    pages = [
        "/console/works/renovations/",
        f"/console/works/renovations/{renovation.pk}/",
        "/console/works/deposits/",
        f"/console/works/deposits/{deposit.pk}/",
        "/console/works/deposits/houses/",
        "/console/works/deposits/report/",
        "/console/works/moves/",
        f"/console/works/moves/{move.pk}/",
        "/console/works/moves/move-out/",
    ]
    manager = _client("manager")
    for url in pages:
        assert manager.get(url).status_code == 200, url
    page = manager.get(f"/console/works/renovations/{renovation.pk}/").content.decode()
    assert "安居家装工程有限公司" in page and "第八条" in page and 'id="inspect"' in page
    assert _client("cleaner").get("/console/works/deposits/").status_code == 403
    assert _client("manager2").get(f"/console/works/deposits/{deposit.pk}/").status_code == 404
    cashier = _client("cashier")
    assert cashier.get("/console/works/deposits/report/").status_code == 200
    assert manager.get("/console/works/deposits/?export=xlsx").status_code == 200


def test_the_residents_page(world):
    resident = _client("resident")
    page = resident.get("/app/renovations/").content.decode()
    assert "安居家装工程有限公司" in page and "电梯内铺设保护" in page
    assert resident.get("/app/renovations/apply/").status_code == 200
    assert _client("neighbour").get("/app/renovations/").content.decode().count("安居家装") == 0
