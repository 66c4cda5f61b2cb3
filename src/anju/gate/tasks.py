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


@periodic(timedelta(hours=24))
@shared_task
def purge_door_log():
    """Door openings past ANJU_DOOR_LOG_RETENTION_DAYS are deleted."""
    return services.purge_door_log()


@periodic(timedelta(hours=24))
@shared_task
def push_door_credentials():
    """Every door's credential list is resent to its device once a day."""
    return services.push_all_credentials()
