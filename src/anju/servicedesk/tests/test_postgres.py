"""Races on PostgreSQL: one ticket per source, one accept, one number per ticket."""

import threading

import pytest
from django.db import connection

from anju.core.errors import DomainError
from anju.servicedesk import services
from anju.servicedesk.models import Ticket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(n, fn):
    barrier = threading.Barrier(n)
    errors, results = [], []

    def worker():
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_concurrent_raises_for_one_source_open_one_ticket(world):
    source = world.houses[2]
    results, errors = _race(
        6,
        lambda: (
            services.open_ticket(
                actor=None,
                community=world.community,
                kind="repair",
                category="elevator",
                description="困人",
                source=source,
            ).pk
        ),
    )
    assert not errors
    assert len(set(results)) == 1
    assert Ticket.objects.count() == 1


def test_concurrent_opens_get_distinct_numbers(world):
    results, errors = _race(
        8,
        lambda: (
            services.open_ticket(
                actor=None,
                community=world.community,
                kind="repair",
                category="water",
                description="x",
            ).number
        ),
    )
    assert not errors
    assert len(set(results)) == 8


def test_double_accept_only_once(world):
    ticket = services.open_ticket(
        actor=None, community=world.community, kind="repair", category="water", description="x"
    )
    services.assign(actor=world.users["agent"], ticket=ticket, assignee=world.users["technician"])
    results, errors = _race(
        4, lambda: services.accept(actor=world.users["technician"], ticket=ticket).status
    )
    assert results == ["accepted"]
    assert len(errors) == 3 and all(isinstance(e, DomainError) for e in errors)
    assert ticket.events.filter(action="accept").count() == 1
