"""The deadline worker: turns pending obligations overdue at their due time and delivers the outbox.

Design (shared/docs/architecture.md): statutory clocks are domain rows, not broker tasks. The loop
sweeps the partial index of pending obligations by ``due_at``, claims each by compare-and-set
(``UPDATE … WHERE state='pending'`` must change exactly one row), and sleeps until the next due time,
capped at ``MAX_SLEEP`` and woken early in-process when a nearer deadline is written. Any number of
workers may run: the CAS makes each transition happen once, and a crash loses nothing because every
obligation and event lives in the database until its transition commits.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime

from django.db import close_old_connections, connection, transaction
from django.db.models import Min

from dutyroom.common.clock import now as clock_now
from dutyroom.incidents.rulebooks import rulebook_of
from dutyroom.incidents.services import is_protected
from dutyroom.notifications.models import OutboxEvent, OutboxState
from dutyroom.notifications.services import outbox_emit
from dutyroom.orgs.models import Unit
from dutyroom.orgs.selectors import duty_room_unit
from dutyroom.reports import obligations as engine
from dutyroom.reports.models import Obligation
from dutyroom.rules import ObligationKind, ObligationState
from dutyroom.worker import wakeup

log = logging.getLogger("dutyroom.worker")
MAX_SLEEP = 0.5
BATCH = 100


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def obligations_sweep(now: datetime, batch: int = BATCH) -> int:
    """Mark up to ``batch`` pending obligations due by ``now`` overdue; returns how many this worker fired.

    One transaction per batch (a commit per clock made PostgreSQL pay an fsync each). On PostgreSQL the
    batch is locked with ``FOR UPDATE SKIP LOCKED`` so concurrent workers take different clocks; on SQLite
    the IMMEDIATE transaction already serialises writers. The CAS inside stays as the last word either way.
    """
    with transaction.atomic():
        due = Obligation.objects.filter(state=ObligationState.PENDING, due_at__lte=now).order_by("due_at")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        due_ids = [o.pk for o in due.only("id")[:batch]]
        if not due_ids:
            return 0
        duty_room = duty_room_unit()  # once per batch, not once per clock
        return sum(1 for obligation_id in due_ids if _fire_overdue(obligation_id, now, duty_room))


def _fire_overdue(obligation_id: int, now: datetime, duty_room: Unit) -> bool:
    with transaction.atomic():
        claimed = Obligation.objects.filter(
            id=obligation_id, state=ObligationState.PENDING, due_at__lte=now
        ).update(state=ObligationState.OVERDUE, overdue_at=now)
        if claimed != 1:
            return False  # another worker fired it, or a report met it first
        obligation = Obligation.objects.select_related("unit", "incident", "incident__rulebook").get(id=obligation_id)
        engine.audit_obligation(obligation, action="obligation.overdue", actor=None, now=now)
        incident = obligation.incident
        payload = {
            "obligation": obligation.pk, "kind": obligation.kind, "unit": obligation.unit.code,
            "due_at": obligation.due_at.isoformat(), "incident": incident.pk if incident else None,
            "title": incident.title if incident else "",
        }
        outbox_emit(topic="obligation.overdue", units=[obligation.unit, duty_room], at=now, payload=payload,
                    incident_id=incident.pk if incident else None, obligation_id=obligation.pk,
                    sensitive=is_protected(incident) if incident else True)
        if obligation.kind == ObligationKind.FOLLOWUP and incident is not None:
            # a silent unit owes one follow-up per period: start the next period's clock
            engine.followup_schedule(rulebook=rulebook_of(incident.rulebook), incident=incident,
                                     unit=obligation.unit, basis_at=obligation.due_at, now=now)
    return True


def outbox_deliver(now: datetime, batch: int = BATCH) -> int:
    """Deliver pending events. This version's only transport is the in-app feed; claiming is still CAS."""
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


def seconds_until_next_due(now: datetime) -> float:
    next_due = Obligation.objects.filter(state=ObligationState.PENDING).aggregate(m=Min("due_at"))["m"]
    if next_due is None:
        return MAX_SLEEP
    return max(0.0, min(MAX_SLEEP, (next_due - now).total_seconds()))


@dataclass
class Worker:
    """One worker loop; ``stop`` ends it after the current step."""

    stop: threading.Event

    def run_once(self) -> tuple[int, int]:
        now = clock_now()
        fired = obligations_sweep(now)
        delivered = outbox_deliver(now)
        return fired, delivered

    def run_forever(self) -> None:
        log.info("deadline worker %s started", worker_name())
        while not self.stop.is_set():
            try:
                fired, _ = self.run_once()
                if fired:
                    log.info("marked %d obligation(s) overdue", fired)
                pause = 0.0 if fired >= BATCH else seconds_until_next_due(clock_now())
            except Exception:  # the loop must survive a lost connection; state is safe in the database
                log.exception("worker step failed; retrying")
                pause = 1.0
            finally:
                close_old_connections()
            if pause > 0:
                wakeup.wait(pause)
        log.info("deadline worker stopped")


def start_in_thread() -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=Worker(stop).run_forever, name="dutyroom-worker", daemon=True)
    thread.start()
    return thread, stop


