"""The ticket list ("my tickets", the staff queue, any filtered list) in one statement.

The page, its total and the labels it shows (house and building, reporter, first responder,
assignee) come from one SQL statement written here from the same pieces the generic path used:
the caller's scope (``scoping.scope_sql``, the condition ``visible_to`` builds as a Q), the
filters ``TicketFilter`` parses, DRF's search terms and ordering fields. Building and compiling
that query through the ORM (three querysets: count, page, labels) cost more than everything
else in a request; ``servicedesk/tests/test_listing.py`` checks both give the same pages."""

from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection
from django.utils import timezone

from anju.core.db import instance, prepared_cursor
from anju.core.models import Building, House, Person, User
from anju.core.scoping import scope_sql

from .choices import OPEN_STATUSES
from .models import Ticket

# API ordering name -> column (the viewset's ordering_fields).
ORDER_COLUMNS = {
    "opened_at": "opened_at",
    "resolve_due_at": "resolve_due_at",
    "priority": "priority",
    "number": "number",
}
SEARCH_COLUMNS = ("number", "description", "title")
_FIELDS = [f.attname for f in Ticket._meta.concrete_fields]
# The open statuses are constants of the code (choices.OPEN_STATUSES), quoted as SQL literals.
OPEN_CONDITION = "t.status IN ({})".format(", ".join(f"'{s}'" for s in OPEN_STATUSES))


@dataclass
class TicketQuery:
    """What a list asks for: equality filters by column, flags, search terms, ordering."""

    equal: dict = field(default_factory=dict)  # attname -> value
    open: bool = False
    overdue: bool = False
    search: list = field(default_factory=list)
    ordering: list = field(default_factory=list)  # e.g. ["resolve_due_at", "-opened_at"]


def _q(name):
    return connection.ops.quote_name(name)


def _like(term):
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(user, perm, query: TicketQuery, now):
    conditions, params = [], []
    scope = scope_sql(Ticket, user, perm, alias="t")
    if scope is not None:
        conditions.append(scope[0])
        params += scope[1]
    for attname, value in sorted(query.equal.items()):
        column = Ticket._meta.get_field(attname).column  # only the model's own columns
        conditions.append(f"t.{_q(column)} = %s")
        params.append(value)
    if query.open or query.overdue:
        # Written out, not a parameter: the planner then matches the partial index of open
        # tickets (ticket_open_due) even in a prepared statement's generic plan.
        conditions.append(OPEN_CONDITION)
    if query.overdue:
        conditions.append("t.resolve_due_at < %s")
        params.append(connection.ops.adapt_datetimefield_value(now))  # as the ORM writes it
    for term in query.search:
        conditions.append(
            "("
            + " OR ".join(f"UPPER(t.{_q(c)}) LIKE UPPER(%s) ESCAPE '\\'" for c in SEARCH_COLUMNS)
            + ")"
        )
        params += [_like(term)] * len(SEARCH_COLUMNS)
    return " AND ".join(conditions) or "1 = 1", params


def _order_by(ordering):
    terms = [name for name in ordering if name.removeprefix("-") in ORDER_COLUMNS] or ["-opened_at"]
    return ", ".join(
        [
            f"t.{_q(ORDER_COLUMNS[name.removeprefix('-')])} {'DESC' if name.startswith('-') else 'ASC'}"
            for name in terms
        ]
        + ["t.id DESC"]  # a stable order, so that pages never overlap
    )


@lru_cache(maxsize=256)
def _page_sql(where, order_by):
    """The page statement for a WHERE and ORDER BY (kept: a handful of shapes are ever asked)."""
    columns = ", ".join(f"t.{_q(f.column)}" for f in Ticket._meta.concrete_fields)
    tables = {m: _q(m._meta.db_table) for m in (Ticket, House, Building, Person, User)}
    # Only quoted table and column names from the models are interpolated; values are parameters.
    # The page first (20 rows off an index), then its labels; the total from an index alone.
    return (
        f"SELECT {columns}, b.name, h.number, p.name, "  # noqa: S608
        "fr.first_name, fr.last_name, fr.username, a.first_name, a.last_name, a.username, "
        f"(SELECT COUNT(*) FROM {tables[Ticket]} t WHERE {where}) "
        f"FROM (SELECT * FROM {tables[Ticket]} t WHERE {where} ORDER BY {order_by} "
        "LIMIT %s OFFSET %s) t "
        f"LEFT JOIN {tables[House]} h ON h.id = t.house_id "
        f"LEFT JOIN {tables[Building]} b ON b.id = h.building_id "
        f"LEFT JOIN {tables[Person]} p ON p.id = t.reporter_id "
        f"LEFT JOIN {tables[User]} fr ON fr.id = t.first_responder_id "
        f"LEFT JOIN {tables[User]} a ON a.id = t.assignee_id "
        f"ORDER BY {order_by}"
    )


def ticket_page(user, perm, query: TicketQuery, *, offset, limit, now=None):
    """(total, tickets) for one page; each ticket carries ``_labels`` (see ``rows.labels_of``)."""
    now = now or timezone.now()
    where, params = _where(user, perm, query, now)
    sql = _page_sql(where, _order_by(query.ordering))
    with prepared_cursor() as cursor:
        cursor.execute(sql, [*params, *params, limit, offset])
        rows = cursor.fetchall()
        if not rows and offset:
            table = _q(Ticket._meta.db_table)
            cursor.execute(f"SELECT COUNT(*) FROM {table} t WHERE {where}", params)  # noqa: S608
            return cursor.fetchone()[0], []
    n = len(_FIELDS)
    tickets = []
    for row in rows:
        ticket = instance(Ticket, row[:n])
        building, number, reporter, *names = row[n : n + 9]
        ticket._labels = (
            f"{building}-{number}" if ticket.house_id else "",
            reporter or "",
            _name(*names[0:3]),
            _name(*names[3:6]),
        )
        tickets.append(ticket)
    return (rows[0][-1] if rows else 0), tickets


def _name(first, last, username):
    if username is None:
        return ""
    return f"{first} {last}".strip() or username
