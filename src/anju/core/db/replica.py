"""Read replicas: reports, exports, dashboards and the comparison read from a PostgreSQL
streaming replica when ``DATABASE_REPLICA_URL`` is set; everything else reads and writes the
primary.

A read goes to the replica only inside ``replica_reads()`` (``ReplicaReadsMixin`` opens one
around a GET or HEAD of a report page), and even there it goes to the primary

- inside a transaction on the primary (``transaction.atomic``): a write's reads see the write;
- after a write in the same section (a report that also writes, say a last-viewed mark): the
  rest of the section reads what it wrote;
- while the replica lags more than ``DATABASE_REPLICA_MAX_LAG_SECONDS`` behind (checked at
  most every ``DATABASE_REPLICA_CHECK_SECONDS`` per process), or cannot be reached.

Writes always go to the primary, and migrations run only there. Hand-written statements on
``django.db.connection`` are the primary's.
"""

import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
# Who is signed in and whether they are locked out is never read from a copy that may lag.
PRIMARY_ONLY_APPS = frozenset({"sessions", "axes", "authtoken"})

logger = logging.getLogger(__name__)

# None: outside a read-only section. Otherwise a one-item list: [wrote] in this section.
_SECTION = ContextVar("anju_replica_section", default=None)
_LAG = {"checked": 0.0, "fresh": False}


def configured():
    return REPLICA in connections.settings


@contextmanager
def replica_reads():
    """Reads in the block may come from the replica (see the module's rules)."""
    token = _SECTION.set([False])
    try:
        yield
    finally:
        _SECTION.reset(token)


def lag_seconds():
    """How far the replica's replay is behind what it received, in seconds (0 when it has
    replayed everything it received; a replica cut off from the primary counts as fresh
    only as long as its last replay is recent, as PostgreSQL's own monitoring reads it)."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
            "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
        )
        return float(cursor.fetchone()[0])


def replica_fresh(now=None):
    now = time.monotonic() if now is None else now
    if now - _LAG["checked"] < settings.DATABASE_REPLICA_CHECK_SECONDS:
        return _LAG["fresh"]
    try:
        fresh = lag_seconds() <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS
    except DatabaseError:
        logger.warning("read replica unreachable; reading the primary", exc_info=True)
        connections[REPLICA].close()
        fresh = False
    _LAG.update(checked=now, fresh=fresh)
    return fresh


def forget_lag():
    """The next read checks the replica's lag again (tests, and after a failover)."""
    _LAG.update(checked=0.0, fresh=False)


class ReplicaRouter:
    """``DATABASE_ROUTERS``: the rules of the module's docstring."""

    def db_for_read(self, model, **hints):
        section = _SECTION.get()
        if section is None or section[0] or not configured():
            return DEFAULT_DB_ALIAS
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA if replica_fresh() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        section = _SECTION.get()
        if section is not None:
            section[0] = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplicaReadsMixin:
    """For a page that only reads (a report, a dashboard, an export): its GET and HEAD read
    from the replica where one is configured and fresh."""

    def dispatch(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return super().dispatch(request, *args, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            user.is_authenticated  # noqa: B018 - the session's user is read from the primary
        with replica_reads():
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()  # templates read lazily: render inside the section
            return response
