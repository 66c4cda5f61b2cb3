"""PostgreSQL only: concurrent ballots are serialized by the vote row lock, so the chain stays
one line (no two ballots with the same sequence number or the same previous hash)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from anju.core.models import Occupancy, Person, User
from anju.core.testing import make_world
from anju.governance import services, tally

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_ballots_keep_one_chain():
    world = make_world()
    people = []
    for i in range(6):
        person = Person.objects.create(organization=world.org, name=f"并发{i}")
        Occupancy.objects.create(
            organization=world.org,
            community=world.community,
            house=world.houses[2] if i == 0 else world.houses[3] if i == 1 else world.houses[0],
            person=person,
            relation="owner",
            is_representative=i < 2,
        )
        User.objects.create(username=f"c{i}", person=person)
        people.append(person)
    from .factories import open_vote

    vote, opens = open_vote(world)
    voters = [
        (world.users["resident"], world.people["owner"]),
        (world.users["neighbour"], world.people["neighbour"]),
        (User.objects.get(person=people[0]), people[0]),
        (User.objects.get(person=people[1]), people[1]),
    ]
    errors = []
    barrier = threading.Barrier(len(voters))

    def run(user, person):
        try:
            barrier.wait()
            for choice in ("yes", "no"):
                services.cast_ballot(
                    actor=user,
                    vote=vote,
                    person=person,
                    choice=choice,
                    now=opens + timedelta(hours=1),
                )
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in voters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert tally.verify_chain(vote) == {"ok": True, "broken_at": None, "checked": 8}
    counts = tally.counts(vote)
    assert counts["no_heads"] == 4 and counts["voted_heads"] == 4
