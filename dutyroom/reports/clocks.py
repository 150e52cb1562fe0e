"""Clock services that need to know incidents and reports: which clocks a report meets, and firing overdue.

The clocks engine (``dutyroom.obligations``) sits below incidents and reports and knows neither; the rules
that join them live here, on the reports floor, and the worker calls them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q

from dutyroom.audit.services import audit_record_many
from dutyroom.common.bulk import update_columns
from dutyroom.incidents.models import Incident, RulebookSnapshot
from dutyroom.incidents.rulebooks import rulebook_of
from dutyroom.obligations import engine
from dutyroom.obligations.models import Obligation
from dutyroom.reports.models import Report
from dutyroom.rules import ObligationKind, ObligationState, ReportKind, Rulebook, report_meets


def obligations_apply_report(
    *,
    rulebook: Rulebook,
    incident: Incident,
    report: Report,
    effective_at: datetime,
    now: datetime,
    was_pending: set[int] | None = None,
) -> list[Obligation]:
    """Meet every open obligation of the reporting unit that this report satisfies.

    A follow-up meets only the oldest open follow-up clock (each missing period is a separate miss);
    a verification reply meets only the clock of the request it answers. ``was_pending`` receives the ids of
    the met clocks that were still pending (not yet overdue): the next follow-up is scheduled from them.
    """
    kind = ReportKind(report.kind)
    scope = Q(incident=incident, unit=report.unit)
    if report.verification_request_id is not None:  # a request may concern no incident at all
        scope |= Q(verification_request_id=report.verification_request_id, unit=report.unit)
    # locked in id order (the global order: the incident, which the caller holds, then its clocks by id), met
    # oldest deadline first
    candidates = sorted(
        Obligation.objects.select_for_update()
        .filter(scope, state__in=engine.OPEN_STATES)
        .exclude(kind=ObligationKind.RECEIPT)
        .order_by("id"),
        key=lambda o: (o.due_at, o.pk),
    )
    met: list[Obligation] = []
    for obligation in candidates:
        if not report_meets(rulebook, ObligationKind(obligation.kind), kind):
            continue
        if obligation.kind == ObligationKind.VERIFICATION_REPLY and (
            obligation.verification_request_id != report.verification_request_id
        ):
            continue
        if obligation.kind == ObligationKind.FOLLOWUP and any(o.kind == ObligationKind.FOLLOWUP for o in met):
            continue
        if was_pending is not None and obligation.state == ObligationState.PENDING:
            was_pending.add(obligation.pk)
        engine.obligation_meet(obligation, report_id=report.pk, at=effective_at, now=now)
        met.append(obligation)
    return met


class _Raced(Exception):
    """A clock of the batch changed under the sweep: roll the batch back and fire one by one."""


def obligations_due_locked(now: datetime, batch: int) -> list[Obligation]:
    """Up to ``batch`` pending clocks due by ``now``, oldest first, with their unit, incident and rulebook. On
    PostgreSQL the clocks (not their units or incidents) are locked ``FOR UPDATE SKIP LOCKED``, so concurrent
    workers take different clocks; on SQLite the IMMEDIATE transaction already serialises writers.

    One statement: the batch is chosen and locked in a subquery through the partial index of pending clocks,
    and only its rows are joined (joined first, PostgreSQL read and sorted every due clock of a backlog). The
    incidents' rulebooks are not joined: each row would carry the rulebook's whole text (``_next_followup``
    reads it for follow-up clocks alone)."""
    pick = Obligation.objects.filter(state=ObligationState.PENDING, due_at__lte=now).order_by("due_at").values("id")
    if connection.features.has_select_for_update_skip_locked:
        pick = pick.select_for_update(skip_locked=True)
    due = (
        Obligation.objects.select_related("unit", "incident")
        .only(*SWEEP_COLUMNS)
        .filter(id__in=pick[:batch])
        .order_by("due_at", "id")
    )
    if connection.vendor != "postgresql":
        return list(due)
    with connection.cursor() as cursor:  # for this one statement: see _NO_BITMAP below
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        try:
            return list(due)
        finally:
            cursor.execute("SET LOCAL enable_bitmapscan = on")


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


# Called with the clocks just turned overdue and whether their audit entries are still to be written; returns,
# per clock, what the flip's own audit entry should add (the worker's overdue alert: see ``obligations_fire_overdue``).
Tell = Callable[[list[Obligation], bool], Mapping[int, dict[str, object]]]


def obligations_fire_overdue(
    due: list[Obligation],
    now: datetime,
    *,
    ladder_at: Mapping[int, datetime | None] | None = None,
    tell: Tell | None = None,
) -> list[Obligation]:
    """Fire a batch of due clocks at once: one compare-and-set UPDATE and one INSERT of audit entries (the overdue
    burst: a transaction and seven statements per clock could not keep up with 1,700 a second).

    ``due`` comes from ``obligations_due_locked`` in the caller's transaction, so the UPDATE changes exactly the
    rows read. Should it not (a clock met or fired meanwhile), the batch's savepoint is rolled back and each
    clock goes through the one-by-one compare-and-set instead, so exactly-once holds either way. ``ladder_at``:
    each clock's next look of the alert ladder, written by the same UPDATE (the worker plans the ladder before
    the flip; a second UPDATE of the same rows cost PostgreSQL a new version of every row and of its dozen
    index entries).

    ``tell`` tells people, in the same transaction (the worker writes each flip's overdue alert to the unit and
    the duty room), after the flip and before its audit: what it returns per clock goes into the clock's
    ``obligation.overdue`` entry, so the alert needs no entry of its own. On the one-by-one path the entries are
    already written when it is called (its second argument False) and it audits on its own. The flip writes no
    ``obligation.overdue`` outbox events (one for the unit and one for the duty room would be read by
    nothing: the alert ladder owns that notice, forwarding and the board ignore the topic).

    Returns the clocks this call fired.
    """
    if not due:
        return []
    try:
        with transaction.atomic():
            return _fire_batch(due, now, ladder_at, tell)
    except _Raced:
        fired = [
            o for o in (obligation_fire_overdue(obligation.pk, now, ladder_at) for obligation in due) if o is not None
        ]
        if tell is not None:
            tell(fired, False)
        return fired


def _fire_batch(
    due: list[Obligation], now: datetime, ladder_at: Mapping[int, datetime | None] | None, tell: Tell | None
) -> list[Obligation]:
    columns = ["state", "overdue_at"] + (["ladder_at"] if ladder_at is not None else [])
    rows = {
        o.pk: (ObligationState.OVERDUE.value, now) + ((ladder_at[o.pk],) if ladder_at is not None else ()) for o in due
    }
    claimed = update_columns(Obligation, columns, rows, expect={"state": ObligationState.PENDING.value})
    if claimed != len(due):
        raise _Raced
    for obligation in due:
        obligation.state, obligation.overdue_at = ObligationState.OVERDUE, now
        if ladder_at is not None:
            obligation.ladder_at = ladder_at[obligation.pk]
    told = tell(due, True) if tell is not None else {}
    audit_record_many(
        [
            engine.obligation_audit(o, action="obligation.overdue", actor=None, now=now, extra=told.get(o.pk))
            for o in due
        ]
    )
    followups = [o for o in due if o.kind == ObligationKind.FOLLOWUP and o.incident is not None]
    snapshots = RulebookSnapshot.objects.in_bulk({o.incident.rulebook_id for o in followups if o.incident})
    for obligation in followups:
        assert obligation.incident is not None
        obligation.incident.rulebook = snapshots[obligation.incident.rulebook_id]  # one read per rulebook
        _next_followup(obligation, now)
    return due


def _next_followup(obligation: Obligation, now: datetime) -> None:
    """A silent unit owes one follow-up per period: an overdue follow-up starts the next period's clock."""
    if obligation.kind == ObligationKind.FOLLOWUP and obligation.incident is not None:
        engine.followup_schedule(
            rulebook=rulebook_of(obligation.incident.rulebook),
            incident=obligation.incident,
            unit=obligation.unit,
            basis_at=obligation.due_at,
            now=now,
            owed_to=obligation.owed_to,
            lapsed=obligation,
        )


def obligation_fire_overdue(
    obligation_id: int, now: datetime, ladder_at: Mapping[int, datetime | None] | None = None
) -> Obligation | None:
    """Turn one due clock overdue exactly once (compare-and-set) and audit it; the caller alerts (see above).

    Returns the clock, or None when another worker fired it or a report met it first.
    """
    with transaction.atomic():
        obligation = engine.obligation_claim_overdue(obligation_id, now)
        if obligation is None:
            return None
        if ladder_at is not None and obligation_id in ladder_at:
            obligation.ladder_at = ladder_at[obligation_id]
            obligation.save(update_fields=["ladder_at"])
        _next_followup(obligation, now)
    return obligation
