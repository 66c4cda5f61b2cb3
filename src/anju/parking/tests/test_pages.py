"""Console pages of parking and the demo."""

import io
import random
from decimal import Decimal

import pytest
from django.test import Client

from anju.core.demo import DemoContext
from anju.core.testing import PASSWORD, make_world
from anju.parking import demo, selectors, services
from anju.parking.models import (
    ParkingEvent,
    ParkingLot,
    Pass,
    PassPrice,
    PassTerm,
    Session,
    SpaceContract,
    Vehicle,
)

pytestmark = pytest.mark.django_db
PAGES = [
    "/console/parking/lots/",
    "/console/parking/sessions/",
    "/console/parking/unpaid/",
    "/console/parking/events/",
    "/console/parking/disclosure/",
]


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
    # Passes sold at the published price and paid online; the first one renewed, unpaid.
    assert PassPrice.objects.filter(lot=lot).count() == 3
    assert Pass.objects.filter(lot=lot, active=True).count() == Pass.objects.filter(lot=lot).count()
    renewal = PassTerm.objects.get(kind="renewal")
    assert renewal.paid_at is None and services.term_bill(renewal).status == "open"
    # Their spaces are planned (rented out), not the common parts: no public income from them.
    sold = Pass.objects.filter(lot=lot).count()
    assert PassTerm.objects.filter(kind="sale", paid_at__isnull=False).count() == sold
    assert not PassTerm.objects.filter(public_income=True).exists()
    assert SpaceContract.objects.filter(kind="sale").count() == 1


def test_the_disclosure_shows_sales_rentals_and_income(world):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    start = today.replace(day=1) - timedelta(days=40)
    row = selectors.disclosure(world.users["manager"], start, today).get()
    assert row.sold_n == 1 and row.sold_amount == Decimal("180000.00") and row.sold_total == 1
    sold = Pass.objects.count()
    assert row.passes_n == sold and row.passes_income == Decimal("300.00") * sold
    assert row.temporary_income > 0
    page = _client("manager").get(f"/console/parking/disclosure/?from={start}&to={today}")
    assert page.status_code == 200
    text = page.content.decode()
    from anju.core.formats import money

    assert "地下车库" in text and money(Decimal("180000.00")) in text and "943" in text
    # Another company's manager sees none of it.
    assert selectors.disclosure(world.users["outsider"], start, today).count() == 0
    assert _client("cleaner").get("/console/parking/disclosure/").status_code == 403


def test_gate_photos_are_checked_shown_and_served_in_scope(world, settings, tmp_path):
    from anju.core.testing import api_client
    from anju.core.tests import samples

    settings.MEDIA_ROOT = tmp_path / "media"
    lot = ParkingLot.objects.get(community=world.community)
    guard = api_client(world.users["guard"])
    r = guard.post(
        "/api/v1/parking/events/",
        {
            "lot": lot.pk,
            "plate": "浙A99999",
            "direction": "in",
            "photo": samples.upload(samples.jpeg(640, 480, gps=True)),
        },
        format="multipart",
    )
    assert r.status_code == 201, r.content
    photo = r.json()["photo"]
    assert photo and photo.startswith("/files/")
    event = ParkingEvent.objects.get(pk=r.json()["id"])
    assert event.photo.media_type == "image/jpeg"
    # Not an image: refused naming the field, nothing recorded.
    before = ParkingEvent.objects.count()
    r = guard.post(
        "/api/v1/parking/events/",
        {
            "lot": lot.pk,
            "plate": "浙A88888",
            "direction": "in",
            "photo": samples.upload(b"%PDF-1.4 not a photo", name="x.jpg"),
        },
        format="multipart",
    )
    assert r.status_code == 400 and "photo" in r.json()["error"]["fields"]
    assert ParkingEvent.objects.count() == before
    page = _client("guard").get("/console/parking/events/").content.decode()
    assert f"/files/{event.photo_id}/thumbnail/" in page
    assert _client("guard").get(photo).status_code == 200
    assert _client("manager2").get(photo).status_code == 404
    assert Client().get(photo).status_code == 404


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
