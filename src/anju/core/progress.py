"""Progress of long operations (imports, billing runs, task generation) for the console.

    job = progress.start(actor, "billing.run", community=c, total=len(houses))
    progress.advance(job, 500)
    progress.finish(job, result={"bills": 1200})
Updates are single UPDATE statements so a job can report from inside a bulk loop cheaply.
"""

from django.db.models import F
from django.utils import timezone

from .models import Job


def start(actor, kind, *, community=None, organization=None, total=0, message=""):
    return Job.objects.create(
        kind=kind,
        community=community,
        organization=organization or (community.organization if community else None),
        status=Job.Status.RUNNING,
        total=total,
        message=message,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def advance(job, n=1, message=None):
    fields = {"done": F("done") + n, "updated_at": timezone.now()}
    if message is not None:
        fields["message"] = message
    Job.objects.filter(pk=job.pk).update(**fields)


def finish(job, *, result=None, message=""):
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE,
        done=F("total"),
        result=result,
        message=message,
        updated_at=timezone.now(),
    )


def fail(job, message):
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.FAILED, message=str(message)[:2000], updated_at=timezone.now()
    )
