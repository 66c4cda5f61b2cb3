"""Reads from a read replica (core.db.replica): the router's rules on any database, and on a
real PostgreSQL streaming replica (``.ci/run`` makes one with ``pg_basebackup`` on another
port) the pages that read there, the reads that must not, and a lagging replica."""

import os
import time
from urllib.parse import urlparse

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import CaptureQueriesContext

from anju.core.db import replica
from anju.core.models import Community, Organization


@pytest.mark.django_db
def test_without_a_replica_everything_reads_the_primary():
    assert not replica.configured()
    with replica.replica_reads():
        assert Community.objects.all().db == DEFAULT_DB_ALIAS
    assert replica.ReplicaRouter().allow_migrate("replica", "core") is False
    assert replica.ReplicaRouter().allow_migrate(DEFAULT_DB_ALIAS, "core") is True


@pytest.fixture(scope="module")
def replica_alias(django_db_setup, django_db_blocker):
    """The ``replica`` alias pointed at the streaming replica's copy of this test database,
    made before the test case starts so that it may use it (``databases``). ``MIRROR``: the
    test case does not flush it (a standby is read-only; it follows the primary's flush)."""
    url = urlparse(os.environ["ANJU_TEST_REPLICA_URL"])
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    connections.settings[replica.REPLICA] = {
        **primary,
        "HOST": url.hostname or "127.0.0.1",
        "PORT": str(url.port or 5432),
        "USER": url.username or primary["USER"],
        "TEST": {**primary.get("TEST", {}), "MIRROR": DEFAULT_DB_ALIAS},
    }
    yield replica.REPLICA
    connections[replica.REPLICA].close()
    del connections[replica.REPLICA]
    del connections.settings[replica.REPLICA]


@pytest.fixture
def real_replica(replica_alias):
    replica.forget_lag()
    yield connections[replica_alias]
    replica.forget_lag()


def _wait_for(replica_connection, org_name, present=True, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with replica_connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM core_organization WHERE name = %s", [org_name])
            if bool(cursor.fetchone()[0]) == present:
                return
        time.sleep(0.05)
    raise AssertionError(f"the replica did not catch up with {org_name!r}")


@pytest.mark.replica
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_reports_read_the_replica_writes_and_transactions_the_primary(real_replica, settings):
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 5
    with connections[replica.REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True, "ANJU_TEST_REPLICA_URL is not a standby"
    Organization.objects.create(name="复制测试物业")
    _wait_for(real_replica, "复制测试物业")

    with replica.replica_reads():
        with CaptureQueriesContext(real_replica) as on_replica:
            assert Organization.objects.filter(name="复制测试物业").exists()
        assert "core_organization" in on_replica[-1]["sql"]  # after the lag check

        with transaction.atomic():  # inside a write: the primary, which sees the write
            Organization.objects.create(name="事务内物业")
            assert Organization.objects.filter(name="事务内物业").db == DEFAULT_DB_ALIAS
            assert Organization.objects.filter(name="事务内物业").exists()
        # after a write in the same section: the primary from now on
        assert Organization.objects.all().db == DEFAULT_DB_ALIAS
        assert Organization.objects.filter(name="事务内物业").exists()

    with replica.replica_reads():  # a new section reads the replica again
        assert Organization.objects.all().db == replica.REPLICA
    assert Organization.objects.all().db == DEFAULT_DB_ALIAS  # outside a section


@pytest.mark.replica
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_lagging_replica_is_not_read(real_replica, settings):
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 0
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    Organization.objects.create(name="滞后前物业")
    _wait_for(real_replica, "滞后前物业")
    with real_replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        Organization.objects.create(name="滞后物业")  # received by the replica, not replayed
        deadline = time.monotonic() + 15
        while replica.lag_seconds() <= 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert replica.lag_seconds() > 0
        replica.forget_lag()
        with replica.replica_reads():
            assert Organization.objects.all().db == DEFAULT_DB_ALIAS
            assert Organization.objects.filter(name="滞后物业").exists()  # read on the primary
    finally:
        with real_replica.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
    _wait_for(real_replica, "滞后物业")
    replica.forget_lag()
    with replica.replica_reads():
        assert Organization.objects.all().db == replica.REPLICA


@pytest.mark.replica
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_the_billing_report_page_reads_the_replica_and_its_login_the_primary(
    real_replica, settings, client
):
    from anju.core.testing import make_world

    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 5
    world = make_world()
    _wait_for(real_replica, world.org.name)
    # the session is new: on the primary only, for now
    client.force_login(world.users["manager"])
    with (
        CaptureQueriesContext(real_replica) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        response = client.get("/console/billing/reports/")
    assert response.status_code == 200
    assert on_replica, "the report read nothing from the replica"
    read_on_primary = " ".join(q["sql"] for q in on_primary)
    assert "django_session" in read_on_primary
    assert "django_session" not in " ".join(q["sql"] for q in on_replica)
    # a page that is not a report reads the primary only
    with CaptureQueriesContext(real_replica) as on_replica:
        assert client.get("/console/tickets/").status_code == 200
    assert not on_replica
