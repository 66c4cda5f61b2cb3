"""Periodic jobs of the IoT app: thin wrappers over services."""

from datetime import timedelta

from celery import shared_task

from anju.core.jobs import periodic

from . import services


@periodic(timedelta(minutes=5))
@shared_task
def sweep_offline_devices():
    """Devices silent too long raise an offline alarm and a ticket."""
    return services.sweep_offline()


@periodic(timedelta(hours=1))
@shared_task
def check_usage_spikes():
    """Meters whose use yesterday was unusual raise a usage alarm and a ticket (once a day)."""
    return services.check_usage_spikes()
