"""Lean bulk writes for the worker's hot path: many rows in one statement, without the ORM's per-value work.

Why (the overdue burst, 1,700 clocks a second, each a flip, two outbox events, two audit entries, a ladder mark,
an alert and three inbox rows): ``bulk_create`` prepares every value through the query compiler — about 3.6 µs
a value, ~77 values a clock, more than the whole flip's database time — and ``bulk_update`` builds a CASE
expression tree per row. Here each column's adapter is chosen once per batch and a value that repeats in a
batch (the pass's ``now``) is adapted once. Values go through the same database adapters Django uses, so what
is stored is what ``bulk_create`` would store. Only plain columns are handled (no expressions, no defaults
computed at save); anything else should use the ORM.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.db import DatabaseError, connection, models

M = TypeVar("M", bound=models.Model)
ROWS_PER_STATEMENT = 500  # well under SQLite's 32,766 bound parameters for the widest table written here
FEW_ROWS = 8  # up to this many rows, an INSERT on PostgreSQL takes its values as plain parameters (insert_rows)

_PLAIN = (
    models.IntegerField,
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.ForeignKey,
)


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """How one column's Python value becomes a database parameter (chosen once per batch)."""
    if isinstance(field, models.DateTimeField):
        seen: dict[datetime, Any] = {}

        def adapt_datetime(value: Any) -> Any:
            if value is None:
                return None
            if value not in seen:
                seen[value] = field.get_db_prep_save(value, connection)
            return seen[value]

        return adapt_datetime
    if isinstance(field, _PLAIN) and not isinstance(field, models.UUIDField):
        return lambda value: value
    return lambda value: field.get_db_prep_save(value, connection)


def _columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _column(field: models.Field[Any, Any]) -> str:
    """A concrete field's quoted column name."""
    assert field.column is not None
    return connection.ops.quote_name(field.column)


def insert_many(objs: Sequence[M], *, returning_ids: bool = False) -> list[M]:
    """INSERT ``objs`` (all of one model, values already set) in statements of ``ROWS_PER_STATEMENT`` rows.

    With ``returning_ids`` each object gets its primary key back (``RETURNING``, SQLite ≥ 3.35 and PostgreSQL,
    in insert order as Django's own ``bulk_create`` relies on). Unique violations raise ``IntegrityError``.
    Where nothing needs the objects afterwards, ``insert_rows`` skips building them."""
    if not objs:
        return list(objs)
    model = type(objs[0])
    names = [f.attname for f in _columns(model)]
    ids = insert_rows(
        model, names, [tuple(getattr(obj, name) for name in names) for obj in objs], returning_ids=returning_ids
    )
    pk = model._meta.pk
    assert pk is not None
    for index, obj in enumerate(objs):
        if returning_ids:
            setattr(obj, pk.attname, ids[index])
        obj._state.adding = False
        obj._state.db = connection.alias
    return list(objs)


def insert_rows(
    model: type[models.Model], names: Sequence[str], rows: Sequence[tuple[Any, ...]], *, returning_ids: bool = False
) -> list[Any]:
    """INSERT rows given as tuples of column values (``names``: the model's field attnames, ``event_id`` for a
    foreign key), without building a model instance per row: in the overdue burst each clock built
    nine instances only to insert them (``Model.__init__`` and the foreign keys' descriptors were a quarter of a
    profiled sweep). Columns not named take their field's default, which must be a constant. Returns the new
    primary keys in insert order with ``returning_ids``, else an empty list.

    On PostgreSQL the rows travel as one array per column (``INSERT … SELECT … FROM unnest(…)``): with a
    placeholder per value psycopg re-parsed a statement of thousands of placeholders on every call, 2 ms a
    statement, more than the database took to insert the rows. On SQLite without ``returning_ids`` the rows go
    through ``executemany`` of a one-row INSERT, prepared once."""
    if not rows:
        return []
    given = {name: index for index, name in enumerate(names)}
    fields = _columns(model)
    unknown = set(given) - {f.attname for f in fields}
    assert not unknown, f"not columns of {model.__name__}: {sorted(unknown)}"
    fixed = {f.attname: _constant_default(f) for f in fields if f.attname not in given}
    # A few rows (a report, its clocks, its notices) go as plain VALUES: from arrays each cost PostgreSQL twice a
    # plain one-row INSERT, the arrays' planning and a cursor of its own outweighing what they save.
    by_arrays = connection.vendor == "postgresql" and len(rows) > FEW_ROWS
    adapters = [_array_adapter(f) if by_arrays else _adapter(f) for f in fields]

    def column_values(field: models.Field[Any, Any], chunk: Sequence[tuple[Any, ...]]) -> list[Any]:
        index = given.get(field.attname)
        return [fixed[field.attname]] * len(chunk) if index is None else [row[index] for row in chunk]

    ids: list[Any] = []
    table, columns, tail, from_arrays = _insert_statement(model, connection.vendor, returning_ids)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            arrays = [
                [adapt(value) for value in column_values(field, chunk)]
                for field, adapt in zip(fields, adapters, strict=True)
            ]
            if by_arrays:
                ids += [row[0] for row in _execute_binary(from_arrays, arrays)[0]]
                continue
            if not returning_ids:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {one}", list(zip(*arrays, strict=True)))
                continue
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([one] * len(chunk)) + tail,
                [value for row in zip(*arrays, strict=True) for value in row],
            )
            ids += [row[0] for row in cursor.fetchall()]
    return ids


