"""Periodic billing jobs (thin wrappers over services, idempotent)."""

from datetime import timedelta

from celery import shared_task

from anju.core.jobs import periodic

from . import services


@shared_task(name="anju.billing.tasks.accrue_late_charges")
@periodic(timedelta(hours=6))
def accrue_late_charges():
    """Bring contractual late charges up to today; re-running the same day changes nothing."""
    return services.accrue_late_charges(actor=None)
