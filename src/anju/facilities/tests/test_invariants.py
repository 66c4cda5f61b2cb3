"""Invariants: generated due dates never leave a gap longer than the plan allows (so a plan that
passes the legal floor produces a calendar that keeps it), and sweeps are race-free."""

import threading
from datetime import date, timedelta

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from anju.facilities import services
from anju.facilities.models import MaintenancePlan, MaintenanceTask
from anju.facilities.rules import plan_interval_days


@settings(max_examples=200, deadline=None)
@given(
    frequency=st.sampled_from(["every_n_days", "weekly", "monthly", "quarterly", "yearly"]),
    interval=st.integers(min_value=1, max_value=20),
    starts_on=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    offset=st.integers(min_value=0, max_value=400),
    span=st.integers(min_value=0, max_value=800),
)
def test_occurrences_keep_the_interval(frequency, interval, starts_on, offset, span):
    plan = MaintenancePlan(frequency=frequency, interval=interval, starts_on=starts_on)
    start = starts_on + timedelta(days=offset)
    end = start + timedelta(days=span)
    dates = services.occurrences(plan, start, end)
    assert dates == sorted(set(dates))
    assert all(start <= d <= end for d in dates)
    limit = plan_interval_days(frequency, interval)
    for earlier, later in zip(dates, dates[1:], strict=False):
        assert 1 <= (later - earlier).days <= limit
    if dates:  # nothing skipped at the edges either
        assert (dates[0] - start).days < limit and (end - dates[-1]).days < limit
    elif span >= limit:
        pytest.fail("a window as long as the interval must contain an occurrence")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_open_one_ticket_per_overdue_task(world):
    from django.db import connection

    from anju.servicedesk.models import Ticket

    manager = world.users["manager"]
    lift = services.create_asset(
        actor=manager, community=world.community, name="客梯", category="elevator"
    )
    plan = services.create_plan(
        actor=manager,
        community=world.community,
        name="半月保",
        category="elevator",
        frequency="every_n_days",
        interval=15,
        starts_on=timezone.localdate() - timedelta(days=30),
        assets=[lift],
    )
    services.generate_tasks(
        today=timezone.localdate() - timedelta(days=30),
        until=timezone.localdate() - timedelta(days=1),
    )
    tasks = list(MaintenanceTask.objects.filter(plan=plan))
    assert len(tasks) == 2
    barrier = threading.Barrier(3)
    counts = []

    def sweep():
        try:
            barrier.wait()
            counts.append(services.sweep_overdue_tasks())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 2
    for task in tasks:
        assert Ticket.objects.for_source(task).count() == 1
