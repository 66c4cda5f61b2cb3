"""Periodic jobs of the gate: thin wrappers over services."""

from datetime import timedelta

from celery import shared_task

from anju.core.jobs import periodic

from . import services


@periodic(timedelta(hours=6))
@shared_task
def purge_visitor_data():
    """The visitor log, walk-ins and passes past ANJU_VISITOR_RETENTION_DAYS are deleted."""
    return services.purge_visitor_data()