@functools.cache
def _insert_statement(model: type[models.Model], vendor: str, returning_ids: bool) -> tuple[str, str, str, str]:
    """The parts of a model's INSERT that do not change from call to call (the table, its columns, the
    ``RETURNING`` tail and PostgreSQL's statement from arrays), written once per model: on the report write
    path, rendering them again cost more than the insert."""
    fields = _columns(model)
    pk = model._meta.pk
    assert pk is not None
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(_column(f) for f in fields)
    tail = f" RETURNING {_column(pk)}" if returning_ids else ""
    if vendor != "postgresql":
        return table, columns, tail, ""
    aliases = [f"c{i}" for i in range(len(fields))]
    from_arrays = (
        f"INSERT INTO {table} ({columns}) SELECT {', '.join(_picks(fields, aliases))} FROM unnest("
        + ", ".join(f"%b::{_array_type(f)}[]" for f in fields)
        + f") AS t({', '.join(aliases)}){tail}"
    )
    return table, columns, tail, from_arrays


def _constant_default(field: models.Field[Any, Any]) -> Any:
    """The value of a column ``insert_rows`` was not given: its default (an empty string for text, None where
    nullable), computed once for every row; a computed default (a new UUID, a new dict) must be given per row."""
    assert not (field.has_default() and callable(field.default)), f"{field.name}: give its computed default per row"
    return field.get_default()


def _execute_binary(sql: str, params: list[Any]) -> tuple[list[tuple[Any, ...]], int]:
    """Run ``sql`` with its arrays bound on the server, in binary: Django's psycopg cursors bind on the client,
    which renders every array element into the statement's text through a regular expression (1.1 s of 7 in a
    profile of 5,000 fired clocks). Same connection, same transaction; errors translated to Django's, so a
    unique violation is still ``django.db.IntegrityError``; the statement is still counted in debug query logs.
    Returns the rows it produced (``RETURNING``) and the count of rows it changed."""
    import psycopg

    start = time.monotonic()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as server:
        server.execute(sql, params, binary=True)
        rows = server.fetchall() if server.description else []
        changed = server.rowcount
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - start:.3f}"})
    return rows, changed


def _concrete(model: type[models.Model], names: Sequence[str]) -> list[models.Field[Any, Any]]:
    """The model's concrete fields of these names (only plain columns can be written from arrays)."""
    fields = [f for f in (model._meta.get_field(name) for name in names) if isinstance(f, models.Field)]
    assert len(fields) == len(names), "only concrete columns"
    return fields


def _picks(fields: Sequence[models.Field[Any, Any]], names: Sequence[str]) -> list[str]:
    """The unnested array columns as the table's values (JSON arrives as text and is cast per row)."""
    return [
        f"{name}::jsonb" if isinstance(f, models.JSONField) else name for f, name in zip(fields, names, strict=True)
    ]


def _array_type(field: models.Field[Any, Any]) -> str:
    """The element type of a column's array on PostgreSQL (JSON travels as text and is cast per row)."""
    return "text" if isinstance(field, models.JSONField) else str(field.db_type(connection))


def _array_adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """A value as an element of its column's array: psycopg adapts datetimes, numbers and text itself; JSON is
    encoded as ``JSONField`` encodes it."""
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: None if value is None else json.dumps(value, cls=encoder)
    if isinstance(field, (models.DateTimeField, *_PLAIN)):
        return lambda value: value
    return lambda value: field.get_db_prep_save(value, connection)


def save_fields(obj: models.Model, names: Sequence[str]) -> None:
    """``obj.save(update_fields=names)`` as one UPDATE whose text is written once per model and fields: on the
    report write path the ORM's compilation of each one-row UPDATE cost several times its execution. Like
    ``save``, each field's ``pre_save`` runs (``auto_now``) and a row that is gone raises ``DatabaseError``; no
    signals are sent (no model written through here has receivers)."""
    sql, fields = _update_statement(type(obj), tuple(names), connection.vendor)
    params = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, obj.pk])
        if cursor.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")


