"""Periodic jobs: one registry feeds Celery beat (production) and the in-process loop
(embedded mode, started by ``anju run``)."""

import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.utils.module_loading import import_string

log = logging.getLogger("anju.jobs")


@dataclass(frozen=True)
class PeriodicJob:
    name: str  # dotted path of a Celery task
    every: timedelta


REGISTRY: dict[str, PeriodicJob] = {}


def periodic(every: timedelta):
    """Register a Celery task to run every ``every``. Use under ``@shared_task``."""

    def decorator(task):
        name = f"{task.__module__}.{task.__name__}"
        REGISTRY[name] = PeriodicJob(name=name, every=every)
        return task

    return decorator


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
