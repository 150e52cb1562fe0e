"""Reads of a fixed shape whose SQL the ORM compiles once, then binds new values on every call.

Why: on the report write path the ORM spent longer compiling its reads than the database spent answering them.
The incident read with its unit, area and rulebook, locked for the writer, took about 3 ms of a follow-up's
10 to compile and well under 0.1 ms to run on SQLite; the reporting unit's open clocks and the duty-room read
were the same story. A ``PreparedRead`` is written as an ordinary queryset, built once with example values
standing in for its arguments; the SQL and the way a row becomes model instances (``select_related``
included) are kept, and each call swaps the arguments into the parameters.

Arguments are ``int`` or ``str`` (ids, codes), each example distinct from every other parameter of the query,
so its place in the parameters is unambiguous; this is checked when compiling. The compiled form is kept per
thread and per connection object, as the compiler it comes from holds its connection.

On each Django upgrade, re-check (``tests/services/test_prepared_reads.py`` compares the prepared reads of the
code with their querysets, row for row, on both engines):

- that ``SQLCompiler.as_sql`` still fills ``select``, ``klass_info``, ``annotation_col_map`` and ``col_count``;
- that ``results_iter`` still converts rows with ``get_converters`` over the first ``col_count`` of ``select``
  and ``apply_converters``, and no more;
- that ``django.db.models.query.get_related_populators`` and ``Model.from_db`` still build instances as
  ``ModelIterable`` does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=Model)
_INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class _Compiled:
    connection: Any
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, int], ...]  # (parameter index, argument index)
    compiler: SQLCompiler
    locks: bool
    start: int
    end: int
    init_list: tuple[str, ...]
    populators: tuple[Any, ...]
    annotations: tuple[tuple[str, int], ...]
    converters: dict[int, Any]


class PreparedRead(Generic[M]):
    """``build(*args)`` returns the queryset; ``examples`` are values of the arguments' types used to compile it."""

    def __init__(self, build: Callable[..., QuerySet[M]], *examples: int | str) -> None:
        """An argument-free read (``build()``) takes no examples."""
        self._build = build
        self._examples = examples
        self._local = threading.local()
        self._shape: tuple[type[Model], bool] | None = None  # the model read, and whether the read locks it

    def __call__(self, *args: int | str) -> list[M]:
        if len(args) != len(self._examples) or any(
            type(a) is not type(e) for a, e in zip(args, self._examples, strict=True)
        ):
            raise TypeError(f"arguments {args!r} do not match the examples {self._examples!r}")
        if any(isinstance(a, int) and not _INT64[0] <= a <= _INT64[1] for a in args):
            return []  # an id no column can hold matches no row (the ORM answers so too; the driver would raise)
        db = self._alias()
        compiled = self._compiled(db)
        connection = compiled.connection
        if compiled.locks and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = list(compiled.params)
        for index, argument in compiled.slots:
            params[index] = args[argument]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        converted = compiled.compiler.apply_converters(rows, compiled.converters) if compiled.converters else rows
        found: list[M] = []
        for row in converted:
            obj = compiled.compiler.klass_info["model"].from_db(
                db, compiled.init_list, row[compiled.start : compiled.end]
            )
            for populator in compiled.populators:
                populator.populate(row, obj)
            for name, position in compiled.annotations:
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    def first(self, *args: int | str) -> M | None:
        rows = self(*args)
        return rows[0] if rows else None

    def _alias(self) -> str:
        """The database the queryset would read, as the routers say now (a page may read from a replica)."""
        if self._shape is None:
            queryset = self._build(*self._examples)
            self._shape = (queryset.model, bool(queryset.query.select_for_update))
        model, locks = self._shape
        return router.db_for_write(model) if locks else router.db_for_read(model)

    def _compiled(self, db: str) -> _Compiled:
        connection = connections[db]
        kept: dict[str, _Compiled] = getattr(self._local, "kept", None) or {}
        compiled = kept.get(db)
        if compiled is None or compiled.connection is not connection:
            compiled = _compile(self._build(*self._examples), db, self._examples)
            kept[db] = compiled
            self._local.kept = kept
        return compiled


def _compile(queryset: QuerySet[M], db: str, examples: Sequence[int | str]) -> _Compiled:
    compiler = queryset.query.get_compiler(using=db)
    sql, params = compiler.as_sql()
    slots = []
    for argument, example in enumerate(examples):
        places = [i for i, p in enumerate(params) if type(p) is type(example) and p == example]
        if not places:
            raise ValueError(f"the example {example!r} is not among the compiled parameters {params!r}")
        slots += [(i, argument) for i in places]
    if len({i for i, _ in slots}) != len(slots):
        raise ValueError(f"two examples share a parameter in {params!r}: make them distinct")
    klass_info = compiler.klass_info
    assert klass_info is not None
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    return _Compiled(
        connection=connections[db],
        sql=sql,
        params=tuple(params),
        slots=tuple(slots),
        compiler=compiler,
        locks=bool(queryset.query.select_for_update),
        start=start,
        end=end,
        init_list=tuple(f[0].target.attname for f in compiler.select[start:end]),
        # the stubs describe a later Django, whose populators also take a fetch mode
        populators=tuple(get_related_populators(klass_info, compiler.select, db)),  # type: ignore[call-arg]
        annotations=tuple((compiler.annotation_col_map or {}).items()),
        # as ``results_iter`` finds them, once: finding them took longer than converting a row
        converters=compiler.get_converters([s[0] for s in compiler.select[0 : compiler.col_count]]),
    )
