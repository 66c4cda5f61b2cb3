"""Parking benchmark on PostgreSQL (issue 20, "Done means"): a month of traffic for a lot of
2,000 spaces (about 300,000 gate events) is ingested through the service path
(``services.record_event`` for every event, ``services.pay`` for the stays paid before leaving:
the service takes one event at a time, so there is no bulk path), then the daily report
(temporary income, entries, exits, occupancy, unpaid exits per day) answers. Each figure is
printed beside its floor measured in the same run: the same rows written by set-based SQL
alone, and the same report computed by one hand-written SQL statement (whose answer must be
the report's).

    .venv/bin/python bench/parking_bench.py                 # 300,000 events over 30 days
    .venv/bin/python bench/parking_bench.py --small         # 6,000 events over 30 days
    .venv/bin/python bench/parking_bench.py --events 40000

Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/anju_bench_parking); the database is
dropped, created and migrated on every run.
"""

import argparse
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/anju_bench_parking"
SERIAL = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
STAYS = [12, 25, 50, 95, 140, 200, 330, 610, 900, 1500]  # minutes


def recreate_database(url):
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_lot(spaces_n):
    from anju.core.models import Community, Organization, User
    from anju.parking import services
    from anju.parking.models import ParkingSpace

    org = Organization.objects.create(name="基准物业")
    community = Community.objects.create(organization=org, name="基准小区", jurisdiction="110105")
    actor = User.objects.create(username="bench", is_superuser=True)
    lot = services.save_lot(actor=actor, community=community, name="地下车库", kind="underground")
    entry = services.save_gate(actor=actor, lot=lot, name="入口", direction="in")
    exit_ = services.save_gate(actor=actor, lot=lot, name="出口", direction="out")
    services.save_rule(
        actor=actor,
        lot=lot,
        free_minutes=30,
        first_hour=Decimal("5.00"),
        per_hour=Decimal("2.00"),
        day_cap=Decimal("30.00"),
        grace_minutes=15,
    )
    ParkingSpace.objects.bulk_create(
        [
            ParkingSpace(
                organization=org,
                community=community,
                lot=lot,
                number=f"B{n:04d}",
                kind="public",
            )
            for n in range(spaces_n)
        ],
        batch_size=2000,
    )
    return actor, lot, entry, exit_


