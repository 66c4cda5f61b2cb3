"""Governance benchmark: tally an owners' vote with 100,000 houses and 80,000 ballots (target <= 2 s
on PostgreSQL), plus the close (tally + digest) and the full hash-chain check for information.

    .venv/bin/python bench/governance_bench.py            # 100,000 houses, 80,000 ballots
    .venv/bin/python bench/governance_bench.py --small    # 10,000 / 8,000
    .venv/bin/python bench/governance_bench.py --houses 50000 --ballots 40000

Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/anju_bench_governance); the database is
dropped, created and migrated on every run.
"""

import argparse
import os
import random
import secrets
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/anju_bench_governance"


def recreate_database(url):
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def build(houses_n, ballots_n, seed=7):
    from django.utils import timezone

    from anju.core.models import Building, Community, House, Occupancy, Organization, Person
    from anju.governance import services, tally
    from anju.governance.choices import Channel
    from anju.governance.models import Ballot, Elector, Vote

    rng = random.Random(seed)
    org = Organization.objects.create(name="基准测试物业")
    community = Community.objects.create(organization=org, name="基准小区", jurisdiction="000000")
    buildings = Building.objects.bulk_create(
        [
            Building(organization=org, community=community, name=f"{n}幢")
            for n in range(houses_n // 200 + 1)
        ]
    )
    rows = []
    for i in range(houses_n):
        developer = i % 50 == 0  # 2% unsold or undelivered: one head together
        rows.append(
            House(
                organization=org,
                community=community,
                building=buildings[i // 200],
                number=f"{i % 200:03d}",
                area=Decimal(60 + rng.randrange(9000) / 100).quantize(Decimal("0.01")),
                sold=not developer or i % 100 != 0,
                delivered=not developer,
            )
        )
    House.objects.bulk_create(rows, batch_size=5000)
    house_ids = list(
        House.objects.filter(community=community, delivered=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    people = Person.objects.bulk_create(
        [Person(organization=org, name=f"业主{i}") for i in range(len(house_ids))], batch_size=5000
    )
    occupancies = []
    for i, house_id in enumerate(house_ids):
        person = people[i - 1] if i % 20 == 1 else people[i]  # every 20th owner holds two houses
        occupancies.append(
            Occupancy(
                organization=org,
                community=community,
                house_id=house_id,
                person=person,
                relation="owner",
                is_representative=True,
            )
        )
    Occupancy.objects.bulk_create(occupancies, batch_size=5000)

    now = timezone.now()
    vote = services.create_vote(
        None,
        community=community,
        title="基准表决",
        matter="raise_maintenance_fund",
        opens_at=now + timedelta(days=16),
        closes_at=now + timedelta(days=30),
    )
    services.publish_notice(None, vote, now=now)
    started = time.perf_counter()
    vote = services.open_vote(None, vote, now=vote.opens_at)
    open_seconds = time.perf_counter() - started

    electors = list(Elector.objects.filter(vote=vote).order_by("pk"))
    rng.shuffle(electors)
    cast_at = vote.opens_at + timedelta(hours=1)
    prev, seq, batch = tally.GENESIS, 0, []
    chosen = [electors[i % len(electors)] for i in range(ballots_n)]  # repeats = changed votes
    for elector in chosen:
        seq += 1
        cast_at += timedelta(seconds=1)
        choice = rng.choices(["yes", "no", "abstain"], [76, 18, 6])[0]
        nonce = secrets.token_hex(16)
        digest = tally.ballot_hash(
            prev,
            vote_id=vote.pk,
            seq=seq,
            elector_key=elector.key,
            person_id=elector.person_id,
            choice=choice,
            channel=Channel.ONLINE,
            cast_at=cast_at,
            nonce=nonce,
        )
        batch.append(
            Ballot(
                organization_id=org.pk,
                community_id=community.pk,
                vote=vote,
                seq=seq,
                elector=elector,
                person_id=elector.person_id,
                choice=choice,
                channel=Channel.ONLINE,
                cast_at=cast_at,
                nonce=nonce,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
    Ballot.objects.bulk_create(batch, batch_size=5000)
    Vote.objects.filter(pk=vote.pk).update(last_seq=seq, head_hash=prev)
    vote.refresh_from_db()
    return vote, len(electors), open_seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--houses", type=int, default=100_000)
    parser.add_argument("--ballots", type=int, default=80_000)
    parser.add_argument("--small", action="store_true", help="10,000 houses and 8,000 ballots")
    parser.add_argument("--repeat", type=int, default=3, help="tally runs; the best is reported")
    args = parser.parse_args()
    if args.small:
        args.houses, args.ballots = 10_000, 8_000

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anju.settings")
    recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    vote, heads, open_seconds = build(args.houses, args.ballots)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"built {args.houses:,} houses, {heads:,} heads, {args.ballots:,} ballots in {time.perf_counter() - t0:.1f} s"
    )

    from anju.governance import services, tally

    times = []
    for _ in range(max(1, args.repeat)):
        started = time.perf_counter()
        counts = tally.counts(vote)
        decision = tally.decide(vote.rule_set, vote.matter, counts)
        times.append(time.perf_counter() - started)
    best = min(times)
    print(
        f"voted {counts['voted_heads']:,} of {counts['total_heads']:,} heads, "
        f"{counts['voted_area']} of {counts['total_area']} m²; quorum {decision['quorum_met']}, "
        f"passed {decision['passed']}"
    )
    print(
        f"tally ({args.houses:,} houses, {args.ballots:,} ballots): {best:.3f} s   target <= 2.000 s   "
        f"{'OK' if best <= 2 else 'SLOW'}"
    )
    started = time.perf_counter()
    services.close_vote(None, vote, now=vote.closes_at)
    print(f"close (tally + closing digest): {time.perf_counter() - started:.3f} s   (no target)")
    started = time.perf_counter()
    report = tally.verify_chain(vote)
    print(
        f"hash-chain check of every ballot: {time.perf_counter() - started:.3f} s, ok={report['ok']}   (no target)"
    )
    print(f"open (freeze the electorate): {open_seconds:.3f} s   (no target)")
    return 0 if best <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
