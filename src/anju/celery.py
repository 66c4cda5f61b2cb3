"""Celery application. Eager without a broker (see settings); beat schedule from core.jobs."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anju.settings")

app = Celery("anju")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _install_beat_schedule(sender, **kwargs):
    from anju.core.jobs import beat_schedule

    sender.conf.beat_schedule = beat_schedule()
