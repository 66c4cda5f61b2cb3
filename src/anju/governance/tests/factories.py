"""Small builders for governance tests: an estate with chosen owners and a vote in any state."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from anju.core.models import Building, House, Occupancy, Person, User

from .. import services

_counter = [0]


def estate(world, specs, *, building_name="9幢", community=None):
    """``specs``: list of (area, owner_key or None, sold, delivered) -> houses and people by key.
    An owner_key may repeat (one owner of several houses)."""
    community = community or world.community
    building = Building.objects.create(
        organization=world.org, community=community, name=building_name
    )
    houses, people = [], {}
    for i, (area, owner, sold, delivered) in enumerate(specs):
        house = House.objects.create(
            organization=world.org,
            community=community,
            building=building,
            number=f"{i + 1:03d}",
            area=Decimal(str(area)),
            sold=sold,
            delivered=delivered,
        )
        houses.append(house)
        if owner is not None:
            person = people.get(owner)
            if person is None:
                _counter[0] += 1
                person = people[owner] = Person.objects.create(
                    organization=world.org, name=f"业主{owner}"
                )
                User.objects.create(username=f"owner-{_counter[0]}-{owner}", person=person)
            is_rep = not Occupancy.objects.filter(house=house, is_representative=True).exists()
            Occupancy.objects.create(
                organization=world.org,
                community=community,
                house=house,
                person=person,
                relation="owner",
                is_representative=is_rep,
            )
    return building, houses, people


def user_of(person):
    return User.objects.get(person=person)


def open_vote(world, *, matter="rules_of_procedure", buildings=(), houses=(), actor=None, days=16):
    """A vote noticed ``days`` ahead and opened at its start; returns (vote, opens_at)."""
    actor = actor or world.users["committee"]
    now = timezone.now()
    opens = now + timedelta(days=days)
    vote = services.create_vote(
        actor=actor,
        community=world.community,
        title="测试表决",
        matter=matter,
        opens_at=opens,
        closes_at=opens + timedelta(days=7),
        buildings=buildings,
        houses=houses,
    )
    services.publish_notice(vote, actor=actor, now=now)
    vote = services.open_vote(vote, actor=actor, now=opens)
    return vote, opens


def cast(vote, person, choice, at, actor=None):
    return services.cast_ballot(
        actor=actor or user_of(person),
        vote=vote,
        person=person,
        choice=choice,
        now=at + timedelta(minutes=1),
    )
