"""The ticket list ("my tickets", the staff queue, any filtered list) in one statement.

The page, its total and the labels it shows (house and building, reporter, first responder,
assignee) come from one SQL statement written here from the same pieces the generic path used:
the caller's scope (``scoping.scope_sql``, the condition ``visible_to`` builds as a Q), the
filters ``filters.parse`` reads, DRF's search terms and ordering fields. Building and compiling
that query through the ORM (three querysets: count, page, labels) cost more than everything
else in a request; ``servicedesk/tests/test_listing.py`` checks both give the same pages."""

import json
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import DateTimeField
from django.urls import reverse
from django.utils import timezone, translation

from anju.core.db import instance, prepared_cursor
from anju.core.models import Attachment, Building, House, Person, User
from anju.core.scoping import scope_sql

from .choices import OPEN_STATUSES, RUNNING_STATUSES, Category, Kind, Status
from .models import Ticket, allowed_actions_for
from .rows import FIELDS, labels

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
# models.overdue_condition in SQL (with the time as its one parameter): the open condition
# (for the partial index) less the paused statuses, and past the resolve-by time.
OVERDUE_CONDITION = "{} AND t.status NOT IN ({}) AND t.resolve_due_at < %s".format(
    OPEN_CONDITION, ", ".join(f"'{s}'" for s in OPEN_STATUSES if s not in RUNNING_STATUSES)
)


@dataclass
class TicketQuery:
    """What a list asks for: equality filters by column, flags, search terms, ordering."""

    equal: dict = field(default_factory=dict)  # attname (or attname__gte / __lt) -> value
    open: bool = False
    overdue: bool = False
    search: list = field(default_factory=list)
    ordering: list = field(default_factory=list)  # e.g. ["resolve_due_at", "-opened_at"]


# A filter's lookup suffix (filters.parse) -> its SQL operator.
RANGE_OPERATORS = {"": "=", "gte": ">=", "lt": "<"}


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
    for lookup, value in sorted(query.equal.items()):
        attname, _sep, op = lookup.partition("__")
        column = Ticket._meta.get_field(attname).column  # only the model's own columns
        conditions.append(f"t.{_q(column)} {RANGE_OPERATORS[op]} %s")
        if isinstance(value, datetime):
            value = connection.ops.adapt_datetimefield_value(value)  # as the ORM writes it
        params.append(value)
    # The statuses are written out, not parameters: the planner then matches the partial index
    # of open tickets (ticket_open_due) even in a prepared statement's generic plan.
    if query.overdue:
        conditions.append(OVERDUE_CONDITION)
        params.append(connection.ops.adapt_datetimefield_value(now))  # as the ORM writes it
    elif query.open:
        conditions.append(OPEN_CONDITION)
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


def _ticket_type_id():
    return ContentType.objects.get_for_model(Ticket).pk


def _file_urls():
    """("/files/", "/", "/thumbnail/"): the serving view's URLs around an attachment id."""
    head, tail = reverse("attachment", args=[0]).rsplit("0", 1)
    return head, tail, reverse("attachment-thumbnail", args=[0]).rsplit("0", 1)[1]


def _attachments_sql(content_type_id, *, as_json):
    """A subquery of the page's row ``t``: its attachments, oldest first, as JSON text. For
    the Python path (``as_json`` False) [id, name, type, size, thumbnail] arrays, which
    ``_described`` turns into ``attachments.describe``; for PostgreSQL's JSON path the
    objects themselves. One index probe (attachment_object) per ticket of the page."""
    table = _q(Attachment._meta.db_table)
    match = f"x.content_type_id = {int(content_type_id)} AND x.object_id = CAST(t.id AS TEXT)"
    if as_json:  # PostgreSQL only
        head, tail, thumb = (_literal(part) for part in _file_urls())
        item = (
            f"json_build_object('id', x.id, 'url', {head} || x.id || {tail}, 'name', x.name, "
            "'content_type', x.media_type, 'size', x.size, 'thumbnail_url', "
            f"CASE WHEN x.thumbnail = '' THEN NULL ELSE {head} || x.id || {thumb} END)"
        )
        return (
            f"(SELECT COALESCE(json_agg({item} ORDER BY x.id), '[]'::json) "  # noqa: S608
            f"FROM {table} x WHERE {match})"
        )
    columns = "x.id, x.name, x.media_type, x.size, x.thumbnail"
    if connection.vendor == "postgresql":
        return (
            f"(SELECT COALESCE(json_agg(json_build_array({columns}) ORDER BY x.id), "  # noqa: S608
            f"'[]'::json)::text FROM {table} x WHERE {match})"
        )
    return (
        f"(SELECT json_group_array(json_array({columns})) FROM "  # noqa: S608
        f"(SELECT {columns} FROM {table} x WHERE {match} ORDER BY x.id) x)"
    )


