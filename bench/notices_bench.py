"""Notices benchmark on PostgreSQL (issue 7, "Done means"):

- publishing a notice to 100,000 residents (receipts fanned out in bulk) takes <= 10 s;
- the results of a survey with 100,000 responses compute in <= 1 s.

    .venv/bin/python bench/notices_bench.py [--small] [--residents 100000] [--responses 100000]

Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/anju_bench_notices); the database
is dropped and re-created. Residents and answers are generated in bulk so only the measured
operations count.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/anju_bench_notices"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=100000, help="residents (one house each)")
    parser.add_argument(
        "--responses", type=int, default=100000, help="survey responses (<= residents)"
    )
    parser.add_argument("--small", action="store_true", help="5,000 residents and responses")
    args = parser.parse_args()
    if args.small:
        args.residents, args.responses = 5000, 5000
    args.responses = min(args.responses, args.residents)
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="anju.settings",
        ANJU_DATA_DIR="/tmp/anju-notices-bench",
    )
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)

    from anju.core.demo import build_large
    from anju.core.models import Community, User
    from anju.notices import services
    from anju.notices.models import NoticeReceipt
    from anju.notices.results import survey_results

    print(
        f"residents={args.residents} responses={args.responses} on PostgreSQL "
        "(2 cores shared with other work: figures measured under load)"
    )
    t = time.monotonic()
    built = build_large(args.residents, progress=False, houses_per_community=args.residents)
    community = Community.objects.get(organization_id=built["organization"])
    actor = User.objects.create(username="bench", is_superuser=True)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"data: {built['houses']} houses and residents in {time.monotonic() - t:.1f} s")

    # 1. Publish to every resident of the community.
    notice = services.create_notice(
        actor=actor,
        community=community,
        kind="outage",
        title="停水通知",
        body="明日9:00-17:00二次供水水箱清洗，全小区停水。",
    )
    t = time.monotonic()
    notice = services.publish_notice(actor=actor, notice=notice)
    publish_s = time.monotonic() - t
    receipts = NoticeReceipt.objects.filter(notice=notice).count()
    assert receipts == notice.recipient_count == args.residents, (receipts, notice.recipient_count)
    t = time.monotonic()
    report = services.reach_report(notice)
    reach_s = time.monotonic() - t
    print(
        f"publish to {receipts} residents: {publish_s:.2f} s (target <= 10 s) "
        f"{'OK' if publish_s <= 10 else 'SLOW'}; reach report {reach_s:.2f} s, "
        f"{len(report['by_building'])} buildings"
    )

    # 2. Survey results over N responses (answers generated in SQL, ~9 per response).
    survey = services.create_quarterly_survey(
        actor=actor, community=community, year=2026, quarter=4
    )
    t = time.monotonic()
    survey = services.open_survey(actor=actor, survey=survey)
    open_s = time.monotonic() - t
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO notices_surveyresponse (organization_id, community_id, survey_id, house_id, person_id, "
            "submitted_at) SELECT i.organization_id, i.community_id, i.survey_id, i.house_id, NULL, now() "
            "FROM notices_surveyinvitation i WHERE i.survey_id = %s ORDER BY i.house_id LIMIT %s",
            [survey.pk, args.responses],
        )
        cur.execute(
            """
            INSERT INTO notices_answer (organization_id, community_id, survey_id, response_id, question_id, kind,
                                        dimension, score, norm, choices, text, low, anonymous)
            SELECT r.organization_id, r.community_id, r.survey_id, r.id, q.id, q.kind, q.dimension, s.score,
                   CASE WHEN q.kind = 'rating' THEN (s.score - 1) * 25.0
                        WHEN q.kind = 'nps' THEN s.score * 10.0 END,
                   '[]'::jsonb, CASE WHEN q.kind = 'text' THEN '电梯维修慢，希望改进' ELSE '' END,
                   (q.kind = 'rating' AND s.score <= 2) OR (q.kind = 'nps' AND s.score <= 6), true
            FROM notices_surveyresponse r
            JOIN notices_question q ON q.survey_id = r.survey_id
            CROSS JOIN LATERAL (SELECT CASE WHEN q.kind = 'rating' THEN 1 + ((r.id * 7 + q.id * 3) %% 5)
                                            WHEN q.kind = 'nps' THEN (r.id * 5 + q.id) %% 11
                                            WHEN q.kind = 'multiple' THEN 1 + (r.id %% 100)
                                            ELSE NULL END AS score) s
            WHERE r.survey_id = %s AND (q.kind <> 'text' OR r.id %% 5 = 0)
            """,
            [survey.pk],
        )
        cur.execute(
            "UPDATE notices_survey SET response_count = %s WHERE id = %s",
            [args.responses, survey.pk],
        )
        cur.execute("SELECT count(*) FROM notices_answer WHERE survey_id = %s", [survey.pk])
        answers = cur.fetchone()[0]
        cur.execute("VACUUM ANALYZE notices_answer")
    survey.refresh_from_db()
    timings = []
    for _ in range(5):
        t = time.monotonic()
        results = survey_results(survey)
        timings.append(time.monotonic() - t)
    median = statistics.median(timings)
    print(f"open survey ({survey.invited_count} households invited): {open_s:.2f} s")
    print(
        f"survey results over {args.responses} responses / {answers} answers: first {timings[0]:.2f} s, "
        f"median {median:.2f} s (target <= 1 s) {'OK' if median <= 1 else 'SLOW'}; "
        f"overall {results['overall_score']}, response rate {results['response_rate']}%"
    )


if __name__ == "__main__":
    main()
