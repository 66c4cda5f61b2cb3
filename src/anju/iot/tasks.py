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