@functools.cache
def _update_statement(
    model: type[models.Model], names: tuple[str, ...], vendor: str
) -> tuple[str, list[models.Field[Any, Any]]]:
    fields = _concrete(model, names)
    pk = model._meta.pk
    assert pk is not None
    sets = ", ".join(f"{_column(f)} = %s" for f in fields)
    return f"UPDATE {connection.ops.quote_name(model._meta.db_table)} SET {sets} WHERE {_column(pk)} = %s", fields


def update_column(model: type[models.Model], field_name: str, values: dict[int, Any]) -> None:
    """Set one column of many rows to per-row values (see ``update_columns``)."""
    update_columns(model, [field_name], {key: (value,) for key, value in values.items()})


def update_columns(
    model: type[models.Model],
    field_names: Sequence[str],
    rows: dict[int, tuple[Any, ...]],
    *,
    expect: Mapping[str, Any] | None = None,
) -> int:
    """Set some columns of many rows to per-row values (``rows``: primary key → one value per column): on SQLite
    a one-row ``UPDATE … WHERE id = %s`` prepared once and run for each row (``executemany``; a ``CASE`` per
    column over the whole chunk compared every row with every ``WHEN``: 53 µs a row at 400 rows, against
    2 µs), on PostgreSQL from one array per column (``UPDATE … FROM unnest(…)``), in statements of
    ``ROWS_PER_STATEMENT`` rows. Django's ``bulk_update`` built an expression tree per row and column: sealing
    3,300 audit entries a second cost most of a core.

    ``expect``: column → the value each row must still hold (a compare-and-set such as ``{"state": "pending"}``);
    rows that do not are left alone. Returns how many rows changed. On PostgreSQL the expected values travel as
    arrays too, compared per row: written as a constant, the condition matched a partial index (pending clocks),
    and without fresh statistics (100,000 clocks inserted a minute before) the planner read every row of that
    index for each batch instead of the batch's own rows by primary key — 30 ms an UPDATE in the overdue burst."""
    if not rows:
        return 0
    fields = _concrete(model, field_names)
    checked = _concrete(model, list(expect or {}))
    expected = list((expect or {}).values())
    table = connection.ops.quote_name(model._meta.db_table)
    pk = model._meta.pk
    assert pk is not None
    items = list(rows.items())
    by_arrays = connection.vendor == "postgresql"
    adapters = [_array_adapter(f) if by_arrays else _adapter(f) for f in fields]
    names = [f"v{i}" for i in range(len(fields))]
    sets = ", ".join(f"{_column(f)} = v.{pick}" for f, pick in zip(fields, _picks(fields, names), strict=True))
    arrays = ", ".join(f"%b::{_array_type(f)}[]" for f in [*fields, *checked])
    aliases = ", ".join(["key", *names, *(f"e{i}" for i in range(len(checked)))])
    from_arrays = (
        f"UPDATE {table} SET {sets} FROM unnest(%b::{_array_type(pk)}[], {arrays}) AS v({aliases}) "
        f"WHERE {table}.{_column(pk)} = v.key"
        + "".join(f" AND {table}.{_column(f)} = v.e{i}" for i, f in enumerate(checked))
    )
    condition = "".join(f" AND {_column(f)} = %s" for f in checked)
    one_row = (
        f"UPDATE {table} SET {', '.join(f'{_column(f)} = %s' for f in fields)} WHERE {_column(pk)} = %s{condition}"
    )
    musts_one = [_adapter(f)(v) for f, v in zip(checked, expected, strict=True)] if not by_arrays else []
    changed = 0
    with connection.cursor() as cursor:
        for start in range(0, len(items), ROWS_PER_STATEMENT):
            chunk = items[start : start + ROWS_PER_STATEMENT]
            if by_arrays:
                columns = [[adapt(values[i]) for _, values in chunk] for i, adapt in enumerate(adapters)]
                musts = [[_array_adapter(f)(value)] * len(chunk) for f, value in zip(checked, expected, strict=True)]
                changed += _execute_binary(from_arrays, [[key for key, _ in chunk], *columns, *musts])[1]
                continue
            cursor.executemany(
                one_row,
                [
                    [*(adapt(v) for adapt, v in zip(adapters, values, strict=True)), key, *musts_one]
                    for key, values in chunk
                ],
            )
            changed += cursor.rowcount
    return changed
