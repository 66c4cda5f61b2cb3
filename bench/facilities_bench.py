"""Facilities benchmark (issue 6): one year of maintenance tasks for 10,000 assets (target
<= 10 s on PostgreSQL) and the patrol-compliance report over 1,000,000 check-ins (target <= 500 ms).

    .venv/bin/python bench/facilities_bench.py [--small] [--assets 10000] [--checkins 1000000]
        [--database-url postgres://postgres@127.0.0.1:5432/anju_bench_facilities]
The database is dropped, created and migrated first. Data is built in bulk (COPY for scans).
"""

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/anju_bench_facilities"


def prepare(url):
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "anju.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    subprocess.run([sys.executable, "-m", "anju.cli", "migrate", "-v0"], env=env, check=True)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def build_world():
    from anju.core.models import Community, Membership, Organization, User

    org = Organization.objects.create(name="基准测试物业 设施")
    community = Community.objects.create(organization=org, name="基准设施小区")
    manager = User.objects.create_user(username=f"fbench-mgr-{time.time_ns()}", password="x")
    Membership.objects.create(user=manager, organization=org, role="manager")
    return org, community, manager


def bench_tasks(org, community, manager, assets_count):
    from anju.facilities import services
    from anju.facilities.models import Asset, MaintenancePlan, MaintenanceTask

    mix = [
        ("elevator", 0.10),
        ("extinguisher", 0.40),
        ("hydrant", 0.10),
        ("water_pump", 0.05),
        ("power", 0.05),
        ("cctv", 0.15),
        ("access_gate", 0.05),
        ("lighting", 0.10),
    ]
    rows, n = [], 0
    for category, share in mix:
        for _ in range(int(assets_count * share)):
            n += 1
            rows.append(
                Asset(
                    organization=org,
                    community=community,
                    code=f"B{n:06d}",
                    name=f"{category} {n}",
                    category=category,
                )
            )
    Asset.objects.bulk_create(rows, batch_size=5000)
    today = date(2026, 11, 26)
    plans = {  # (category, kind, frequency, interval, chunk of assets per plan)
        "elevator": [("maintenance", "every_n_days", 15), ("self_check", "monthly", 1)],
        "extinguisher": [("monthly_check", "monthly", 1)],
        "hydrant": [("monthly_check", "monthly", 1)],
        "water_pump": [("maintenance", "quarterly", 1)],
        "power": [("maintenance", "quarterly", 1)],
        "cctv": [("maintenance", "quarterly", 1)],
        "access_gate": [("maintenance", "monthly", 1)],
        "lighting": [("maintenance", "quarterly", 1)],
    }
    for category, specs in plans.items():
        ids = list(
            Asset.objects.filter(community=community, category=category).values_list(
                "pk", flat=True
            )
        )
        for start in range(0, len(ids), 500):
            for kind, frequency, interval in specs:
                plan = services.create_plan(
                    manager,
                    community=community,
                    name=f"{category} {kind} {start}",
                    category=category,
                    kind=kind,
                    frequency=frequency,
                    interval=interval,
                    starts_on=today,
                    checklist=[{"label": "检查"}],
                )
                plan.assets.set(ids[start : start + 500])
    started = time.perf_counter()
    made = services.generate_tasks(today=today, until=today + timedelta(days=364))
    seconds = time.perf_counter() - started
    count = MaintenanceTask.objects.filter(community=community).count()
    print(
        f"generate one year of maintenance tasks for {assets_count} assets: {seconds:.2f} s "
        f"(target <= 10 s); {made} tasks created ({count} in the table), "
        f"{MaintenancePlan.objects.filter(community=community).count()} plans"
    )
    started = time.perf_counter()
    again = services.generate_tasks(today=today, until=today + timedelta(days=364))
    print(f"  re-run (idempotent): {again} new tasks in {time.perf_counter() - started:.2f} s")


