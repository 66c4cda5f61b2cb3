"""Long operations (billing runs, imports) as jobs the console follows.

A view launches the work as a Celery task and sends the user to the job's page, which polls the
job's status and moves on to the result when it is done:

    job = progress.launch("billing.run.preview", tasks.preview_run, actor=user, community=c, ...)

and the task runs the service inside ``progress.run``, which marks the job running, then done
with the service's result (``{"url": ...}`` names the page to show) or failed with the service's
refusal. In the embedded mode tasks are eager: the job is done before the view answers, and the
view goes straight to the result. Jobs that can count their steps report them with ``advance``
(single UPDATE statements, cheap from inside a bulk loop) or, when their work runs in one
transaction (a billing run), with ``report``: an UPDATE there would not be seen before the
commit, so the counts go to the cache (Redis in production: every process reads them), and
``live`` lays them over the job row for its progress bar.
"""

import logging

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import DomainError
from .models import Job

log = logging.getLogger("anju.jobs")

# Job kind -> what the console calls it; apps add theirs.
KIND_LABELS = Job.KIND_LABELS  # apps add {kind: label} here


def launch(kind, task, *, actor, community=None, organization=None, **arguments):
    """A queued job, and ``task.delay(job.pk, **arguments)``: once the caller's transaction
    commits when a broker takes it (its worker must find the job), at once when tasks are eager
    (the embedded mode, tests)."""
    job = Job.objects.create(
        kind=kind,
        community=community,
        organization=organization or (community.organization if community else None),
        status=Job.Status.QUEUED,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if task.app.conf.task_always_eager:
        task.delay(job.pk, **arguments)
    else:
        transaction.on_commit(lambda: task.delay(job.pk, **arguments))
    return job


def run(job_id, work):
    """Inside a task: ``work(job)`` with the job marked running, then done with what it returns
    or failed with the refusal's message. A job already started is not run again (a broker may
    deliver a task twice)."""
    if not Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, updated_at=timezone.now()
    ):
        return None
    job = Job.objects.get(pk=job_id)
    try:
        result = work(job)
    except DomainError as exc:
        fail(job, exc.message)
        return None
    except Exception:
        log.exception("job %s (%s) failed", job.pk, job.kind)
        fail(job, _("Stopped by an error. The log has the details."))
        return None
    finish(job, result=result)
    return result


def start(kind, *, actor, community=None, organization=None, total=0, message=""):
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
    _forget_steps(job)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE,
        done=F("total"),
        result=result,
        message=message,
        updated_at=timezone.now(),
    )


def fail(job, message):
    _forget_steps(job)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.FAILED, message=str(message)[:2000], updated_at=timezone.now()
    )


def _steps_key(job_id):
    return f"anju:job:{job_id}:steps"


def _forget_steps(job):
    try:
        cache.delete(_steps_key(job.pk))
    except Exception:
        log.warning("job %s: reported progress not cleared", job.pk, exc_info=True)


def report(job, done, total, message=""):
    """Progress of work running inside one transaction (see the module's docstring). A cache
    that cannot be reached costs the progress bar its counts, never the work."""
    try:
        cache.set(_steps_key(job.pk), (done, total, str(message)), timeout=24 * 3600)
    except Exception:
        log.warning("job %s: progress not reported (cache unreachable)", job.pk, exc_info=True)


def live(job):
    """``job`` with the counts its running work reported (``report``), if any."""
    if job.status in (Job.Status.QUEUED, Job.Status.RUNNING):
        try:
            found = cache.get(_steps_key(job.pk))
        except Exception:
            log.warning("job %s: progress not read (cache unreachable)", job.pk, exc_info=True)
            found = None
        if found is not None:
            job.done, job.total, message = found
            job.message = message or job.message
    return job
