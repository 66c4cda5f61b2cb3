"""Finance jobs: posting a large opening import in the background, asking the tax platform
about e-invoices it is still signing (thin over services)."""

from datetime import timedelta

from celery import shared_task
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from anju.core import progress
from anju.core.jobs import periodic

from . import services

progress.KIND_LABELS.update({"finance.opening_posting": _("Opening balances: posting")})


@shared_task(name="anju.finance.tasks.post_opening")
def post_opening(job_id, opening_id, actor_id=None):
    """Post a checked opening import, as a job with progress."""
    from anju.core.models import User

    from .models import OpeningImport

    def work(job):
        actor = User.objects.filter(pk=actor_id).first() if actor_id else None
        opening = services.post_opening(
            actor=actor,
            opening=OpeningImport.objects.get(pk=opening_id),
            on_progress=lambda done, total, message: progress.report(job, done, total, message),
        )
        return {
            "url": reverse("console:finance-opening-detail", args=[opening.pk]),
            "opening": opening.pk,
        }

    return progress.run(job_id, work)


@shared_task(name="anju.finance.tasks.refresh_issuing_invoices")
@periodic(timedelta(minutes=10))
def refresh_issuing_invoices():
    """E-invoices the platform is still signing (开票中): ask it where each stands."""
    return services.refresh_issuing_invoices()
