"""Writing outbox events. Delivery happens in the worker, after commit, never inside a request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from dutyroom.common import wakeup
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
    return OutboxEvent.objects.bulk_create(outbox_events(
        topic=topic, units=units, at=at, payload=payload, incident_id=incident_id, obligation_id=obligation_id,
        sensitive=sensitive))


def outbox_events(
    *,
    topic: str,
    units: list[Unit],
    at: datetime,
    payload: dict[str, Any],
    incident_id: int | None = None,
    obligation_id: int | None = None,
    sensitive: bool = False,
) -> list[OutboxEvent]:
    """The unsaved events ``outbox_emit`` writes; a batch (the worker's sweep) writes many in one INSERT."""
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
    return events


def outbox_deliver_in_app(now: datetime, batch: int = 100) -> int:
    """Mark pending events delivered to the in-app feed, each claimed by compare-and-set (any number of workers)."""
    ids = list(
        OutboxEvent.objects.filter(state=OutboxState.PENDING, available_at__lte=now)
        .order_by("id")
        .values_list("id", flat=True)[:batch]
    )
    delivered = 0
    for event_id in ids:
        delivered += OutboxEvent.objects.filter(id=event_id, state=OutboxState.PENDING).update(
            state=OutboxState.DELIVERED, delivered_at=now, attempts=1
        )
    return delivered
