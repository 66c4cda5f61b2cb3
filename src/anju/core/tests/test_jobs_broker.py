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
