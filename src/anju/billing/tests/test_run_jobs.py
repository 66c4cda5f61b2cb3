"""Billing runs from the console are jobs: done at once when tasks are eager (the page goes
straight to the run), followed on the job's page when a worker takes them from a broker."""

import os
import time

import pytest
from celery import Celery

from anju.billing import tasks
from anju.billing.models import BillingRun
from anju.core import progress
from anju.core.models import Job
from anju.core.testing import celery_worker

pytestmark = pytest.mark.django_db


def test_preview_and_post_are_jobs_done_at_once_when_eager(world, fees, client):
    client.force_login(world.users["finance"])
    r = client.post(
        "/console/billing/runs/new/", {"community": world.community.pk, "period": "2027-02"}
    )
    run = BillingRun.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/console/billing/runs/{run.pk}/"
    preview = Job.objects.get(kind="billing.run.preview")
    assert preview.status == "done" and preview.result["run"] == run.pk
    assert preview.created_by == world.users["finance"] and preview.community == world.community
    r = client.post(f"/console/billing/runs/{run.pk}/")
    assert r["Location"] == f"/console/billing/runs/{run.pk}/"
    run.refresh_from_db()
    assert run.status == "posted"
    posting = Job.objects.get(kind="billing.run.post")
    assert posting.status == "done" and posting.result["bills"] == run.result["bills"]
    listing = client.get("/console/jobs/").content.decode()
    assert "计费批次：过账" in listing or "Billing run: posting" in listing


def test_a_refused_job_says_why(world, fees, client):
    client.force_login(world.users["finance"])
    client.post(
        "/console/billing/runs/new/", {"community": world.community.pk, "period": "2027-02"}
    )
    run = BillingRun.objects.get()
    client.post(f"/console/billing/runs/{run.pk}/")
    r = client.post(f"/console/billing/runs/{run.pk}/", follow=True)  # posted already
    failed = Job.objects.filter(kind="billing.run.post").latest("pk")
    assert failed.status == "failed" and failed.message
    assert failed.message in r.content.decode()


def test_mistyped_period_stays_on_the_form(world, fees, client):
    client.force_login(world.users["finance"])
    r = client.post(
        "/console/billing/runs/new/", {"community": world.community.pk, "period": "2027-13"}
    )
    assert r.status_code == 200 and r.context["form"].errors["period"]
    assert not Job.objects.exists() and not BillingRun.objects.exists()


def test_a_run_reports_the_houses_done_as_it_goes(world, fees):
    from anju.billing import services
    from anju.core.models import House

    heard = []
    services.create_billing_run(
        actor=world.users["finance"],
        community=world.community,
        period="2027-02",
        on_progress=lambda done, total, message: heard.append((done, total, str(message))),
    )
    houses = House.objects.filter(community=world.community).count()
    assert heard and heard[-1][:2] == (houses, houses)
    assert [d for d, _t, _m in heard] == sorted(d for d, _t, _m in heard)


def test_the_job_bar_shows_counts_reported_from_inside_the_transaction(world, client):
    """A run's work is one transaction: its counts come through the cache, not the job row."""
    job = progress.start(
        "billing.run.preview", community=world.community, actor=world.users["finance"]
    )
    client.force_login(world.users["finance"])
    progress.report(job, 300, 1200, "houses computed")
    bar = client.get(f"/console/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "300 / 1200 · 25%" in bar and 'aria-valuenow="25"' in bar
    assert "houses computed" in bar
    progress.finish(job, result={})
    job.refresh_from_db()
    assert progress.live(job).total == 0  # finished: the reported counts are dropped
    bar = client.get(f"/console/jobs/{job.pk}/").content.decode()
    assert "300 / 1200" not in bar and 'aria-valuenow="100"' in bar


def test_job_page_follows_a_queued_job_and_moves_on(world, client):
    job = Job.objects.create(
        kind="billing.run.preview",
        community=world.community,
        organization=world.community.organization,
        created_by=world.users["finance"],
    )
    client.force_login(world.users["finance"])
    page = client.get(f"/console/jobs/{job.pk}/page/").content.decode()
    assert "hx-trigger" in page and ("等待" in page or "Waiting" in page)
    progress.finish(job, result={"url": "/console/billing/runs/1/"})
    r = client.get(f"/console/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    assert r["HX-Redirect"] == "/console/billing/runs/1/"
    assert (
        "/console/billing/runs/1/" in client.get(f"/console/jobs/{job.pk}/page/").content.decode()
    )
    client.force_login(world.users["outsider"])
    assert client.get(f"/console/jobs/{job.pk}/page/").status_code == 404


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_preview_through_a_real_broker(world, fees):
    """The task goes through Redis to a worker, which finds the committed job and runs it."""
    url = os.environ.get("ANJU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    app = Celery("anju-job-test", broker=url, backend=url, set_as_current=False)
    app.conf.update(
        task_always_eager=False,
        broker_connection_retry_on_startup=True,
        task_default_queue=f"anju-jobs-{os.getpid()}",
    )
    preview = app.task(name="anju.billing.tasks.preview_run")(tasks.preview_run.run)
    with celery_worker(app, shutdown_timeout=60):
        job = progress.launch(
            "billing.run.preview",
            preview,
            community=world.community,
            community_id=world.community.pk,
            period="2027-03",
            actor_id=world.users["finance"].pk,
            actor=world.users["finance"],
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status in ("done", "failed"):
                break
            time.sleep(0.2)
    assert job.status == "done", job.message
    assert BillingRun.objects.get(pk=job.result["run"]).period == "2027-03"


def test_an_unreachable_cache_costs_the_counts_not_the_work(world):
    """A cache that cannot be reached (nothing listens on port 1) is logged and skipped."""
    from django.test import override_settings

    job = progress.start(
        "billing.run.preview", community=world.community, actor=world.users["finance"]
    )
    broken = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=broken):
        progress.report(job, 1, 2, "houses computed")  # no exception
        assert progress.live(job).total == 0
        progress.finish(job, result={})
    job.refresh_from_db()
    assert job.status == "done"