def traffic(events_n, first_day, days, rng):
    """Stays (plate, entered, left or None, pays) in time order of their events."""
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    stays = []
    for n in range(events_n // 2):
        day = first_day + timedelta(days=n % days)
        enter = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(
            minutes=rng.randrange(6 * 60, 22 * 60), seconds=rng.randrange(60)
        )
        plate = (
            rng.choice("京津冀沪粤浙苏") + rng.choice("ABCDEF") + "".join(rng.choices(SERIAL, k=5))
        )
        leave = enter + timedelta(minutes=rng.choice(STAYS), seconds=rng.randrange(60))
        pays = rng.random() < 0.95  # the rest leave without paying
        stays.append((plate, enter, leave, pays))
    timeline = [(s[1], "in", s) for s in stays] + [(s[2], "out", s) for s in stays]
    timeline.sort(key=lambda row: row[0])
    return timeline


def ingest(actor, lot, entry, exit_, timeline, end):
    from anju.parking import services

    sessions = {}
    events = 0
    for at, direction, (plate, _enter, leave, pays) in timeline:
        if at >= end:
            continue  # still inside at the end of the month
        if direction == "in":
            event = services.record_event(
                actor=actor, lot=lot, plate=plate, direction="in", at=at, gate=entry
            )
            sessions[plate] = event.session
        else:
            session = sessions.pop(plate, None)
            if session is not None and pays:
                pay_at = leave - timedelta(minutes=5)
                due = services.quote(session, pay_at).amount
                if due:
                    services.pay(actor=actor, session=session, method="cash", amount=due, at=pay_at)
            services.record_event(
                actor=actor, lot=lot, plate=plate, direction="out", at=at, gate=exit_
            )
        events += 1
    return events


def write_floor(cursor, lot):
    """The same session and event rows written by set-based SQL alone (INSERT ... SELECT)."""
    cursor.execute("CREATE TEMP TABLE floor_session (LIKE parking_session INCLUDING ALL)")
    cursor.execute("CREATE TEMP TABLE floor_event (LIKE parking_parkingevent INCLUDING ALL)")
    started = time.perf_counter()
    cursor.execute(
        "INSERT INTO floor_session SELECT * FROM parking_session WHERE lot_id = %s", [lot.pk]
    )
    cursor.execute(
        "INSERT INTO floor_event SELECT * FROM parking_parkingevent WHERE lot_id = %s", [lot.pk]
    )
    seconds = time.perf_counter() - started
    cursor.execute("DROP TABLE floor_session, floor_event")
    return seconds


REPORT_SQL = """
WITH days AS (
    SELECT %(first)s::date + n AS day
    FROM generate_series(0, %(last)s::date - %(first)s::date) AS n
), ev AS (
    SELECT (at AT TIME ZONE %(tz)s)::date AS day,
           count(*) FILTER (WHERE direction = 'in') AS entries,
           count(*) FILTER (WHERE direction = 'out') AS exits
    FROM parking_parkingevent WHERE lot_id = %(lot)s GROUP BY 1
), paid AS (
    SELECT (paid_at AT TIME ZONE %(tz)s)::date AS day, sum(paid_amount) AS income
    FROM parking_session WHERE lot_id = %(lot)s AND paid_at IS NOT NULL GROUP BY 1
), unpaid AS (
    SELECT (exited_at AT TIME ZONE %(tz)s)::date AS day, count(*) AS n
    FROM parking_session WHERE lot_id = %(lot)s AND state = 'unpaid_exit' GROUP BY 1
), deltas AS MATERIALIZED (  -- +1 on the day of entry, -1 on the day of exit: inside at a day's end
    SELECT day, sum(n) AS n FROM (
        SELECT (entered_at AT TIME ZONE %(tz)s)::date AS day, count(*) AS n
        FROM parking_session WHERE lot_id = %(lot)s GROUP BY 1
        UNION ALL
        SELECT (exited_at AT TIME ZONE %(tz)s)::date, -count(*)
        FROM parking_session WHERE lot_id = %(lot)s AND exited_at IS NOT NULL GROUP BY 1
    ) AS x GROUP BY day
)
SELECT days.day, coalesce(paid.income, 0), coalesce(ev.entries, 0), coalesce(ev.exits, 0),
       (SELECT coalesce(sum(n), 0) FROM deltas WHERE deltas.day <= days.day),
       coalesce(unpaid.n, 0)
FROM days LEFT JOIN ev USING (day) LEFT JOIN paid USING (day) LEFT JOIN unpaid USING (day)
ORDER BY days.day
"""


def report_floor(cursor, lot, first, last, tz):
    cursor.execute(REPORT_SQL, {"tz": tz, "first": first, "last": last, "lot": lot.pk})
    return {
        row[0]: {
            "income": Decimal(row[1]),
            "entries": row[2],
            "exits": row[3],
            "occupancy": row[4],
            "unpaid": row[5],
        }
        for row in cursor.fetchall()
    }


def best_of(repeat, fn):
    times, result = [], None
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--spaces", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--small", action="store_true", help="6,000 events")
    parser.add_argument("--repeat", type=int, default=3, help="report runs; the best is kept")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="keep the database of the last run: time the report (and the write floor) only",
    )
    args = parser.parse_args()
    if args.small:
        args.events = 6_000

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anju.settings")
    os.environ.setdefault("ANJU_DATA_DIR", "/tmp/anju-parking-bench")
    if not args.report_only:
        recreate_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from anju.parking import selectors

    if not args.report_only:
        call_command("migrate", verbosity=0)
    rng = random.Random(20)
    first = date(2026, 11, 1)
    last = first + timedelta(days=args.days - 1)
    tz = timezone.get_current_timezone()
    end = datetime(last.year, last.month, last.day, tzinfo=tz) + timedelta(days=1)
    if args.report_only:
        from anju.parking.models import ParkingEvent, ParkingLot

        lot = ParkingLot.objects.order_by("pk").first()
        events, ingest_s = ParkingEvent.objects.filter(lot=lot).count(), None
        print(f"the last run's lot: {events:,} gate events (ingest not timed again)")
    else:
        actor, lot, entry, exit_ = setup_lot(args.spaces)
        timeline = traffic(args.events, first, args.days, rng)
        print(
            f"lot of {args.spaces:,} spaces, {len(timeline):,} gate events over {args.days} days, "
            f"on PostgreSQL (2 shared cores; figures under load)"
        )
        started = time.perf_counter()
        events = ingest(actor, lot, entry, exit_, timeline, end)
        ingest_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        floor_s = write_floor(cursor, lot)
    report_s, report = best_of(args.repeat, lambda: selectors.daily_report(lot, first, last))
    with connection.cursor() as cursor:
        sql_s, floor = best_of(
            args.repeat, lambda: report_floor(cursor, lot, first, last, settings.TIME_ZONE)
        )
    same = all(
        {k: Decimal(v) if k == "income" else v for k, v in report[day].items()} == floor[day]
        for day in report
    )
    totals = {k: sum(row[k] for row in report.values()) for k in ("income", "entries", "exits")}
    print(
        f"{events:,} events ingested ({totals['entries']:,} entries, {totals['exits']:,} exits, "
        f"¥{totals['income']} income, "
        f"{sum(r['unpaid'] for r in report.values()):,} unpaid exits)"
    )
    print(f"{'figure':<44}{'measured':>12}{'floor':>12}{'ratio':>9}")
    if ingest_s is not None:
        print(
            f"{'ingest through the services (s)':<44}{ingest_s:>12.2f}{floor_s:>12.3f}"
            f"{ingest_s / floor_s:>9.0f}"
        )
        print(
            f"{'per event (ms)':<44}{ingest_s / events * 1000:>12.2f}"
            f"{floor_s / events * 1000:>12.4f}{ingest_s / floor_s:>9.0f}"
        )
    print(
        f"{'daily report, ' + str(args.days) + ' days (ms)':<44}{report_s * 1000:>12.1f}"
        f"{sql_s * 1000:>12.1f}{report_s / sql_s:>9.1f}"
    )
    print(f"the report equals the SQL floor's answer: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
