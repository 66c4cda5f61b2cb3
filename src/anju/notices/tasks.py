"""Periodic jobs of the notices app: thin, idempotent wrappers over services."""

from datetime import timedelta

from celery import shared_task

from anju.core.jobs import periodic

from . import services


@periodic(timedelta(minutes=1))
@shared_task
def publish_due_notices():
    """Publish scheduled notices whose time has come; archive expired ones."""
    return services.publish_due_notices()


@periodic(timedelta(hours=1))
@shared_task
def propose_reminders():
    """The warm-reminder engine: proposals ahead of solar terms, holidays, weather and policies."""
    return len(services.run_engine())


@periodic(timedelta(minutes=5))
@shared_task
def open_and_close_surveys():
    services.run_due_surveys()
