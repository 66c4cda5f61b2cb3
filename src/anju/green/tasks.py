"""Periodic jobs of green living: thin, idempotent wrappers over services."""

from datetime import timedelta

from celery import shared_task

from anju.core.jobs import periodic

from . import services


@periodic(timedelta(hours=24))
@shared_task
def expire_green_points():
    """Points whose expiry day has come and which were not spent expire, once."""
    return services.expire_points()


@periodic(timedelta(hours=24))
@shared_task
def propose_decoration_plans():
    """Each community gets a decoration plan proposed ahead of each holiday and season."""
    return len(services.propose_plans())
