"""Periodic jobs of parking: thin, idempotent wrappers over services."""

from datetime import timedelta

from celery import shared_task

from anju.core.jobs import periodic

from . import services


@periodic(timedelta(hours=6))
@shared_task
def remind_expiring_passes():
    """Passes ending soon: their households hear once per threshold."""
    return services.remind_expiring()
