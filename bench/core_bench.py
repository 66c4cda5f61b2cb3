"""Foundation benchmark: `anju demo --houses N` builds a large data set in bulk (target: 100,000
houses in under 2 minutes), then the house list API answers with a flat query count.

    .venv/bin/python bench/core_bench.py [--houses 100000] [--database-url postgres://...]
Default database: a fresh SQLite file (the embedded mode); pass --database-url for PostgreSQL.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--houses", type=int, default=100000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="anju-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ANJU_DATA_DIR": str(tmp),
        "DJANGO_SETTINGS_MODULE": "anju.settings",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])
        ),
    }
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    subprocess.run([sys.executable, "-m", "anju.cli", "migrate", "-v0"], env=env, check=True)
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "anju.cli", "demo", "--houses", str(args.houses), "--quiet"],
        env=env,
        check=True,
    )
    seconds = time.monotonic() - started
    print(f"demo --houses {args.houses}: {seconds:.1f} s (target <= 120 s) on {url.split(':')[0]}")

    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from anju.core.models import Membership, Organization, User

    org = Organization.objects.order_by("-id").first()
    user = User.objects.create_user(username=f"bench{time.time_ns()}", password="x")
    Membership.objects.create(user=user, organization=org, role="org_admin")
    client = APIClient()
    client.force_authenticate(user)
    timings = []
    with CaptureQueriesContext(connection) as queries:
        for page in range(1, 21):
            t0 = time.perf_counter()
            response = client.get(f"/api/v1/houses/?page={page * 7}")
            timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
    timings.sort()
    print(
        f"GET /api/v1/houses/ (page of 50 among {args.houses}): p50 {statistics.median(timings):.1f} ms, "
        f"p95 {timings[int(len(timings) * 0.95) - 1]:.1f} ms, {len(queries) / 20:.1f} queries per request"
    )


if __name__ == "__main__":
    main()
