"""Concurrent sign-ups for the last places of an event on PostgreSQL: the event's row lock
serialises them, so the confirmed people never exceed the capacity; the rest wait."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection

from anju.core.choices import Relation
from anju.core.models import House, Occupancy, Person
from anju.core.testing import make_user, make_world
from anju.life import services
from anju.life.models import Signup

from .helpers import event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_no_overbooking_under_concurrent_sign_ups():
    world = make_world(houses=1)
    e = event(world, capacity=5)
    households = []
    for i in range(8):
        house = House.objects.create(
            organization=world.org,
            community=world.community,
            building=world.building,
            number=f"9-{i:02d}",
            floor=9,
            area=Decimal("90.00"),
        )
        person = Person.objects.create(
            organization=world.org, name=f"住户{i}", phone=f"1380000{i:04d}"
        )
        Occupancy.objects.create(
            organization=world.org,
            community=world.community,
            house=house,
            person=person,
            relation=Relation.OWNER,
            since=date(2020, 1, 1),
        )
        households.append((make_user(f"race{i}", person=person), house))
    barrier = threading.Barrier(len(households))
    errors = []

    def sign(user, house):
        try:
            barrier.wait()
            services.sign_up(actor=user, event=e, house=house, people=2)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=sign, args=h) for h in households]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    rows = list(Signup.objects.filter(event=e))
    confirmed = sum(s.people for s in rows if s.status == "confirmed")
    assert len(rows) == 8 and confirmed == 4  # two households of 2 fit in 5; never 6
    assert sum(1 for s in rows if s.status == "waitlisted") == 6
