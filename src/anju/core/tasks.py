"""Core background jobs."""

from datetime import timedelta

from celery import shared_task

from .jobs import periodic


@shared_task(name="anju.core.tasks.ping")
def ping(value):
    """Round-trip check for the broker (used by health checks and tests)."""
    return {"pong": value}


@shared_task(name="anju.core.tasks.purge_departed_personal_data")
@periodic(timedelta(days=1))
def purge_departed_personal_data():
    """PIPL art. 47: erase the contact data of people whose every relation ended longer ago than
    ANJU_PERSONAL_DATA_RETENTION_DAYS and who have no login. Names stay for the records."""
    from .privacy import purge_departed

    return purge_departed()


@shared_task(name="anju.core.tasks.purge_expired_logins")
@periodic(timedelta(hours=6))
def purge_expired_logins():
    """Expired API tokens and session records (they no longer work): the login lists stay short.
    Axes' login attempts older than the cool-off go with them."""
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.utils import timezone

    from .logins import purge_expired

    cutoff = timezone.now() - timedelta(minutes=settings.ANJU_LOGIN_COOLOFF_MINUTES)
    attempts, _ = AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()
    return {"logins": purge_expired(), "attempts": attempts}


@shared_task(name="anju.core.tasks.deliver_deferred_notifications")
@periodic(timedelta(minutes=1))
def deliver_deferred_notifications():
    """WeChat/SMS that a person's quiet hours held back, sent once the quiet hours end."""
    from .notifications import deliver_deferred

    return {"sent": deliver_deferred()}
