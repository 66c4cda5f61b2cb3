"""Property test: the tally (SQL, frozen electorate) agrees with a slow reference count written
straight from 解释第9条 and 民法典第278条 with integer cross-multiplication."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anju.governance import services, tally

from .factories import estate, open_vote, user_of

pytestmark = pytest.mark.django_db

MAJOR = {"raise_maintenance_fund", "rebuild", "change_common_use"}

house = st.tuples(
    st.integers(min_value=1, max_value=30000).map(
        lambda cents: Decimal(cents) / 100 + Decimal("20")
    ),
    st.sampled_from(["A", "B", "C", "D", "E", None]),
    st.booleans().map(lambda b: b or True) | st.just(False),  # mostly sold
    st.booleans().map(lambda b: b or True) | st.just(False),  # mostly delivered
)


def reference(specs, ballots, matter):
    """Heads by hand: developer-held houses together; an owner's houses together; an unowned
    sold house alone. Latest ballot per owner counts."""
    heads = {}
    for i, (area, owner, sold, delivered) in enumerate(specs):
        key = "dev" if not (sold and delivered) else (owner if owner else f"house{i}")
        heads[key] = heads.get(key, Decimal(0)) + area
    latest = {}
    for owner, choice in ballots:
        if owner in heads:
            latest[owner] = choice
    cents = {k: int(v * 100) for k, v in heads.items()}
    total_a, total_h = sum(cents.values()), len(cents)
    tally = {
        c: (
            sum(cents[o] for o, x in latest.items() if x == c),
            sum(1 for x in latest.values() if x == c),
        )
        for c in ("yes", "no", "abstain")
    }
    voted_a = sum(a for a, _ in tally.values())
    voted_h = sum(h for _, h in tally.values())
    quorum = total_h > 0 and 3 * voted_a >= 2 * total_a and 3 * voted_h >= 2 * total_h
    yes_a, yes_h = tally["yes"]
    if matter in MAJOR:
        approved = voted_h > 0 and 4 * yes_a >= 3 * voted_a and 4 * yes_h >= 3 * voted_h
    else:
        approved = voted_h > 0 and 2 * yes_a > voted_a and 2 * yes_h > voted_h
    return {
        "total_area": Decimal(total_a) / 100,
        "total_heads": total_h,
        "voted_area": Decimal(voted_a) / 100,
        "voted_heads": voted_h,
        "yes_area": Decimal(yes_a) / 100,
        "yes_heads": yes_h,
        "passed": bool(quorum and approved),
        "quorum_met": bool(quorum),
    }


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    specs=st.lists(house, min_size=1, max_size=9),
    ballots=st.lists(
        st.tuples(
            st.sampled_from(["A", "B", "C", "D", "E"]), st.sampled_from(["yes", "no", "abstain"])
        ),
        max_size=12,
    ),
    matter=st.sampled_from(
        ["rules_of_procedure", "use_maintenance_fund", "raise_maintenance_fund", "rebuild"]
    ),
)
def test_tally_matches_reference_count(world, specs, ballots, matter):
    with transaction.atomic():
        building, houses, people = estate(world, specs, building_name="P幢")
        vote, opens = open_vote(world, matter=matter, buildings=[building])
        owners_with_head = {e.person_id for e in vote.electors.all()}
        for i, (owner, choice) in enumerate(ballots):
            person = people.get(owner)
            if person is None or person.pk not in owners_with_head:
                continue
            services.cast_ballot(
                actor=user_of(person),
                vote=vote,
                person=person,
                choice=choice,
                now=opens + timedelta(minutes=i + 1),
            )
        counted = [(o, c) for o, c in ballots if o in people and people[o].pk in owners_with_head]
        expected = reference(specs, counted, matter)
        c = tally.counts(vote)
        d = tally.decide(vote.rule_set, matter, c)
        got = {
            k: c[k]
            for k in (
                "total_area",
                "total_heads",
                "voted_area",
                "voted_heads",
                "yes_area",
                "yes_heads",
            )
        }
        got.update(passed=d["passed"], quorum_met=d["quorum_met"])
        assert got == expected
        assert tally.verify_chain(vote)["ok"]
        transaction.set_rollback(True)
