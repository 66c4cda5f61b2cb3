"""Django's PostgreSQL backend with psycopg's C parser for ``timestamptz`` values.

Django registers its own timestamptz loader, a Python subclass of psycopg's, to attach its time
zone to every value; that turns off psycopg's C implementation and makes each datetime cost ~15 µs
of Python parsing (a page of 50 tickets holds 650 of them: 20 times slower than in C). Django
always sets the session's TimeZone to UTC (USE_TZ with no per-database TIME_ZONE), and psycopg's
C loader then returns values in ``datetime.timezone.utc``: the very same objects. With any other
configuration this backend is exactly Django's.
"""

import datetime

from django.db.backends.postgresql import base
from psycopg.types.datetime import TimestamptzLoader


class DatabaseWrapper(base.DatabaseWrapper):
    def _utc_session(self):
        return self.timezone == datetime.UTC and self.timezone_name == "UTC"

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
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
