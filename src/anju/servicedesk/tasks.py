"""Periodic service-desk jobs: thin, idempotent wrappers over services."""

from datetime import timedelta

from celery import shared_task

from anju.core.jobs import periodic


@shared_task(name="anju.servicedesk.tasks.escalate_overdue_tickets")
@periodic(timedelta(minutes=1))
def escalate_overdue_tickets():
    """Tell assignee, then manager, then company of each missed SLA step (each level once)."""
    from .services import escalate_overdue

    return escalate_overdue()


@shared_task(name="anju.servicedesk.tasks.open_missing_return_visits")
@periodic(timedelta(hours=1))
def open_missing_return_visits():
    """Safety net: every resolved ticket has a return-visit task."""
    from .services import open_due_return_visits

    return open_due_return_visits()
