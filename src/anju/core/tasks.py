"""Core background jobs."""

from datetime import timedelta

from celery import shared_task

from .jobs import periodic


@shared_task(name="anju.core.tasks.ping")
def ping(value):
    """Round-trip check for the broker (used by health checks and tests)."""
    return {"pong": value}


@shared_task(name="anju.core.tasks.purge_departed_personal_data")
@periodic(timedelta(days=1))
def purge_departed_personal_data():
    """PIPL art. 47: erase the contact data of people whose every relation ended longer ago than
    ANJU_PERSONAL_DATA_RETENTION_DAYS and who have no login. Names stay for the records."""
    from .privacy import purge_departed

    return purge_departed()
