"""The overdue sweep: what happens when statutory clocks fall due, step by step, in one place.

A sweep takes one batch of pending clocks due by ``now`` and, in one transaction, turns them overdue with the
alert each flip owes and the audit entry that records both, and starts the next follow-up period where a unit
stayed silent. It lives on the worker's floor because it needs both the clocks (``obligations.overdue``,
``reports.clocks``) and the people to tell (``alerts.ladder``): the floors below may not import alerts, and no
step calls back up.

The steps, each a plain batch primitive of the floor that owns it:

1. load the due clocks   ``obligations.overdue.obligations_due_locked``
2. plan the ladder       ``alerts.ladder.ladder_plan``: the rungs each clock owes now, and its next look
3. flip                  ``obligations.overdue.obligations_flip``: one compare-and-set UPDATE
4. alert                 ``alerts.ladder.ladder_fire_clocks``: marks, alerts, inbox rows, deliveries
5. audit                 ``obligations.overdue.obligations_audit_overdue``: one entry a clock, carrying its alert
6. next follow-up        ``reports.clocks.followups_next``

The alert is written before the audit (not after, as one might expect) because the flip's audit entry records
the alert it sent: one entry a clock instead of two.

Transaction and savepoint sequence of one batch::

    BEGIN                         (IMMEDIATE on SQLite: the one writer; READ COMMITTED on PostgreSQL)
      1  SELECT … FOR UPDATE SKIP LOCKED   the batch's clocks (PostgreSQL: other workers skip them), joined
                                           to their units and incidents; bitmap scans off for that statement
      2  SELECT                            the ladder's marks (and, once per process, adopt the ladder)
      SAVEPOINT flip
        3  UPDATE … WHERE state='pending'  fewer rows than read → ROLLBACK TO flip, then one by one (below)
        SAVEPOINT alert
          4  INSERT marks, alert events, notifications, deliveries; alert audit entries other than overdue
        RELEASE alert                      any error → ROLLBACK TO alert: the flips stand, unalerted, and
                                           their next look is set to "plan afresh" for the ladder's own pass
        5  INSERT audit entries            obligation.overdue, each with its alert
        6  SELECT … FOR UPDATE, INSERT     each overdue follow-up's successor (the unit's pending follow-up,
                                           locked, or a new clock)
      RELEASE flip
    COMMIT                                 on commit: the workers are woken for the new follow-up deadlines

One by one (the batch raced): steps 3, 5 and 6 for each clock in a savepoint of its own (``SAVEPOINT``, its
compare-and-set, its audit entry, its next follow-up, ``RELEASE``; a clock met or fired meanwhile changes no row
and is skipped), then step 4 for the clocks fired, whose alerts are audited on their own since their flips are
already audited.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from dutyroom.alerts.ladder import ladder_fire_clocks, ladder_plan
from dutyroom.obligations.models import Obligation
from dutyroom.obligations.overdue import (
    ClocksRaced,
    obligations_audit_overdue,
    obligations_due_locked,
    obligations_flip,
)
from dutyroom.reports.clocks import followups_next

BATCH = 100


def obligations_sweep(now: datetime, batch: int = BATCH, *, keep: float = 0.0) -> int:
    """Turn up to ``batch`` pending clocks due by ``now`` overdue, each with its alert and audit entry; returns how
    many this worker fired. ``keep``: how long the alerts' reads of the roster, staff and preferences may serve
    later sweeps of this thread (``common.memo.pass_memo``; the worker's sweeps while a burst lasts)."""
    with transaction.atomic():
        due = obligations_due_locked(now, batch)
        if not due:
            return 0
        decisions = ladder_plan(due, now)
        next_looks = None if decisions is None else {clock.pk: clock.ladder_at for clock in due}
        try:
            with transaction.atomic():
                obligations_flip(due, now, next_looks)
                said = ladder_fire_clocks(decisions, due, now, flip_audits=True, keep=keep)
                obligations_audit_overdue(due, now, said)
                followups_next(due, now)
                return len(due)
        except ClocksRaced:
            pass
        fired = [clock for clock in due if _fire_alone(clock, now, next_looks)]
        ladder_fire_clocks(decisions, fired, now, flip_audits=False, keep=keep)
        return len(fired)


def _fire_alone(clock: Obligation, now: datetime, next_looks: dict[int, datetime | None] | None) -> bool:
    """Steps 3, 5 and 6 for one clock of a batch that raced, in a savepoint of its own; False when the clock was
    met or fired meanwhile (its compare-and-set changed nothing)."""
    try:
        with transaction.atomic():
            obligations_flip([clock], now, next_looks)
            obligations_audit_overdue([clock], now, {})
            followups_next([clock], now)
    except ClocksRaced:
        return False
    return True
