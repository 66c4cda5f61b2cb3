"""Console pages of parking and the demo."""

import io
import random

import pytest
from django.test import Client

from anju.core.demo import DemoContext
from anju.core.testing import PASSWORD, make_world
from anju.parking import demo
from anju.parking.models import ParkingLot, Pass, Session, Vehicle

pytestmark = pytest.mark.django_db
PAGES = ["/console/parking/lots/", "/console/parking/sessions/", "/console/parking/unpaid/"]


def _client(username):
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def world():
    world = make_world()
    staff = {
        "manager": world.users["manager"],
        "guard": world.users["guard"],
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


def test_the_demo_builds_a_lot_with_traffic(world):
    lot = ParkingLot.objects.get(community=world.community)
    assert lot.fee_rule and lot.spaces.count() >= 14
    assert Vehicle.objects.filter(community=world.community).exists()
    assert Pass.objects.filter(lot=lot).exists()
    assert Session.objects.filter(lot=lot, state="unpaid_exit").count() == 1
    assert Session.objects.filter(lot=lot, state="open").count() >= 2


def test_pages_for_the_roles(world):
    for username in ("manager", "guard", "cashier", "agent"):
        client = _client(username)
        for url in [*PAGES, "/console/parking/passes/"]:
            response = client.get(url)
            assert response.status_code == 200, (username, url, response.status_code)
    page = _client("guard").get("/console/parking/lots/").content.decode()
    assert "地下车库" in page
    assert _client("cleaner").get("/console/parking/sessions/").status_code == 403
    export = _client("manager").get("/console/parking/sessions/?export=xlsx")
    assert export.status_code == 200


def test_parking_simulate_drives_a_day_through_the_gates(world):
    from django.core.management import call_command

    lot = ParkingLot.objects.get(community=world.community)
    before = Session.objects.filter(lot=lot).count()
    out = io.StringIO()
    call_command("parking_simulate", lot=lot.pk, date="2026-11-02", visits=12, stdout=out)
    assert "12 entries" in out.getvalue()
    assert Session.objects.filter(lot=lot).count() > before
