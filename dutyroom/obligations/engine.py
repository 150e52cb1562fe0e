"""The clocks engine: turns the rules core's planned clocks into rows and keeps their states true.

Called only from services (inside their transaction). Every state change here is audited by the caller's
action or through ``audit_obligation`` below, and every new or moved deadline wakes the worker.

It sits below incidents and reports, so it knows an incident only as a ``ClockSubject`` (its id, whether it
is open, its severity) and a report only by id; the incident- and report-aware services live above it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from django.db import transaction

from dutyroom.accounts.models import User
from dutyroom.audit.services import AuditRecord, audit_record_many
from dutyroom.common import wakeup
from dutyroom.common.engine.bulk import insert_many, save_fields
from dutyroom.obligations.chain import limits_owed_by
from dutyroom.obligations.models import LADDER_REPLAN, Obligation
from dutyroom.orgs.models import Unit
from dutyroom.rules import (
    ObligationKind,
    ObligationState,
    PlannedClock,
    Rulebook,
    Severity,
    evaluate,
)
from dutyroom.rules.overlay import followup_clock

OPEN_STATES = (ObligationState.PENDING, ObligationState.OVERDUE)


class ClockSubject(Protocol):
    """What the engine needs of an incident (``incidents.Incident`` is one)."""

    pk: Any
    created_at: datetime  # the rules below the city in force at the opening judge every clock of the incident

    @property
    def is_open(self) -> bool: ...

    @property
    def severity(self) -> Severity: ...


def incident_key(incident: ClockSubject, key: str) -> str:
    return f"incident:{incident.pk}:{key}"


def obligation_upsert(
    *,
    incident: ClockSubject | None,
    unit: Unit,
    planned: PlannedClock,
    key: str,
    now: datetime,
    report_id: int | None = None,
    verification_request_id: int | None = None,
    fresh: bool = False,
    owed_to: str = "",
    batch: list[Obligation] | None = None,
) -> tuple[Obligation, bool]:
    """Create the obligation for ``key`` or move its deadline; returns (obligation, created).

    ``fresh``: the caller knows no clock has this key yet (it names a row created in this transaction, or a
    number counted under the incident's lock), so the look-up is skipped; a wrong claim fails on the unique
    key rather than forking a clock. ``batch`` (with ``fresh``): the new clock is added to it unsaved, and the
    caller writes the whole batch in one statement with ``obligations_insert``."""
    obligation = None if fresh else Obligation.objects.select_for_update().filter(key=key).first()
    created = obligation is None
    if obligation is None:
        obligation = Obligation(
            key=key,
            incident_id=incident.pk if incident is not None else None,
            unit=unit,
            kind=planned.kind,
            created_at=now,
            report_id=report_id,
            verification_request_id=verification_request_id,
            owed_to=owed_to,
        )
    obligation.due_at = planned.due_at
    obligation.anchor_at = planned.anchor_at
    obligation.rule = planned.rule
    _reevaluate(obligation, now)
    if batch is not None and fresh:
        batch.append(obligation)
        return obligation, created
    obligation.save()
    transaction.on_commit(wakeup.notify)
    return obligation, created


def obligations_insert(batch: list[Obligation]) -> list[Obligation]:
    """Write the new clocks ``obligation_upsert`` collected in ``batch``: one INSERT, each clock gets its id."""
    if batch:
        insert_many(batch, returning_ids=True)
        transaction.on_commit(wakeup.notify)
    return batch


def _reevaluate(obligation: Obligation, now: datetime) -> None:
    """Recompute state from due/met times. Waived stays waived: only a person can waive or un-waive."""
    if obligation.state == ObligationState.WAIVED:
        return
    obligation.ladder_at = LADDER_REPLAN  # the deadline may have moved: the alert ladder plans this clock afresh
    result = evaluate(obligation.due_at, obligation.met_at, now)
    if result.state == ObligationState.OVERDUE:
        # Only the worker turns a clock overdue, so every overdue gets its audit row and alerts exactly once;
        # it fires within a second of the due time. Readers evaluate the clock themselves meanwhile.
        if obligation.state != ObligationState.OVERDUE:
            obligation.state = ObligationState.PENDING
            transaction.on_commit(wakeup.notify)
        obligation.late_by_seconds = None
    else:
        obligation.state = result.state
        obligation.late_by_seconds = result.late_by_seconds
        if result.state == ObligationState.PENDING:
            obligation.overdue_at = None


def obligations_reevaluate(obligations: Iterable[Obligation], now: datetime) -> None:
    """Save moved clocks with their state recomputed from the new times."""
    for obligation in obligations:
        _reevaluate(obligation, now)
        obligation.save(
            update_fields=["state", "late_by_seconds", "overdue_at", "due_at", "anchor_at", "rule", "ladder_at"]
        )


def obligation_meet(obligation: Obligation, *, report_id: int | None, at: datetime, now: datetime) -> None:
    obligation.met_at = at
    obligation.met_by_id = report_id
    _reevaluate(obligation, now)
    save_fields(obligation, ["met_at", "met_by", "state", "late_by_seconds", "overdue_at"])


def followup_schedule(
    *,
    rulebook: Rulebook,
    incident: ClockSubject,
    unit: Unit,
    basis_at: datetime,
    now: datetime,
    locked: bool = False,
    owed_to: str = "",
    succeeds: Obligation | None = None,
    first: bool = False,
    lapsed: Obligation | None = None,
    batch: list[Obligation] | None = None,
) -> Obligation | None:
    """Keep exactly one pending follow-up clock while the incident is open, due ``interval`` after ``basis_at``.

    ``locked``: the caller holds the incident's row lock, so the next number counted here is free. ``owed_to``:
    the duty room the unit's follow-ups go to (empty: the city's). ``succeeds``: the unit's pending follow-up
    clock, just met under the same lock. Only one clock is pending at a time and each is numbered after every
    earlier one, so no other is pending and the next number is its own plus one: neither is read again.
    ``first``: the incident was opened in the caller's transaction, so it has no follow-up clock yet.
    ``lapsed``: the unit's follow-up clock that just ran out unmet (the deadline sweep): the next period runs at
    its interval and under its rule, which were planned (and re-planned on a re-grade) under the incident's rules,
    so the sweep reads neither the incident nor the rules below the city again for each clock it fires.
    ``batch``: a new clock is collected there for the caller's ``obligations_insert`` (see ``obligation_upsert``)."""
    if not incident.is_open:
        return None
    grade = incident.severity.grade
    pending = (
        None
        if succeeds is not None or first
        else Obligation.objects.select_for_update()
        .filter(incident_id=incident.pk, unit=unit, kind=ObligationKind.FOLLOWUP, state=ObligationState.PENDING)
        .first()
    )

    def plan(key: str) -> PlannedClock:
        if lapsed is not None:
            interval = lapsed.due_at - lapsed.anchor_at
            return PlannedClock(key, ObligationKind.FOLLOWUP, basis_at + interval, lapsed.rule, basis_at)
        limits = limits_owed_by(rulebook, unit, incident.created_at)  # a town may shorten its units' cadence
        return followup_clock(rulebook, grade, basis_at, key, limits)

    if pending is not None:
        clock = plan(pending.key)
        pending.anchor_at, pending.due_at, pending.rule = basis_at, clock.due_at, clock.rule
        obligations_reevaluate([pending], now)
        transaction.on_commit(wakeup.notify)
        return pending
    if succeeds is not None or first:  # a wrong number would fail on the unique key, never fork a clock
        number = int(succeeds.key.rsplit(":", 1)[1]) + 1 if succeeds is not None else 1
    else:
        number = Obligation.objects.filter(incident_id=incident.pk, unit=unit, kind=ObligationKind.FOLLOWUP).count() + 1
    planned = plan(f"followup:{number}")
    obligation, _ = obligation_upsert(
        incident=incident,
        unit=unit,
        planned=planned,
        key=incident_key(incident, f"{unit.code}:followup:{number}"),
        now=now,
        fresh=locked,
        owed_to=owed_to,
        batch=batch,
    )
    return obligation


