"""Django's PostgreSQL backend with psycopg's C parser for ``timestamptz`` values.

Django registers its own timestamptz loader, a Python subclass of psycopg's, to attach its time
zone to every value; that turns off psycopg's C implementation and makes each datetime cost ~15 µs
of Python parsing (a page of 50 tickets holds 650 of them: 20 times slower than in C). Django
always sets the session's TimeZone to UTC (USE_TZ with no per-database TIME_ZONE), and psycopg's
C loader then returns values in ``datetime.timezone.utc``: the very same objects. With any other
configuration this backend is exactly Django's.
"""

import datetime

import psycopg
from django.db.backends.postgresql import base
from psycopg.types.datetime import TimestamptzLoader


class PreparedCursor(psycopg.Cursor):
    """Server-side binding, and every statement prepared: PostgreSQL plans it once per
    connection (psycopg keeps the most recent hundred)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


class PreparedNativeCursor(psycopg.RawCursor):
    """A PreparedCursor for statements written with PostgreSQL's own placeholders ($1, $2):
    psycopg passes them through instead of parsing ``%s`` on each call (it keeps the parse
    only of statements with at most 50 parameters; a ticket's INSERT has 51)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


class DatabaseOperations(base.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        if isinstance(cursor, PreparedNativeCursor):
            return sql  # $1 placeholders: the values are in the captured params
        if isinstance(cursor, PreparedCursor):  # logs and query captures show the values
            try:
                return self.compose_sql(sql, params)
            except psycopg.Error:
                return sql
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def _utc_session(self):
        return self.timezone == datetime.UTC and self.timezone_name == "UTC"

    def get_connection_params(self):
        params = super().get_connection_params()
        self._prepared = params.pop("anju_prepared", False)
        return params

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if self._prepared and connection.prepare_threshold is None:
            # Django turns prepared statements off; only PreparedCursor asks for them (its
            # client-side binding cursors never prepare), so no threshold is ever reached.
            connection.prepare_threshold = 2**31
            # Prepared statements keep one generic plan: left on "auto", PostgreSQL re-plans
            # a statement whose generic plan it estimates dearer (any array parameter), which
            # is the cost preparing was meant to save. Django's own queries are not prepared.
            with connection.cursor() as cursor:
                cursor.execute("SET plan_cache_mode = force_generic_plan")
            if connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                connection.commit()
        if self._utc_session():
            # The adapters map swaps in the C class of the same name when psycopg is binary.
            connection.adapters.register_loader("timestamptz", TimestamptzLoader)
        return connection

    def create_cursor(self, name=None):
        if not self._utc_session():
            return super().create_cursor(name)
        if not name:
            return self.connection.cursor()
        # Named (server-side) cursors as Django makes them, minus its per-cursor tz loader.
        if self.settings_dict["OPTIONS"].get("server_side_binding") is not True:
            return base.ServerSideCursor(
                self.connection, name=name, scrollable=False, withhold=self.connection.autocommit
            )
        return self.connection.cursor(name, scrollable=False, withhold=self.connection.autocommit)

    def prepared_cursor(self, native=False):
        """A cursor (logged and wrapped like any other) for hand-written hot statements whose
        planning costs more than running them: each distinct text is planned once per
        connection. Values must be parameters; ``IN`` lists are better written ``= ANY(%s)``
        so that the text does not change with their length. ``native``: the statement uses
        PostgreSQL's $1 placeholders instead of %s."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        cursor_class = PreparedNativeCursor if native else PreparedCursor
        with self.wrap_database_errors:
            return self._prepare_cursor(cursor_class(self.connection))
