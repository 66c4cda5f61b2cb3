"""Periodic jobs of the spaces app: thin, idempotent wrappers over services."""

from datetime import timedelta

from celery import shared_task

from anju.core.jobs import periodic

from . import services


@periodic(timedelta(minutes=5))
@shared_task
def sweep_bookings():
    """No-shows, completed bookings and lapsed approvals."""
    return services.sweep()


@periodic(timedelta(minutes=5))
@shared_task
def remind_bookers():
    """Two hours before a confirmed booking, its booker hears once."""
    return services.remind_bookers()
