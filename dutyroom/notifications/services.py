"""Writing outbox events. Delivery happens in the worker, after commit, never inside a request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction

from dutyroom.common import wakeup
from dutyroom.common.engine.bulk import insert_many
from dutyroom.common.engine.sql import table_by_index
from dutyroom.notifications.models import OutboxEvent, OutboxState
from dutyroom.orgs.models import Unit


def outbox_emit(
    *,
    topic: str,
    units: list[Unit],
    at: datetime,
    payload: dict[str, Any],
    incident_id: int | None = None,
    obligation_id: int | None = None,
    sensitive: bool = False,
) -> list[OutboxEvent]:
    """One event per audience unit (deduplicated), in the caller's transaction; its commit wakes the workers, whose
    fan-out routes it to people (an idle worker otherwise looks only every few seconds)."""
    transaction.on_commit(wakeup.notify)
    seen: set[int] = set()
    events = []
    for unit in units:
        if unit.pk in seen:
            continue
        seen.add(unit.pk)
        events.append(
            OutboxEvent(
                topic=topic,
                unit=unit,
                incident_id=incident_id,
                obligation_id=obligation_id,
                payload=payload,
                sensitive=sensitive,
                available_at=at,
                created_at=at,
            )
        )
    return insert_many(events, returning_ids=True)


def pending_event_ids(now: datetime, *, topics: tuple[str, ...], routed: bool, limit: int) -> list[int]:
    """Pending events available by ``now`` whose topic is (``routed``) or is not among ``topics``, oldest first,
    read through the partial index ``outbox_pending``. The state is written as a literal and SQLite is told the
    index: with a bound ``state = %s`` SQLite cannot use a partial index and read every event ever kept, which
    grows by thousands a second in a burst."""
    table = table_by_index(OutboxEvent, "outbox_pending")
    marks = ", ".join(["%s"] * len(topics))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE state = '{OutboxState.PENDING.value}' AND available_at <= %s "
            f"AND topic {'IN' if routed else 'NOT IN'} ({marks}) ORDER BY id LIMIT %s",
            [now, *topics, limit],
        )
        return [row[0] for row in cursor.fetchall()]
