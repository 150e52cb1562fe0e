"""The overdue sweep's batch primitives on the clocks' own floor: load the due clocks, flip them by one
compare-and-set, audit the flips. A batch that raced goes through the same primitives one clock at a time. The
sweep's steps are put together in ``worker.sweep``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from dutyroom.audit.services import audit_record_many
from dutyroom.common.engine.bulk import update_columns
from dutyroom.common.engine.sql import lock_skipping_held, without_bitmap_scans
from dutyroom.obligations.engine import obligation_audit
from dutyroom.obligations.models import Obligation
from dutyroom.rules import ObligationState


def obligations_due_locked(now: datetime, batch: int) -> list[Obligation]:
    """Up to ``batch`` pending clocks due by ``now``, oldest first, with their unit, incident and rulebook. On
    PostgreSQL the clocks (not their units or incidents) are locked ``FOR UPDATE SKIP LOCKED``, so concurrent
    workers take different clocks; on SQLite the IMMEDIATE transaction already serialises writers.

    One statement: the batch is chosen and locked in a subquery through the partial index of pending clocks,
    and only its rows are joined (joined first, PostgreSQL read and sorted every due clock of a backlog). The
    incidents' rulebooks are not joined: each row would carry the rulebook's whole text (``_next_followup``
    reads it for follow-up clocks alone)."""
    pick = lock_skipping_held(
        Obligation.objects.filter(state=ObligationState.PENDING, due_at__lte=now).order_by("due_at").values("id")
    )
    due = (
        Obligation.objects.select_related("unit", "incident")
        .only(*SWEEP_COLUMNS)
        .filter(id__in=pick[:batch])
        .order_by("due_at", "id")
    )
    with without_bitmap_scans():  # for this one statement: see _NO_BITMAP below
        return list(due)


# _NO_BITMAP (obligations_due_locked): the due clocks are read by a plain scan of the partial index of pending
# clocks in due order, never by a bitmap scan. A flipped clock's entry stays in that index until VACUUM; a plain
# index scan marks it dead the first time it passes it, a bitmap scan never does and visits every flipped clock's
# row again on every sweep. The planner chose the bitmap whenever its statistics were older than the pending
# clocks (a burst: 100,000 clocks inserted a minute before): in the overdue burst the sweep's read grew from 2 to
# 7 ms a batch over 60,000 flips. Bitmap scans are off for that statement alone; the ladder's read of marks
# that follows needs them.


# What firing, alerting and auditing a clock read of it, its unit and its incident; nothing else is loaded in the
# sweep (the rest — JSON, text, a dozen timestamps — cost a third of loading a batch). A field missing here costs
# a query per clock: ``tests/worker/test_worker.py`` checks that a sweep never reads a unit or incident again.
SWEEP_COLUMNS = (
    "id",
    "key",
    "kind",
    "state",
    "due_at",
    "anchor_at",
    "met_at",
    "overdue_at",
    "ladder_at",
    "late_by_seconds",
    "rule",
    "owed_to",
    "incident_id",
    "unit_id",
    "verification_request_id",
    "unit__id",
    "unit__code",
    "unit__name",
    "unit__kind",
    "incident__id",
    "incident__title",
    "incident__grade",
    "incident__sensitive",
    "incident__may_escalate",
    "incident__hotspot",
    "incident__classification",
    "incident__state",
    "incident__unit_id",
    "incident__rulebook_id",
    "incident__exercise",
)


class ClocksRaced(Exception):
    """A clock of the batch changed under the sweep (met or fired meanwhile): the caller rolls the batch's savepoint
    back and flips its clocks one by one, each by its own compare-and-set, so exactly-once holds either way."""


def obligations_flip(due: list[Obligation], now: datetime, ladder_at: Mapping[int, datetime | None] | None) -> None:
    """Turn a batch of due clocks overdue with one compare-and-set UPDATE (the overdue burst: a transaction and
    seven statements per clock could not keep up with 1,700 a second), writing each clock's next look of the
    alert ladder (``ladder_at``) in the same UPDATE: a second UPDATE of the same rows cost PostgreSQL a new
    version of every row and of its dozen index entries. Raises ``ClocksRaced`` when fewer rows changed than were
    read (``due`` comes from ``obligations_due_locked`` in the caller's transaction, so it should not happen).

    No ``obligation.overdue`` outbox event is written: one for the unit and one for the duty room would be read by
    nothing (the alert ladder owns that notice; forwarding and the board ignore the topic)."""
    columns = ["state", "overdue_at"] + (["ladder_at"] if ladder_at is not None else [])
    rows = {
        o.pk: (ObligationState.OVERDUE.value, now) + ((ladder_at[o.pk],) if ladder_at is not None else ()) for o in due
    }
    if update_columns(Obligation, columns, rows, expect={"state": ObligationState.PENDING.value}) != len(due):
        raise ClocksRaced
    for obligation in due:
        obligation.state, obligation.overdue_at = ObligationState.OVERDUE, now
        if ladder_at is not None:
            obligation.ladder_at = ladder_at[obligation.pk]


def obligations_audit_overdue(fired: list[Obligation], now: datetime, said: Mapping[int, dict[str, object]]) -> None:
    """One ``obligation.overdue`` entry per flipped clock, in one INSERT; ``said`` adds to a clock's entry what its
    flip told people (the overdue alert), so the alert needs no entry of its own: half the chain to seal in a
    burst."""
    records = [
        obligation_audit(o, action="obligation.overdue", actor=None, now=now, extra=said.get(o.pk)) for o in fired
    ]
    audit_record_many(records)
