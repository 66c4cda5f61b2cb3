"""Database helpers shared by hand-written hot queries."""

from django.db import connection


def prepared_cursor():
    """A cursor whose statements the database plans once per connection, where the backend
    can (``anju.core.db.postgresql``); an ordinary cursor elsewhere."""
    make = getattr(connection, "prepared_cursor", None)
    return make() if make is not None else connection.cursor()


def among(column, values):
    """``column`` is one of ``values``: (sql, params). On PostgreSQL one array parameter, so
    that the statement's text (and its prepared plan) does not change with the list's length."""
    values = list(values)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values
