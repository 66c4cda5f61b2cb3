"""Background jobs: eager without a broker; a real round trip through Redis and RabbitMQ."""

import os
from datetime import date, timedelta

import pytest
from celery import Celery
from django.utils import timezone

from anju.core import privacy
from anju.core.jobs import REGISTRY, beat_schedule
from anju.core.models import AuditEntry, Occupancy, Person
from anju.core.tasks import ping
from anju.core.testing import celery_worker


def test_tasks_run_eagerly_without_broker(settings):
    assert settings.CELERY_TASK_ALWAYS_EAGER
    assert ping.delay(3).get() == {"pong": 3}


def test_periodic_jobs_feed_beat_schedule():
    schedule = beat_schedule()
    assert "anju.core.tasks.purge_departed_personal_data" in schedule
    assert schedule["anju.core.tasks.purge_departed_personal_data"]["schedule"] == 86400
    assert set(schedule) == set(REGISTRY)


def _round_trip(broker, backend):
    """A Celery app configured like production (a real broker) running our task code."""
    worker_app = Celery("anju-broker-test", broker=broker, backend=backend, set_as_current=False)
    worker_app.conf.update(
        task_always_eager=False,
        broker_connection_retry_on_startup=True,
        task_default_queue=f"anju-test-{os.getpid()}",
    )
    task = worker_app.task(name="anju.core.tasks.ping")(ping.run)
    with celery_worker(worker_app, loglevel="WARNING", shutdown_timeout=60):
        result = task.delay("安居")
        assert result.get(timeout=20) == {"pong": "安居"}


@pytest.mark.redis
def test_task_round_trip_through_redis():
    url = os.environ.get("ANJU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    _round_trip(url, url)


@pytest.mark.redis
def test_task_round_trip_through_rabbitmq():
    amqp = os.environ.get("ANJU_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
    import socket
    from urllib.parse import urlparse

    parsed = urlparse(amqp)
    try:
        socket.create_connection((parsed.hostname, parsed.port or 5672), timeout=1).close()
    except OSError:
        if os.environ.get("ANJU_REQUIRE_SERVICES") == "1":
            pytest.fail(f"RabbitMQ required at {amqp}")
        pytest.skip(f"needs RabbitMQ at {amqp}")
    _round_trip(amqp, os.environ.get("ANJU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))


@pytest.mark.django_db
def test_departed_people_lose_contact_data_after_retention(world, settings):
    settings.ANJU_PERSONAL_DATA_RETENTION_DAYS = 365
    leaver = Person.objects.create(
        organization=world.org, name="离开的人", phone="13911112222", id_number="110105199001011234"
    )
    Occupancy.objects.create(
        organization=world.org,
        community=world.community,
        house=world.houses[2],
        person=leaver,
        relation="tenant",
        since=date(2020, 1, 1),
        until=timezone.localdate() - timedelta(days=400),
    )
    recent = Person.objects.create(organization=world.org, name="刚走的人", phone="13911113333")
    Occupancy.objects.create(
        organization=world.org,
        community=world.community,
        house=world.houses[2],
        person=recent,
        relation="tenant",
        until=timezone.localdate() - timedelta(days=10),
    )
    assert privacy.purge_departed() == 1
    leaver.refresh_from_db()
    recent.refresh_from_db()
    assert leaver.phone == "" and leaver.id_number == "" and leaver.name == "离开的人"
    assert recent.phone == "13911113333"
    assert world.people["owner"].phone == "13900001111"
    assert AuditEntry.objects.filter(action="core.person.personal_data_purged").count() == 1
    assert privacy.purge_departed() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_sweep_running_on_one_worker_is_skipped_by_another_and_free_after():
    """Two workers (threads with their own connections, as two machines would have) run the
    same periodic job at once: the second finds it claimed and does nothing."""
    import threading

    from django.db import connection

    from anju.core.jobs import claimed
    from anju.core.models import JobClaim

    inside, release, answers = threading.Event(), threading.Event(), {}

    def first():
        try:
            with claimed("probe.sweep") as mine:
                answers["first"] = mine
                inside.set()
                release.wait(20)
        finally:
            connection.close()

    worker = threading.Thread(target=first)
    worker.start()
    assert inside.wait(20)
    with claimed("probe.sweep") as mine:
        answers["second"] = mine
    release.set()
    worker.join(20)
    assert answers == {"first": True, "second": False}
    assert JobClaim.objects.get(name="probe.sweep").until is None  # let go at the end
    with claimed("probe.sweep") as mine:
        assert mine  # free again


@pytest.mark.django_db
def test_a_periodic_job_skips_while_claimed_and_a_dead_workers_claim_lapses():
    from anju.core.jobs import REGISTRY, periodic
    from anju.core.models import JobClaim

    runs = []

    def sweep():
        runs.append(1)
        return len(runs)

    sweep.__module__ = "anju.tests.probe"
    job = periodic(timedelta(minutes=5))(sweep)
    name = "anju.tests.probe.sweep"
    try:
        assert job() == 1 and job() == 2  # one after the other: both run
        JobClaim.objects.filter(name=name).update(
            holder="dead:1", until=timezone.now() + timedelta(minutes=10)
        )
        assert job() is None and runs == [1, 1]  # held by another worker
        JobClaim.objects.filter(name=name).update(until=timezone.now() - timedelta(seconds=1))
        assert job() == 3  # that worker died: its claim lapsed
    finally:
        REGISTRY.pop(name, None)
