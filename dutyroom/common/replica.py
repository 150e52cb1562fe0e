"""Reads that may come from a PostgreSQL streaming replica (``DATABASE_REPLICA_URL``).

The board, its statistics and the assessment are the heavy read pages; a replica takes them off the primary.
A view opts in with ``@replica_reads()``: while it runs, the router sends this thread's ORM reads to the
``replica`` alias; writes always go to the primary, and everything outside such a view (the API's own reads
after a write, the services, the worker) reads the primary, so a person never misses what they just wrote.
A replica is behind the primary by its replication lag (milliseconds on a healthy stream); the board's live
check reads the primary's version, so a new event still shows within its poll.

Without ``DATABASE_REPLICA_URL`` there is no ``replica`` alias and nothing here changes any query.
"""

from __future__ import annotations

from contextlib import ContextDecorator
from contextvars import ContextVar, Token
from typing import Any

from django.db.models import Model

REPLICA = "replica"
_reading: ContextVar[bool] = ContextVar("dutyroom_replica_reads", default=False)


class replica_reads(ContextDecorator):
    """Send this thread's reads to the replica for the duration (a decorator or a ``with`` block)."""

    def __init__(self) -> None:
        self._tokens: list[Token[bool]] = []

    def __enter__(self) -> replica_reads:
        self._tokens.append(_reading.set(True))
        return self

    def __exit__(self, *exc: object) -> None:
        _reading.reset(self._tokens.pop())


class ReplicaRouter:
    """``DATABASE_ROUTERS`` entry, installed only when a replica is configured."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        return REPLICA if _reading.get() else "default"

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the same data on both: an object read from the replica may be linked to a new row

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"  # the replica follows the primary's schema by replication