def _described(text):
    head, tail, thumb = _file_urls()
    return [
        {
            "id": pk,
            "url": f"{head}{pk}{tail}",
            "name": name,
            "content_type": media_type,
            "size": size,
            "thumbnail_url": f"{head}{pk}{thumb}" if thumbnail else None,
        }
        for pk, name, media_type, size, thumbnail in json.loads(text or "[]")
    ]


@lru_cache(maxsize=256)
def _page_sql(where, order_by, content_type_id):
    """The page statement for a WHERE and ORDER BY (kept: a handful of shapes are ever asked)."""
    columns = ", ".join(f"t.{_q(f.column)}" for f in Ticket._meta.concrete_fields)
    tables = {m: _q(m._meta.db_table) for m in (Ticket, House, Building, Person, User)}
    # Only quoted table and column names from the models are interpolated; values are parameters.
    # The page first (20 rows off an index), then its labels; the total from an index alone.
    return (
        f"SELECT {columns}, b.name, h.number, p.name, "  # noqa: S608
        "fr.first_name, fr.last_name, fr.username, a.first_name, a.last_name, a.username, "
        f"{_attachments_sql(content_type_id, as_json=False)}, "
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
    sql = _page_sql(where, _order_by(query.ordering), _ticket_type_id())
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
        ticket._attachments = _described(row[n + 9])
        tickets.append(ticket)
    return (rows[0][-1] if rows else 0), tickets


def _name(first, last, username):
    if username is None:
        return ""
    return f"{first} {last}".strip() or username


# --- The page as JSON written by PostgreSQL ------------------------------------------------
#
# Turning twenty rows into API dicts in Python (model instances, then ``rows.TicketRows``)
# cost more than the rest of a list request; PostgreSQL writes the same JSON in a fraction of
# that. The representation stays ``rows.TicketRows.row``: this is its transcription into SQL,
# key for key, and ``servicedesk/tests/test_listing_json.py`` compares the two on every shape
# of ticket, in both languages, for viewers who may and may not see contact numbers.


@lru_cache(maxsize=1)
def _whitespace():
    """What Python's str.strip() removes (get_full_name() strips, and so does ``_name``); read
    once, when the first page statement is written, not at import."""
    return "".join(c for c in map(chr, range(0x110000)) if c.isspace())


def _literal(value):
    """A text literal for SQL (only the code's own constants and labels are written so)."""
    return "'" + str(value).replace("'", "''") + "'"


def _iso(column, tz_name):
    """SQL for ``rows.iso(column)``: ISO 8601 in the time zone ``tz_name``, microseconds when
    not zero, the offset as +HH:MM, or "Z" for an offset of zero (NULL stays NULL)."""
    tz = _literal(tz_name)
    local = f"({column} AT TIME ZONE {tz})"
    offset = f"({local} - ({column} AT TIME ZONE 'UTC'))"
    # The zone's offsets of this year, spelt out: a simple CASE computes the offset once.
    known = " ".join(
        f"WHEN INTERVAL '{seconds} seconds' THEN {_literal(text)}"
        for seconds, text in _offsets(tz_name)
    )
    return (
        f"replace(to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '') "
        f"|| CASE {offset} {known} "
        f"WHEN INTERVAL '0' THEN 'Z' "
        f"ELSE CASE WHEN {offset} < INTERVAL '0' THEN '-' || to_char(-{offset}, 'HH24:MI') "
        f"ELSE '+' || to_char({offset}, 'HH24:MI') END END"
    )


def _offsets(tz_name):
    """[(seconds, "+08:00")] of the zone's UTC offsets in the current year, zero excluded."""
    zone = zoneinfo.ZoneInfo(tz_name)
    year = timezone.now().year
    found = {}
    for month in range(1, 13):
        offset = datetime(year, month, 1, tzinfo=zone).utcoffset()
        seconds = int(offset.total_seconds())
        if seconds and seconds % 60 == 0:
            sign, minutes = ("-" if seconds < 0 else "+"), abs(seconds) // 60
            found[seconds] = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return sorted(found.items())


def _user_name(alias):
    full = f"btrim({alias}.first_name || ' ' || {alias}.last_name, {_literal(_whitespace())})"
    return f"CASE WHEN {alias}.id IS NULL THEN '' ELSE COALESCE(NULLIF({full}, ''), {alias}.username) END"


def _mask(column):
    """SQL for ``crypto.mask_middle(column)`` (head 3, tail 4)."""
    return (
        f"CASE WHEN length({column}) <= 7 "
        f"THEN left({column}, 1) || repeat('*', length({column}) - 1) "
        f"ELSE left({column}, 3) || repeat('*', length({column}) - 7) || right({column}, 4) END"
    )


@lru_cache(maxsize=256)
def _json_sql(where, order_by, contact, language, tz_name, content_type_id):
    """The page statement writing each row as ``rows.TicketRows.row`` would: labels, allowed
    actions and the time zone are the code's constants for ``language`` and ``tz_name``."""
    tables = {m: _q(m._meta.db_table) for m in (Ticket, House, Building, Person, User)}
    content_types = _q("django_content_type")

    def label(choices, column):
        mapping = json.dumps(labels(choices), ensure_ascii=False)
        return f"COALESCE({_literal(mapping)}::jsonb ->> {column}, {column})"

    actions = json.dumps(
        {
            f"{status}|{kind}|{int(rated)}": json.dumps(
                list(allowed_actions_for(status, kind, rated)), separators=(",", ":")
            )
            for status in Status.values
            for kind in Kind.values
            for rated in (False, True)
        }
    )
    open_list = ", ".join(_literal(s) for s in OPEN_STATUSES)
    due_step = (
        f"CASE WHEN t.status NOT IN ({open_list}) THEN NULL "
        "WHEN t.accepted_at IS NULL AND t.kind = 'repair' THEN 'accept' "
        "WHEN t.arrived_at IS NULL AND t.kind = 'repair' THEN 'arrive' ELSE 'resolve' END"
    )
    due_at = (
        f"CASE WHEN t.status NOT IN ({open_list}) THEN NULL "
        "WHEN t.accepted_at IS NULL AND t.kind = 'repair' THEN t.accept_due_at "
        "WHEN t.arrived_at IS NULL AND t.kind = 'repair' THEN t.arrive_due_at "
        "ELSE t.resolve_due_at END"
    )
    left = "date_part('epoch', d.at - __NOW__)"
    total = "GREATEST(date_part('epoch', d.at - t.opened_at), 1)"
    computed = {
        "house_label": "CASE WHEN t.house_id IS NULL THEN '' ELSE b.name || '-' || h.number END",
        "kind_display": label(Kind, "t.kind"),
        "category_display": label(Category, "t.category"),
        "status_display": label(Status, "t.status"),
        "reporter_name": "COALESCE(p.name, '')",
        "contact_phone": (
            "CASE WHEN t.contact_phone = '' OR t.reporter_id = __PERSON__ OR (__CONTACT__) "
            f"THEN t.contact_phone ELSE {_mask('t.contact_phone')} END"
        ),
        "first_responder_name": _user_name("fr"),
        "assignee_name": _user_name("a"),
        "charge_amount": "t.charge_amount::text",
        "sla_state": (
            "CASE WHEN d.step IS NULL THEN 'ok' WHEN t.status = 'waiting' THEN 'warn' "
            f"WHEN {left} < 0 THEN 'bad' WHEN {left} < LEAST(3600, {total} / 4) THEN 'warn' "
            "ELSE 'ok' END"
        ),
        "next_due": (
            "CASE WHEN d.step IS NULL THEN NULL ELSE (SELECT row_to_json(n) FROM "  # noqa: S608
            f"(SELECT d.step AS step, {_iso('d.at', tz_name)} AS at) n) END"
        ),
        "allowed_actions": (
            f"({_literal(actions)}::jsonb ->> (t.status || '|' || t.kind || '|' "
            "|| CASE WHEN t.rating IS NULL THEN '0' ELSE '1' END))::json"
        ),
        "source": (
            "CASE WHEN t.source_type_id IS NULL THEN NULL ELSE (SELECT row_to_json(s) FROM "
            "(SELECT ct.app_label || '.' || ct.model AS type, t.source_id AS id) s) END"
        ),
        "attachments": _attachments_sql(content_type_id, as_json=True),
    }

    def column(key):
        """The rest are the ticket's own columns, datetimes written as ``rows.iso`` does."""
        if key in computed:
            return computed[key]
        field = Ticket._meta.get_field(key)
        if isinstance(field, DateTimeField):
            return _iso(f"t.{_q(field.column)}", tz_name)
        return f"t.{_q(field.column)}"

    columns = [(key, column(key)) for key in FIELDS]
    fields = ", ".join(f"{expr} AS {_q(key)}" for key, expr in columns)
    # Only quoted names, the code's constants and labels are interpolated; values are parameters.
    # PostgreSQL's own placeholders: the WHERE's values once ($1..$k) for both its uses, then
    # the limit, the offset, the time, the viewer's person and the contact condition's values.
    k = where.count("%s")
    where, contact = _numbered(where, 1), _numbered(contact, k + 5)
    sql = (
        "SELECT row_to_json(r)::text, "  # noqa: S608
        f"(SELECT COUNT(*) FROM {tables[Ticket]} t WHERE {where}) "
        f"FROM (SELECT * FROM {tables[Ticket]} t WHERE {where} ORDER BY {order_by} "
        f"LIMIT ${k + 1} OFFSET ${k + 2}) t "
        f"LEFT JOIN {tables[House]} h ON h.id = t.house_id "
        f"LEFT JOIN {tables[Building]} b ON b.id = h.building_id "
        f"LEFT JOIN {tables[Person]} p ON p.id = t.reporter_id "
        f"LEFT JOIN {tables[User]} fr ON fr.id = t.first_responder_id "
        f"LEFT JOIN {tables[User]} a ON a.id = t.assignee_id "
        f"LEFT JOIN {content_types} ct ON ct.id = t.source_type_id "
        f"CROSS JOIN LATERAL (SELECT {due_step} AS step, {due_at} AS at) d "
        f"CROSS JOIN LATERAL (SELECT {fields}) r "
        f"ORDER BY {order_by}"
    )
    return (
        sql.replace("__NOW__", f"${k + 3}")
        .replace("__PERSON__", f"${k + 4}")
        .replace("__CONTACT__", contact)
    )


def _numbered(sql, start):
    """``sql`` with its %s placeholders written $start, $start + 1, ..."""
    parts = sql.split("%s")
    numbered = parts[0]
    for index, part in enumerate(parts[1:]):
        numbered += f"${start + index}{part}"
    return numbered


def ticket_page_json(user, perm, query: TicketQuery, *, offset, limit, now=None):
    """(total, rows) for one page on PostgreSQL, ``rows`` a list of JSON texts, each ticket as
    ``rows.TicketRows.row`` writes it in the active language and time zone."""
    now = now or timezone.now()
    where, params = _where(user, perm, query, now)
    contact = scope_sql(Ticket, user, "core.person.view_contact", alias="t")
    contact_sql, contact_params = contact if contact is not None else ("TRUE", [])
    sql = _json_sql(
        where,
        _order_by(query.ordering),
        contact_sql,
        translation.get_language(),
        timezone.get_current_timezone_name(),
        _ticket_type_id(),
    )
    with prepared_cursor(native=True) as cursor:
        cursor.execute(
            sql,
            [*params, limit, offset, now, getattr(user, "person_id", None), *contact_params],
        )
        rows = cursor.fetchall()
        if not rows and offset:
            table = _q(Ticket._meta.db_table)
            cursor.execute(
                f"SELECT COUNT(*) FROM {table} t WHERE {_numbered(where, 1)}",  # noqa: S608
                params,
            )
            return cursor.fetchone()[0], []
    return (rows[0][1] if rows else 0), [row[0] for row in rows]
