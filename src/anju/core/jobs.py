"""Periodic jobs: one registry feeds Celery beat (production) and the in-process loop
(embedded mode, started by ``anju run``).

Each run of a periodic job first claims the job (a conditional UPDATE of its ``JobClaim``
row): with several Celery workers on several machines, or two beats after a failover, a sweep
that is already running somewhere is skipped, never run twice at once. The claim is let go
when the run ends and lapses after ``CLAIM_LEASE`` if its worker dies."""

import functools
import logging
import os
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger("anju.jobs")


@dataclass(frozen=True)
class PeriodicJob:
    name: str  # dotted path of a Celery task
    every: timedelta


REGISTRY: dict[str, PeriodicJob] = {}


CLAIM_LEASE = timedelta(minutes=30)  # a sweep runs for seconds; a dead worker's claim lapses


def periodic(every: timedelta):
    """Register a Celery task to run every ``every``. Use under ``@shared_task``. A run while
    another run of the same job holds its claim does nothing and returns None."""

    def decorator(task):
        name = f"{task.__module__}.{task.__name__}"
        REGISTRY[name] = PeriodicJob(name=name, every=every)

        @functools.wraps(task)
        def run(*args, **kwargs):
            with claimed(name) as mine:
                if not mine:
                    log.info("periodic job %s is running elsewhere; skipped", name)
                    return None
                return task(*args, **kwargs)

        return run

    return decorator


@contextmanager
def claimed(name, lease=CLAIM_LEASE):
    """True inside the block when this worker holds the job's claim, False when another does."""
    from .models import JobClaim

    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:120]
    now = timezone.now()
    try:
        with transaction.atomic():
            JobClaim.objects.get_or_create(name=name)
    except IntegrityError:  # another worker made the row at the same moment
        pass
    free = Q(until__isnull=True) | Q(until__lt=now)
    mine = bool(JobClaim.objects.filter(free, name=name).update(holder=holder, until=now + lease))
    try:
        yield mine
    finally:
        if mine:
            JobClaim.objects.filter(name=name, holder=holder).update(holder="", until=None)


def beat_schedule():
    _load_tasks()
    return {
        job.name: {"task": job.name, "schedule": job.every.total_seconds()}
        for job in REGISTRY.values()
    }


def _load_tasks():
    from .apps import anju_apps

    for config in anju_apps():
        config.optional_module("tasks")


def run_due_jobs(last_run: dict, now: float):
    for job in REGISTRY.values():
        if now - last_run.get(job.name, 0) >= job.every.total_seconds():
            last_run[job.name] = now
            try:
                import_string(job.name)()
            except Exception:  # a failing job must not stop the others
                log.exception("periodic job %s failed", job.name)


def start_in_process_scheduler(tick_seconds: float = 30.0):
    """Embedded mode: a daemon thread runs every due job; tasks are eager there."""
    _load_tasks()
    last_run: dict = {}

    def loop():
        time.sleep(5)
        while True:
            run_due_jobs(last_run, time.monotonic())
            time.sleep(tick_seconds)

    thread = threading.Thread(target=loop, name="anju-scheduler", daemon=True)
    thread.start()
    return thread
