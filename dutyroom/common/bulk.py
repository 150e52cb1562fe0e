"""Lean bulk writes for the worker's hot path: many rows in one statement, without the ORM's per-value work.

Why (issue 7's burst, 1,700 clocks a second, each a flip, two outbox events, two audit entries, a ladder mark,
an alert and three inbox rows): ``bulk_create`` prepares every value through the query compiler — about 3.6 µs
a value, ~77 values a clock, more than the whole flip's database time — and ``bulk_update`` builds a CASE
expression tree per row. Here each column's adapter is chosen once per batch and a value that repeats in a
batch (the pass's ``now``) is adapted once. Values go through the same database adapters Django uses, so what
is stored is what ``bulk_create`` would store. Only plain columns are handled (no expressions, no defaults
computed at save); anything else should use the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)
ROWS_PER_STATEMENT = 500  # well under SQLite's 32,766 bound parameters for the widest table written here

_PLAIN = (
    models.IntegerField, models.CharField, models.TextField, models.BooleanField, models.ForeignKey,
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
    in insert order as Django's own ``bulk_create`` relies on). Unique violations raise ``IntegrityError``."""
    if not objs:
        return list(objs)
    model = type(objs[0])
    fields = _columns(model)
    adapters = [_adapter(f) for f in fields]
    attnames = [f.attname for f in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = model._meta.pk
    assert pk is not None
    head = f"INSERT INTO {table} ({', '.join(_column(f) for f in fields)}) VALUES "
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    tail = f" RETURNING {_column(pk)}" if returning_ids else ""
    with connection.cursor() as cursor:
        for start in range(0, len(objs), ROWS_PER_STATEMENT):
            chunk = objs[start:start + ROWS_PER_STATEMENT]
            params: list[Any] = []
            for obj in chunk:
                params += [adapt(getattr(obj, name)) for adapt, name in zip(adapters, attnames, strict=True)]
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, params)
            if returning_ids:
                for obj, row in zip(chunk, cursor.fetchall(), strict=True):
                    setattr(obj, pk.attname, row[0])
                    obj._state.adding = False
                    obj._state.db = connection.alias
            else:
                for obj in chunk:
                    obj._state.adding = False
                    obj._state.db = connection.alias
    return list(objs)


def update_column(model: type[models.Model], field_name: str, values: dict[int, Any]) -> None:
    """Set one column of many rows to per-row values: ``UPDATE … SET col = CASE id WHEN … END WHERE id IN (…)``,
    in statements of ``ROWS_PER_STATEMENT`` rows."""
    if not values:
        return
    field = model._meta.get_field(field_name)
    assert isinstance(field, models.Field)
    adapt = _adapter(field)
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    cast = field.db_type(connection) if connection.features.requires_casted_case_in_updates else None
    items = list(values.items())
    with connection.cursor() as cursor:
        for start in range(0, len(items), ROWS_PER_STATEMENT):
            chunk = items[start:start + ROWS_PER_STATEMENT]
            case = "CASE " + _column(pk) + " " + " ".join(["WHEN %s THEN %s"] * len(chunk)) + " END"
            if cast:
                case = f"CAST({case} AS {cast})"
            params: list[Any] = []
            for key, value in chunk:
                params += [key, adapt(value)]
            params += [key for key, _ in chunk]
            cursor.execute(
                f"UPDATE {quote(model._meta.db_table)} SET {_column(field)} = {case} "
                f"WHERE {_column(pk)} IN ({', '.join(['%s'] * len(chunk))})", params)
