"""Billing benchmark on PostgreSQL (issue 4, "Done means"):

- the monthly run for 100,000 houses x 3 items posts in <= 20 s with peak memory <= 400 MB;
- re-running it takes <= 5 s and creates nothing;
- the arrears report over 5,000,000 bill lines answers in <= 1 s.

    .venv/bin/python bench/billing_bench.py [--small] [--houses 100000] [--lines 5000000]
Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/anju_bench_billing); the database
is dropped and re-created. Data is generated in SQL so the Python process only measures the run.
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/anju_bench_billing"


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--houses", type=int, default=100000)
    parser.add_argument(
        "--lines", type=int, default=5000000, help="bill lines in the arrears history"
    )
    parser.add_argument("--small", action="store_true", help="5,000 houses and 150,000 lines")
    args = parser.parse_args()
    if args.small:
        args.houses, args.lines = 5000, 150000
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="anju.settings",
        ANJU_DATA_DIR="/tmp/anju-billing-bench",
    )
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)

    from anju.billing import reports, services
    from anju.billing.models import Bill, BillLine, Method
    from anju.core.models import Community, Organization, User

    print(
        f"houses={args.houses} history lines>={args.lines} on PostgreSQL (2 shared cores; figures under load)"
    )
    t = time.monotonic()
    org = Organization.objects.create(name="基准物业")
    community = Community.objects.create(organization=org, name="基准小区", developer="基准置业")
    actor = User.objects.create(username="bench", is_superuser=True)
    items = [
        services.create_fee_item(
            actor=actor,
            community=community,
            name="物业服务费",
            method=Method.AREA,
            unit_price="2.5000",
            unit="元/m²·月",
            effective_from="2020-01-01",
            published=True,
        ),
        services.create_fee_item(
            actor=actor,
            community=community,
            name="垃圾清运费",
            method=Method.FIXED,
            unit_price="10.0000",
            unit="元/户·月",
            effective_from="2020-01-01",
            published=True,
        ),
        services.create_fee_item(
            actor=actor,
            community=community,
            name="电梯运行费",
            method=Method.AREA,
            unit_price="0.3500",
            unit="元/m²·月",
            effective_from="2020-01-01",
            published=True,
        ),
    ]
    a, f, e = (i.pk for i in items)
    per_building = 100
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO core_building (organization_id, community_id, name, created_at) "
            "SELECT %s, %s, g || '幢', now() FROM generate_series(1, %s) g",
            [org.pk, community.pk, (args.houses + per_building - 1) // per_building],
        )
        cur.execute(
            "INSERT INTO core_house (organization_id, community_id, building_id, number, floor, usage, area, "
            "area_source, sold, delivered, created_at) "
            "SELECT %s, %s, b.id, g::text, 1, 'residential', 60 + (g %% 90) + 0.25, 'registry', "
            "g %% 50 <> 0, true, now() "
            "FROM generate_series(1, %s) g JOIN core_building b ON b.community_id = %s "
            "AND b.name = (((g - 1) / %s) + 1) || '幢'",
            [org.pk, community.pk, args.houses, community.pk, per_building],
        )
        cur.execute(
            "INSERT INTO core_person (organization_id, name, phone, id_number, id_number_index, created_at) "
            "SELECT %s, '业主' || h.id, '', '', '', now() FROM core_house h WHERE h.community_id = %s",
            [org.pk, community.pk],
        )
        cur.execute(
            "INSERT INTO core_occupancy (organization_id, community_id, house_id, person_id, relation, is_payer, "
            "is_representative, since, created_at) "
            "SELECT %s, %s, h.id, p.id, 'owner', true, true, '2020-01-01', now() FROM core_house h "
            "JOIN core_person p ON p.name = '业主' || h.id WHERE h.community_id = %s",
            [org.pk, community.pk, community.pk],
        )
        months = max(1, -(-args.lines // (args.houses * 3)))
        # History: `months` posted months before 2027-01, 95% paid, the rest open (arrears).
        cur.execute(
            "INSERT INTO billing_bill (organization_id, community_id, house_id, number, period, period_start, "
            "period_end, due_date, payer_kind, payer_name, total, paid, credited, late_fee, status, created_at) "
            "SELECT %s, %s, h.id, '', to_char(m, 'YYYY-MM'), m::date, (m + interval '1 month - 1 day')::date, "
            "(m + interval '30 days')::date, 'owner', '', t.total, "
            "CASE WHEN (h.id + extract(month from m)::int) %% 20 = 0 THEN 0 ELSE t.total END, 0, 0, "
            "CASE WHEN (h.id + extract(month from m)::int) %% 20 = 0 THEN 'open' ELSE 'paid' END, now() "
            "FROM core_house h CROSS JOIN generate_series(date '2027-01-01' - (%s || ' months')::interval, "
            "date '2026-12-01', interval '1 month') m "
            "CROSS JOIN LATERAL (SELECT round(h.area * 2.5, 2) + 10 + round(h.area * 0.35, 2) AS total) t "
            "WHERE h.community_id = %s",
            [org.pk, community.pk, months, community.pk],
        )
        cur.execute(
            "INSERT INTO billing_billline (organization_id, community_id, bill_id, house_id, fee_item_id, period, "
            "kind, amount, detail, description, source) "
            "SELECT b.organization_id, b.community_id, b.id, b.house_id, x.item, b.period, 'regular', "
            "CASE x.item WHEN %s THEN round(h.area * 2.5, 2) WHEN %s THEN 10 ELSE round(h.area * 0.35, 2) END, "
            "'{}'::jsonb, '', '' FROM billing_bill b JOIN core_house h ON h.id = b.house_id "
            "CROSS JOIN (VALUES (%s), (%s), (%s)) x(item) WHERE b.community_id = %s",
            [a, f, a, f, e, community.pk],
        )
        # The history stands for months of posted bills: autovacuum would long have set their
        # visibility map (index-only scans) and statistics, as in a live database.
        cur.execute("VACUUM ANALYZE")
    history = BillLine.objects.count()
    print(
        f"built {args.houses} houses and {history:,} history lines ({months} months) in "
        f"{time.monotonic() - t:.1f} s"
    )

    base_rss = rss_mb()
    t = time.monotonic()
    run = services.create_billing_run(actor=actor, community=community, period="2027-01")
    preview_s = time.monotonic() - t
    t = time.monotonic()
    run = services.post_billing_run(actor=actor, run=run)
    post_s = time.monotonic() - t
    peak = rss_mb()
    print(
        f"preview 2027-01: {preview_s:.1f} s, {run.preview['lines']:,} lines, total ¥{run.preview['total']}"
    )
    # Floor, in the same run: the database writing the same bills and lines (copies of the
    # posted rows into tables with the same columns, indexes and constraints), nothing computed.
    with connection.cursor() as cur:
        t = time.monotonic()
        cur.execute("CREATE TEMP TABLE floor_bill (LIKE billing_bill INCLUDING ALL)")
        cur.execute("CREATE TEMP TABLE floor_line (LIKE billing_billline INCLUDING ALL)")
        cur.execute("INSERT INTO floor_bill SELECT * FROM billing_bill WHERE run_id = %s", [run.pk])
        cur.execute(
            "INSERT INTO floor_line SELECT l.* FROM billing_billline l "
            "JOIN billing_bill b ON b.id = l.bill_id WHERE b.run_id = %s",
            [run.pk],
        )
        write_floor_s = time.monotonic() - t
        cur.execute("DROP TABLE floor_bill, floor_line")
    print(
        f"post    2027-01: {post_s:.2f} s (target <= 20 s); {run.result['bills']:,} bills, "
        f"{run.result['lines']:,} lines; preview + post {preview_s + post_s:.2f} s beside the floor "
        f"{write_floor_s:.3f} s (the same rows written by SQL alone): "
        f"x{(preview_s + post_s) / write_floor_s:.1f}"
    )
    print(
        f"peak memory (process max RSS): {peak:.0f} MB (target <= 400 MB; {base_rss:.0f} MB before the run)"
    )

    lines_before = BillLine.objects.count()
    bills_before = Bill.objects.count()
    t = time.monotonic()
    again = services.create_billing_run(actor=actor, community=community, period="2027-01")
    again = services.post_billing_run(actor=actor, run=again)
    rerun_s = time.monotonic() - t
    created = BillLine.objects.count() - lines_before + Bill.objects.count() - bills_before
    print(
        f"re-run  2027-01 (preview + post): {rerun_s:.1f} s (target <= 5 s); rows created: {created} "
        f"(target 0)"
    )

    total_lines = BillLine.objects.count()
    bills = Bill.objects.filter(community=community)
    timings = []
    for _ in range(3):
        t = time.monotonic()
        report = reports.arrears_aging(bills, group="building")
        timings.append(time.monotonic() - t)
    # Floor: one SQL statement summing the same open, past-due balances per building.
    floors = []
    with connection.cursor() as cur:
        for _ in range(3):
            t = time.monotonic()
            cur.execute(
                "SELECT h.building_id, sum(b.total - b.paid - b.credited), count(DISTINCT b.house_id) "
                "FROM billing_bill b JOIN core_house h ON h.id = b.house_id "
                "WHERE b.community_id = %s AND b.status = 'open' "
                "AND b.due_date < current_date GROUP BY h.building_id",
                [community.pk],
            )
            cur.fetchall()
            floors.append(time.monotonic() - t)
    print(
        f"arrears aging report over {total_lines:,} bill lines: best {min(timings) * 1000:.0f} ms, "
        f"first {timings[0] * 1000:.0f} ms (target <= 1000 ms); overdue ¥{report['total']} "
        f"in {report['households']:,} households; beside the floor {min(floors) * 1000:.1f} ms "
        f"(one SQL sum of the same balances): x{min(timings) / min(floors):.1f}"
    )
    ok = post_s <= 20 and peak <= 400 and rerun_s <= 5 and created == 0 and min(timings) <= 1
    print("RESULT:", "all targets met" if ok else "some targets missed")


if __name__ == "__main__":
    main()