def bench_compliance(org, community, manager, checkins):
    from django.db import connection

    from anju.core.models import Membership, User
    from anju.facilities import services
    from anju.facilities.models import PatrolCheckpoint, PatrolRoute, PatrolScan, PatrolShift

    rng = random.Random(7)
    tz = ZoneInfo("Asia/Shanghai")
    guards = []
    for i in range(20):
        user = User.objects.create_user(username=f"fbench-guard-{i}-{time.time_ns()}", password="x")
        Membership.objects.create(user=user, organization=org, role="guard")
        guards.append(user)
    routes, checkpoints = [], {}
    for r in range(20):
        route = PatrolRoute.objects.create(
            organization=org, community=community, name=f"巡更路线{r + 1}"
        )
        cps = PatrolCheckpoint.objects.bulk_create(
            [
                PatrolCheckpoint(
                    organization=org,
                    community=community,
                    route=route,
                    order=i + 1,
                    name=f"点{i + 1}",
                    opens_after_minutes=i * 12,
                    closes_after_minutes=i * 12 + 20,
                )
                for i in range(10)
            ]
        )
        routes.append(route)
        checkpoints[route.pk] = cps
    shifts_needed = checkins // 10
    names = ["白班", "中班", "夜班"]
    starts = [8, 16, 0]
    first_day = datetime(2026, 11, 26, tzinfo=tz) - timedelta(
        days=shifts_needed // (len(routes) * 3) + 1
    )
    shift_rows, plans = [], []
    for i in range(shifts_needed):
        route = routes[i % len(routes)]
        slot = (i // len(routes)) % 3
        day = first_day + timedelta(days=i // (len(routes) * 3))
        begin = day + timedelta(hours=starts[slot])
        scans = []
        for cp in checkpoints[route.pk]:
            roll = rng.random()
            if roll < 0.04:
                continue  # missed
            offset = cp.opens_after_minutes + (rng.randrange(2, 18) if roll < 0.93 else 25)
            scans.append((cp, begin + timedelta(minutes=offset), offset <= cp.closes_after_minutes))
        while len(scans) < 10:  # keep exactly ten rows per shift so the total is what was asked
            cp, when, on_time = scans[-1]
            scans.append((cp, when + timedelta(seconds=30), False))
        on_time = len({cp.pk for cp, _w, ok in scans if ok})
        shift_rows.append(
            PatrolShift(
                organization=org,
                community=community,
                route=route,
                guard=guards[i % len(guards)],
                name=names[slot],
                starts_at=begin,
                ends_at=begin + timedelta(hours=2, minutes=30),
                status="finished",
                expected_count=10,
                on_time_count=on_time,
                scan_count=len(scans),
                missed_count=10 - on_time,
                last_scan_at=scans[-1][1],
            )
        )
        plans.append(scans)
    t0 = time.perf_counter()
    PatrolShift.objects.bulk_create(shift_rows, batch_size=5000)
    columns = [
        "organization_id",
        "community_id",
        "shift_id",
        "checkpoint_id",
        "by_id",
        "scanned_at",
        "received_at",
        "offline",
        "timing",
        "counted",
    ]
    table = PatrolScan._meta.db_table
    buffer = io.StringIO()
    for shift, scans in zip(shift_rows, plans, strict=True):
        seen = set()
        for cp, when, ok in scans:
            counted = ok and cp.pk not in seen
            if counted:
                seen.add(cp.pk)
            buffer.write(
                f"{org.pk}\t{community.pk}\t{shift.pk}\t{cp.pk}\t{shift.guard_id}\t{when.isoformat()}\t"
                f"{when.isoformat()}\tf\t{'on_time' if ok else 'late'}\t{'t' if counted else 'f'}\n"
            )
    buffer.seek(0)
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}; ANALYZE {PatrolShift._meta.db_table}")
    else:
        rows = [line.split("\t") for line in buffer.getvalue().splitlines()]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * 10)})",
                [[*r[:7], r[7] == "t", r[8], r[9] == "t"] for r in rows],
            )
    total = PatrolScan.objects.filter(community=community).count()
    print(
        f"  built {len(shift_rows)} shifts and {total} check-ins in {time.perf_counter() - t0:.1f} s"
    )

    shifts = PatrolShift.objects.filter(community=community)
    for group_by in ("guard", "route", "shift"):
        timings = []
        for _ in range(7):
            started = time.perf_counter()
            rows = services.compliance_rows(shifts, group_by)
            timings.append((time.perf_counter() - started) * 1000)
        overall = sum(r["on_time"] for r in rows) * 100 / sum(r["expected"] for r in rows)
        print(
            f"patrol-compliance report by {group_by} over {total} check-ins: median "
            f"{statistics.median(timings):.0f} ms, max {max(timings):.0f} ms (target <= 500 ms); "
            f"{len(rows)} rows, overall {overall:.1f}%"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="1,000 assets and 100,000 check-ins")
    parser.add_argument("--assets", type=int, default=10000)
    parser.add_argument("--checkins", type=int, default=1000000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    if args.small:
        args.assets, args.checkins = 1000, 100000
    prepare(args.database_url)
    org, community, manager = build_world()
    bench_tasks(org, community, manager, args.assets)
    bench_compliance(org, community, manager, args.checkins)


if __name__ == "__main__":
    main()
