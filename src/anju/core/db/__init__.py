"""Database helpers shared by hand-written hot queries."""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Model, signals
from django.db.models.base import ModelState
from django.db.models.fields import AutoFieldMixin


def prepared_cursor(native=False):
    """A cursor whose statements the database plans once per connection, where the backend
    can (``anju.core.db.postgresql``); an ordinary cursor elsewhere. ``native``: the statement
    is written with PostgreSQL's $1 placeholders (only where the backend is ours)."""
    make = getattr(connection, "prepared_cursor", None)
    if make is None:
        return connection.cursor()
    return make(native=True) if native else make()


def among(column, values):
    """``column`` is one of ``values``: (sql, params). On PostgreSQL one array parameter, so
    that the statement's text (and its prepared plan) does not change with the list's length."""
    values = list(values)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


_CONVERTERS = {}


def converters(model, db=None):
    """[(index, converter, column)] turning a plain cursor's row of ``model``'s concrete
    columns into the values the ORM would give (SQLite returns datetimes and decimals as text;
    encrypted fields decrypt here)."""
    db = db or connections[DEFAULT_DB_ALIAS]
    key = (db.vendor, model)
    found = _CONVERTERS.get(key)
    if found is None:
        found = []
        for index, field in enumerate(model._meta.concrete_fields):
            col = field.get_col(model._meta.db_table)
            for convert in db.ops.get_db_converters(col) + field.get_db_converters(db):
                found.append((index, convert, col))
        _CONVERTERS[key] = found
    return found


def instance(model, values):
    """A ``model`` instance from a plain cursor's row of its concrete columns: what
    ``Model.from_db`` makes, without running ``__init__`` field by field (a list page makes
    dozens) when no init signal listens."""
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: ``connection`` is a per-use proxy
    convert = converters(model, db)
    if convert:
        values = list(values)
        for index, converter, col in convert:
            values[index] = converter(values[index], col, db)
    names = _attnames(model)
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return model.from_db(db.alias, names, values)
    obj = model.__new__(model)
    obj.__dict__.update(zip(names, values, strict=True))
    state = obj._state = ModelState()
    state.adding, state.db = False, db.alias
    return obj


def _attnames(model):
    names = _ATTNAMES.get(model)
    if names is None:
        names = _ATTNAMES[model] = [f.attname for f in model._meta.concrete_fields]
    return names


_ATTNAMES = {}


