"""Writing outbox events. Delivery happens in the worker, after commit, never inside a request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dutyroom.notifications.models import OutboxEvent
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
    """One event per audience unit (deduplicated), in the caller's transaction."""
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
    return OutboxEvent.objects.bulk_create(events)
