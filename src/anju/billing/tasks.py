"""Periodic billing jobs (thin wrappers over services, idempotent)."""

from datetime import timedelta

from celery import shared_task
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from anju.core import progress
from anju.core.jobs import periodic

from . import services

progress.KIND_LABELS.update(
    {
        "billing.run.preview": _("Billing run: preview"),
        "billing.run.post": _("Billing run: posting"),
    }
)


def _actor(actor_id):
    from anju.core.models import User

    return User.objects.filter(pk=actor_id).first() if actor_id else None


@shared_task(name="anju.billing.tasks.preview_run")
def preview_run(job_id, community_id, period, actor_id=None):
    """Compute and stage a billing run (console "new billing run"), as a job."""
    from anju.core.models import Community

    def work(job):
        run = services.create_billing_run(
            actor=_actor(actor_id),
            community=Community.objects.get(pk=community_id),
            period=period,
            on_progress=lambda done, total, message: progress.report(job, done, total, message),
        )
        return {"url": reverse("console:billing-run-detail", args=[run.pk]), "run": run.pk}

    return progress.run(job_id, work)


@shared_task(name="anju.billing.tasks.post_run")
def post_run(job_id, run_id, actor_id=None):
    """Post a previewed billing run, as a job."""
    from .models import BillingRun

    def work(job):
        run = services.post_billing_run(
            actor=_actor(actor_id),
            run=BillingRun.objects.get(pk=run_id),
            on_progress=lambda done, total, message: progress.report(job, done, total, message),
        )
        return {
            "url": reverse("console:billing-run-detail", args=[run.pk]),
            "run": run.pk,
            **run.result,
        }

    return progress.run(job_id, work)


@shared_task(name="anju.billing.tasks.accrue_late_charges")
@periodic(timedelta(hours=6))
def accrue_late_charges():
    """Bring contractual late charges up to today; re-running the same day changes nothing."""
    return services.accrue_late_charges(actor=None)


@shared_task(name="anju.billing.tasks.drop_stale_previews")
@periodic(timedelta(days=1))
def drop_stale_previews():
    """Staged lines of billing previews left unposted too long (see the service)."""
    return services.drop_stale_previews()


@shared_task(name="anju.billing.tasks.reconcile_online_payments")
@periodic(timedelta(minutes=5))
def reconcile_online_payments():
    """Online payments whose notification has not come: ask WeChat Pay and Alipay (主动查单)."""
    return services.reconcile_online_payments()
