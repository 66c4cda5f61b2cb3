"""Handover jobs: writing and importing a package in the background (thin over services)."""

from celery import shared_task
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from anju.core import progress

from . import services

progress.KIND_LABELS.update(
    {
        "handover.export": _("Handover package: export"),
        "handover.import": _("Handover package: import"),
    }
)


def _actor(actor_id):
    from anju.core.models import User

    return User.objects.filter(pk=actor_id).first() if actor_id else None


@shared_task(name="anju.handover.tasks.export_community")
def export_community(job_id, community_id, actor_id=None, id_numbers=False):
    from anju.core.models import Community

    def work(job):
        pkg = services.export_community(
            actor=_actor(actor_id),
            community=Community.objects.get(pk=community_id),
            id_numbers=id_numbers,
            on_progress=lambda done, total, message: progress.report(job, done, total, message),
        )
        return {"url": reverse("console:handover"), "package": pkg.pk}

    return progress.run(job_id, work)


@shared_task(name="anju.handover.tasks.import_package")
def import_package(job_id, package_id, actor_id=None):
    from .models import HandoverPackage

    def work(job):
        received = HandoverPackage.objects.get(pk=package_id)
        with received.file.open("rb") as handle:
            data = handle.read()
        community = services.import_package(
            actor=_actor(actor_id),
            organization=received.organization,
            data=data,
            received=received,
            on_progress=lambda done, total, message: progress.report(job, done, total, message),
        )
        return {"url": reverse("console:handover"), "community": community.pk}

    return progress.run(job_id, work)
