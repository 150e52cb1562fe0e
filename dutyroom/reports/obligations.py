"""The obligation engine: turns the rules core's planned clocks into rows and keeps their states true.

Called only from services and the worker (inside their transaction). Every state change here is audited by
the caller's action or through ``audit_obligation`` below, and every new or moved deadline wakes the worker.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Q

from dutyroom.accounts.models import User
from dutyroom.audit.services import audit_record
from dutyroom.incidents.models import Incident
from dutyroom.orgs.models import Unit
from dutyroom.reports.models import Obligation, Report, VerificationRequest
from dutyroom.rules import (
    ObligationKind,
    ObligationState,
    PlannedClock,
    ReportKind,
    Rulebook,
    evaluate,
    followup_due,
    report_meets,
)
from dutyroom.worker import wakeup

OPEN_STATES = (ObligationState.PENDING, ObligationState.OVERDUE)


def incident_key(incident: Incident, key: str) -> str:
    return f"incident:{incident.pk}:{key}"


def obligation_upsert(
    *, incident: Incident | None, unit: Unit, planned: PlannedClock, key: str, now: datetime,
    report: Report | None = None, verification_request: VerificationRequest | None = None,
) -> tuple[Obligation, bool]:
    """Create the obligation for ``key`` or move its deadline; returns (obligation, created)."""
    obligation = Obligation.objects.select_for_update().filter(key=key).first()
    created = obligation is None
    if obligation is None:
        obligation = Obligation(
            key=key, incident=incident, unit=unit, kind=planned.kind, created_at=now,
            report=report, verification_request=verification_request,
        )
    obligation.due_at = planned.due_at
    obligation.anchor_at = planned.anchor_at
    obligation.rule = planned.rule
    _reevaluate(obligation, now)
    obligation.save()
    transaction.on_commit(wakeup.notify)
    return obligation, created


def _reevaluate(obligation: Obligation, now: datetime) -> None:
    """Recompute state from due/met times. Waived stays waived: only a person can waive or un-waive."""
    if obligation.state == ObligationState.WAIVED:
        return
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
        obligation.save(update_fields=["state", "late_by_seconds", "overdue_at", "due_at", "anchor_at", "rule"])


def obligation_meet(obligation: Obligation, *, report: Report | None, at: datetime, now: datetime) -> None:
    obligation.met_at = at
    obligation.met_by = report
    _reevaluate(obligation, now)
    obligation.save(update_fields=["met_at", "met_by", "state", "late_by_seconds", "overdue_at"])


def obligations_apply_report(
    *, rulebook: Rulebook, incident: Incident, report: Report, effective_at: datetime, now: datetime
) -> list[Obligation]:
    """Meet every open obligation of the reporting unit that this report satisfies.

    A follow-up meets only the oldest open follow-up clock (each missing period is a separate miss);
    a verification reply meets only the clock of the request it answers.
    """
    kind = ReportKind(report.kind)
    scope = Q(incident=incident, unit=report.unit)
    if report.verification_request_id is not None:  # a request may concern no incident at all
        scope |= Q(verification_request_id=report.verification_request_id, unit=report.unit)
    candidates = Obligation.objects.select_for_update().filter(
        scope, state__in=OPEN_STATES
    ).exclude(kind=ObligationKind.RECEIPT).order_by("due_at", "id")
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
        obligation_meet(obligation, report=report, at=effective_at, now=now)
        met.append(obligation)
    return met


def followup_schedule(
    *, rulebook: Rulebook, incident: Incident, unit: Unit, basis_at: datetime, now: datetime
) -> Obligation | None:
    """Keep exactly one pending follow-up clock while the incident is open, due ``interval`` after ``basis_at``."""
    if not incident.is_open:
        return None
    grade = incident.severity.grade
    pending = Obligation.objects.select_for_update().filter(
        incident=incident, unit=unit, kind=ObligationKind.FOLLOWUP, state=ObligationState.PENDING
    ).first()
    due = followup_due(rulebook, grade, basis_at)
    rule = f"{rulebook.ref}/{rulebook.followup.id}"
    if pending is not None:
        pending.anchor_at, pending.due_at, pending.rule = basis_at, due, rule
        obligations_reevaluate([pending], now)
        transaction.on_commit(wakeup.notify)
        return pending
    number = Obligation.objects.filter(incident=incident, unit=unit, kind=ObligationKind.FOLLOWUP).count() + 1
    planned = PlannedClock(key=f"followup:{number}", kind=ObligationKind.FOLLOWUP, due_at=due, rule=rule,
                           anchor_at=basis_at)
    obligation, _ = obligation_upsert(
        incident=incident, unit=unit, planned=planned, key=incident_key(incident, f"{unit.code}:followup:{number}"),
        now=now,
    )
    return obligation


def followups_regrade(*, rulebook: Rulebook, incident: Incident, now: datetime) -> None:
    """A new grade changes the follow-up cadence of the clock that is still running."""
    for pending in Obligation.objects.select_for_update().filter(
        incident=incident, kind=ObligationKind.FOLLOWUP, state=ObligationState.PENDING
    ):
        pending.due_at = followup_due(rulebook, incident.severity.grade, pending.anchor_at)
        obligations_reevaluate([pending], now)
    transaction.on_commit(wakeup.notify)


def obligations_close_for_handled(*, incident: Incident, actor: User | None, now: datetime) -> list[Obligation]:
    """Handling finished: follow-up clocks not yet due stop (waived by the system, with the reason)."""
    stopped = list(
        Obligation.objects.select_for_update().filter(
            incident=incident, kind=ObligationKind.FOLLOWUP, state=ObligationState.PENDING
        )
    )
    for obligation in stopped:
        obligation.state = ObligationState.WAIVED
        obligation.waived_reason = "处置结束，续报时钟停止 (handling finished; follow-up clock stopped)"
        obligation.waived_at = now
        obligation.waived_by = actor
        obligation.save(update_fields=["state", "waived_reason", "waived_at", "waived_by"])
    return stopped


def audit_obligation(obligation: Obligation, *, action: str, actor: User | None, now: datetime,
                     extra: dict[str, object] | None = None) -> None:
    audit_record(
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
