"""SQL that depends on the engine: indexes named to SQLite's planner, a planner setting for one statement on
PostgreSQL, and locks that skip what other workers hold.

Why SQLite is told the index: without fresh statistics (a new or never analysed database, or a burst of rows
inserted a minute ago) its planner took a wider index and read every row it covered — every open clock, every
late clock ever recorded, every outbox event ever kept — where a partial index holds the few rows wanted.
``INDEXED BY`` also fails loudly if the index ever goes. Every index named here is passed by name, so
``tests/services/test_engine_fence.py`` can hold each against the migrations.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connection, models

QS = TypeVar("QS", bound="models.QuerySet[Any, Any]")


def table_by_index(model: type[models.Model], index: str) -> str:
    """The model's quoted table for a ``FROM`` clause, on SQLite with ``index`` named (``INDEXED BY``); the
    caller's WHERE must match the partial index's condition with literal values (SQLite compares a partial
    index's condition only with literal terms, never with a bound ``%s``)."""
    table = connection.ops.quote_name(model._meta.db_table)
    return f"{table} INDEXED BY {index}" if connection.vendor == "sqlite" else table


def compiled_by_index(queryset: models.QuerySet[Any], index: str) -> tuple[str, tuple[Any, ...]]:
    """The SQL and parameters the ORM compiled for ``queryset``, on SQLite with ``index`` named into its
    ``FROM`` (the ORM cannot name an index), for a caller that wraps it in an aggregate of its own."""
    sql, params = queryset.query.sql_with_params()
    if connection.vendor != "sqlite":
        return sql, tuple(params)
    table = f"FROM {connection.ops.quote_name(queryset.model._meta.db_table)}"
    assert table in sql, "the compiled query no longer names its table as expected (see the upgrade checklist)"
    return sql.replace(table, f"{table} INDEXED BY {index}", 1), tuple(params)


def count_by_index(queryset: models.QuerySet[Any], index: str) -> int:
    """``queryset.count()``, on SQLite through ``index`` (the ORM cannot name an index, so the SQL it compiled
    for the rows' ids gets the index named into its ``FROM``)."""
    if connection.vendor != "sqlite":
        return queryset.count()
    sql, params = compiled_by_index(queryset.values("pk"), index)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql})", params)
        return int(cursor.fetchone()[0])


@contextmanager
def without_bitmap_scans() -> Iterator[None]:
    """For the statements inside (in the caller's transaction), PostgreSQL reads an index by a plain index scan,
    never a bitmap scan: a plain scan marks the entries of rows that left a partial index dead the first time it
    passes them, a bitmap scan never does and visits them again on every statement until VACUUM. A no-op on
    SQLite, which has no bitmap scans."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        try:
            yield
        finally:
            cursor.execute("SET LOCAL enable_bitmapscan = on")


def lock_skipping_held(queryset: QS, **options: Any) -> QS:
    """Rows locked for this transaction, skipping those another transaction holds, so concurrent workers take
    different rows (PostgreSQL ``FOR UPDATE SKIP LOCKED``; ``options`` as ``select_for_update``'s). Where the
    engine cannot skip (SQLite), the rows are read unlocked: its IMMEDIATE transactions already serialise
    writers."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, **options)
    return queryset
