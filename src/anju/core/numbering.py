"""Readable numbers per community and day: BX-A1-20261126-0007.

The community's short code (``Community.code``, unique in its company) is part of the number,
so two communities of one company never hand out the same number on the same day."""

from django.db import connection
from django.utils import timezone

from .models import Community, NumberSequence

# One atomic statement (PostgreSQL, and SQLite >= 3.35): the row is created on the day's first
# number and incremented in place afterwards; concurrent callers queue on the row lock. The
# community's code comes back in the same statement.
_NEXT = (
    "INSERT INTO {table} (prefix, community_id, day, last) VALUES (%s, %s, %s, 1) "
    "ON CONFLICT (prefix, community_id, day) DO UPDATE SET last = {table}.last + 1 "
    "RETURNING last, (SELECT code FROM {community} WHERE id = %s)"
)


def next_number(prefix: str, community_id: int, when=None) -> str:
    day = timezone.localdate(when) if when else timezone.localdate()
    table = connection.ops.quote_name(NumberSequence._meta.db_table)
    community = connection.ops.quote_name(Community._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            _NEXT.format(table=table, community=community),
            [prefix, community_id, day, community_id],
        )
        last, code = cursor.fetchone()
    return (
        f"{prefix}-{code}-{day:%Y%m%d}-{last:04d}" if code else f"{prefix}-{day:%Y%m%d}-{last:04d}"
    )