def followups_regrade(*, rulebook: Rulebook, incident: ClockSubject, now: datetime) -> None:
    """A new grade changes the follow-up cadence of the clock that is still running (under the same rules below
    the city as before: those in force when the incident was opened)."""
    for pending in (
        Obligation.objects.select_for_update()
        .select_related("unit")
        .filter(incident_id=incident.pk, kind=ObligationKind.FOLLOWUP, state=ObligationState.PENDING)
    ):
        limits = limits_owed_by(rulebook, pending.unit, incident.created_at)
        clock = followup_clock(rulebook, incident.severity.grade, pending.anchor_at, pending.key, limits)
        pending.due_at, pending.rule = clock.due_at, clock.rule
        obligations_reevaluate([pending], now)
    transaction.on_commit(wakeup.notify)


def obligations_close_for_handled(*, incident: ClockSubject, actor: User | None, now: datetime) -> list[Obligation]:
    """Handling finished: follow-up clocks not yet due stop (waived by the system, with the reason)."""
    stopped = list(
        Obligation.objects.select_for_update().filter(
            incident_id=incident.pk, kind=ObligationKind.FOLLOWUP, state=ObligationState.PENDING
        )
    )
    for obligation in stopped:
        obligation.state = ObligationState.WAIVED
        obligation.waived_reason = "处置结束，续报时钟停止 (handling finished; follow-up clock stopped)"
        obligation.waived_at = now
        obligation.waived_by = actor
        obligation.save(update_fields=["state", "waived_reason", "waived_at", "waived_by"])
    return stopped


def obligation_audit(
    obligation: Obligation, *, action: str, actor: User | None, now: datetime, extra: dict[str, object] | None = None
) -> AuditRecord:
    """What the audit log keeps about a clock's change (one shape for one clock and for a batch)."""
    return AuditRecord(
        actor=actor,
        action=action,
        object_type="obligation",
        object_id=obligation.pk,
        at=now,
        incident_id=obligation.incident_id,
        unit_code=obligation.unit.code,
        data={
            "kind": obligation.kind,
            "state": obligation.state,
            "due_at": obligation.due_at,
            "met_at": obligation.met_at,
            "late_by_seconds": obligation.late_by_seconds,
            "rule": obligation.rule,
            **(extra or {}),
        },
    )


def audit_obligation(
    obligation: Obligation, *, action: str, actor: User | None, now: datetime, extra: dict[str, object] | None = None
) -> None:
    audit_record_many([obligation_audit(obligation, action=action, actor=actor, now=now, extra=extra)])