def load(model, pk, related=()):
    """``model`` by primary key in one prepared statement, or None: what a form or serializer
    resolving a reference needs, without compiling a queryset for it. ``related``: names of
    its foreign keys whose objects come in the same statement (as ``select_related``)."""
    related = tuple(related)
    with prepared_cursor() as cursor:
        cursor.execute(_load_sql(model, connection.vendor, related), [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    obj = instance(model, row[: len(model._meta.concrete_fields)])
    for name, target, start, end, key in _related_columns(model, related):
        values = row[start:end]
        obj._state.fields_cache[name] = None if values[key] is None else instance(target, values)
    return obj


@cache
def _related_columns(model, related):
    """[(name, model, first column, end column, primary key's place)] of ``related`` in a
    ``_load_sql`` row, the model's own columns first."""
    out, start = [], len(model._meta.concrete_fields)
    for name in related:
        target = model._meta.get_field(name).related_model
        fields = target._meta.concrete_fields
        out.append((name, target, start, start + len(fields), fields.index(target._meta.pk)))
        start += len(fields)
    return out


@cache
def _load_sql(model, vendor, related=()):
    q = connection.ops.quote_name
    columns = [f"m.{q(f.column)}" for f in model._meta.concrete_fields]
    joins = []
    for i, name in enumerate(related):
        field = model._meta.get_field(name)
        target = field.related_model
        columns += [f"r{i}.{q(f.column)}" for f in target._meta.concrete_fields]
        joins.append(
            f"LEFT JOIN {q(target._meta.db_table)} r{i} "
            f"ON r{i}.{q(field.target_field.column)} = m.{q(field.column)}"
        )
    # Only quoted table and column names from the models are interpolated.
    return (
        f"SELECT {', '.join(columns)} FROM {q(model._meta.db_table)} m "  # noqa: S608
        f"{' '.join(joins)} WHERE m.{q(model._meta.pk.column)} = %s"
    )


def insert(obj):
    """Save a new ``obj`` as ``obj.save()`` would, in one prepared statement: the ORM compiles
    its INSERT anew on each save (and psycopg re-splits any statement of more than 50
    parameters), which cost more than the rest of opening a ticket. Fields' ``pre_save`` (auto
    times) and database preparation are the ORM's own. Falls back to ``obj.save()`` for what
    this does not do: an object with its primary key set, save signals, a ``save()`` override
    (unless the model says ``plain_insert = True``: it only adds rules for updates), model
    inheritance, values other than the primary key returned by the database, expressions.
    Inside ``together()`` the row is written when the block ends."""
    model = type(obj)
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: ``connection`` is a per-use proxy
    fields = _insert_fields(model, db.vendor)
    queue = _QUEUE.get()
    if (
        fields is None
        or obj.pk is not None
        or signals.pre_save.has_listeners(model)
        or signals.post_save.has_listeners(model)
    ):
        return _save(obj, queue)
    obj._prepare_related_fields_for_save(operation_name="save")
    values = []
    for field in fields:
        value = field.pre_save(obj, True)
        if hasattr(value, "resolve_expression"):
            return _save(obj, queue)
        values.append(field.get_db_prep_save(value, connection=db))
    if queue is not None:
        queue.append((obj, values))
        return obj
    native = hasattr(db, "prepared_cursor")
    with transaction.mark_for_rollback_on_error(), prepared_cursor(native) as cursor:
        cursor.execute(_insert_sql(model, db.vendor, native), values)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding, obj._state.db = False, db.alias
    return obj


def _save(obj, queue):
    if queue:
        _write(queue)  # rows queued before this one are written first, in order
    obj.save()
    return obj


_QUEUE = ContextVar("anju_db_insert_queue", default=None)


@contextmanager
def together():
    """``insert`` calls inside the block are written when it ends, on PostgreSQL in one
    statement (one round trip instead of one each), in the order they were made. Until then
    their objects have no primary key: code in the block must not read or refer to them (a
    foreign key to one raises, as Django refuses unsaved related objects). Nothing is written
    if the block raises. A nested block adds to the outer one."""
    if _QUEUE.get() is not None:
        yield
        return
    queue = []
    token = _QUEUE.set(queue)
    try:
        yield
    finally:
        _QUEUE.reset(token)
    _write(queue)


def _write(queue):
    items = list(queue)
    queue.clear()
    if not items:
        return
    db = connections[DEFAULT_DB_ALIAS]
    native = hasattr(db, "prepared_cursor")
    if len(items) == 1 or db.vendor != "postgresql":
        for obj, values in items:  # SQLite has no INSERT inside WITH
            model = type(obj)
            with transaction.mark_for_rollback_on_error(), prepared_cursor(native) as cursor:
                cursor.execute(_insert_sql(model, db.vendor, native), values)
                obj.pk = cursor.fetchone()[0]
            obj._state.adding, obj._state.db = False, db.alias
        return
    sql = _insert_many_sql(tuple(type(obj) for obj, _values in items), native)
    params = [value for _obj, values in items for value in values]
    with transaction.mark_for_rollback_on_error(), prepared_cursor(native) as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchone()
    for (obj, _values), pk in zip(items, keys, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, db.alias


@cache
def _insert_many_sql(models, native):
    """One statement inserting a row into each of ``models`` (in order) and returning their
    keys: each INSERT a data-modifying WITH query, numbered parameters running on."""
    q = connection.ops.quote_name
    parts, keys, n = [], [], 0
    for i, model in enumerate(models):
        fields = _insert_fields(model, "postgresql")
        columns = ", ".join(q(f.column) for f in fields)
        marks = ", ".join(f"${n + j}" if native else "%s" for j in range(1, len(fields) + 1))
        n += len(fields)
        pk = q(model._meta.pk.column)
        # Only quoted table and column names from the models are interpolated.
        parts.append(
            f"i{i} AS (INSERT INTO {q(model._meta.db_table)} ({columns}) "  # noqa: S608
            f"VALUES ({marks}) RETURNING {pk})"
        )
        keys.append(f"(SELECT {pk} FROM i{i})")  # noqa: S608
    return f"WITH {', '.join(parts)} SELECT {', '.join(keys)}"


@cache
def _insert_fields(model, vendor):
    """The fields ``insert`` writes, or None where it must leave the work to ``save()``."""
    meta = model._meta
    custom_save = model.save is not Model.save and not getattr(model, "plain_insert", False)
    if (
        custom_save
        or meta.parents
        or not isinstance(meta.pk, AutoFieldMixin)
        or list(meta.db_returning_fields) != [meta.pk]
        or not connection.features.can_return_columns_from_insert
    ):
        return None
    return [f for f in meta.local_concrete_fields if f is not meta.pk and not f.generated]


@cache
def _insert_sql(model, vendor, native=False):
    q = connection.ops.quote_name
    fields = _insert_fields(model, vendor)
    columns = ", ".join(q(f.column) for f in fields)
    marks = ", ".join(f"${i}" if native else "%s" for i in range(1, len(fields) + 1))
    # Only quoted table and column names from the model are interpolated.
    return (
        f"INSERT INTO {q(model._meta.db_table)} ({columns}) VALUES ({marks}) "  # noqa: S608
        f"RETURNING {q(model._meta.pk.column)}"
    )
