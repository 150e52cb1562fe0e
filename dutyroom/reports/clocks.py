"""Clock services that need to know incidents and reports: which clocks a report meets, and firing overdue.

The clocks engine (``dutyroom.obligations``) sits below incidents and reports and knows neither; the rules
that join them live here, on the reports floor, and the worker calls them.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from dutyroom.audit.services import audit_record_many
from dutyroom.incidents.models import Incident
from dutyroom.incidents.rulebooks import rulebook_of
from dutyroom.obligations import engine
from dutyroom.obligations.models import Obligation
from dutyroom.reports.models import Report
from dutyroom.rules import ObligationKind, ObligationState, ReportKind, Rulebook, report_meets


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
        scope, state__in=engine.OPEN_STATES
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
        engine.obligation_meet(obligation, report_id=report.pk, at=effective_at, now=now)
        met.append(obligation)
    return met


class _Raced(Exception):
    """A clock of the batch changed under the sweep: roll the batch back and fire one by one."""


def obligations_fire_overdue(obligation_ids: list[int], now: datetime) -> list[Obligation]:
    """Fire a batch of due clocks at once: one compare-and-set UPDATE and one INSERT of audit entries (issue 7's
    burst: a transaction and seven statements per clock could not keep up with 1,700 a second).

    The caller holds the batch: on PostgreSQL its rows are locked ``FOR UPDATE SKIP LOCKED`` in this transaction,
    on SQLite the IMMEDIATE transaction is the only writer, so the UPDATE changes exactly the rows read. Should
    it not (a clock met or fired meanwhile), the batch's savepoint is rolled back and each clock goes through
    the one-by-one compare-and-set instead, so exactly-once holds either way.

    Returns the clocks this call fired (unit and incident loaded). The caller tells people, in the same
    transaction: the worker writes each flip's overdue alert (unit and duty room) beside it. Until stop 7 each flip
    also wrote two ``obligation.overdue`` outbox events, one for the unit and one for the duty room, that nothing
    read once the alert ladder owned that notice (forwarding and the board ignore the topic): at 1,700 flips a
    second they were a fifth of the rows written.
    """
    try:
        with transaction.atomic():
            return _fire_batch(obligation_ids, now)
    except _Raced:
        fired = (obligation_fire_overdue(obligation_id, now) for obligation_id in obligation_ids)
        return [obligation for obligation in fired if obligation is not None]


def _fire_batch(obligation_ids: list[int], now: datetime) -> list[Obligation]:
    due = list(Obligation.objects.select_related("unit", "incident", "incident__rulebook")
               .filter(id__in=obligation_ids, state=ObligationState.PENDING, due_at__lte=now).order_by("due_at", "id"))
    if not due:
        return []
    claimed = Obligation.objects.filter(id__in=[o.pk for o in due], state=ObligationState.PENDING).update(
        state=ObligationState.OVERDUE, overdue_at=now)
    if claimed != len(due):
        raise _Raced
    for obligation in due:
        obligation.state, obligation.overdue_at = ObligationState.OVERDUE, now
    audit_record_many([engine.obligation_audit(o, action="obligation.overdue", actor=None, now=now) for o in due])
    for obligation in due:
        _next_followup(obligation, now)
    return due


def _next_followup(obligation: Obligation, now: datetime) -> None:
    """A silent unit owes one follow-up per period: an overdue follow-up starts the next period's clock."""
    if obligation.kind == ObligationKind.FOLLOWUP and obligation.incident is not None:
        engine.followup_schedule(rulebook=rulebook_of(obligation.incident.rulebook), incident=obligation.incident,
                                 unit=obligation.unit, basis_at=obligation.due_at, now=now)


def obligation_fire_overdue(obligation_id: int, now: datetime) -> Obligation | None:
    """Turn one due clock overdue exactly once (compare-and-set) and audit it; the caller alerts (see above).

    Returns the clock, or None when another worker fired it or a report met it first.
    """
    with transaction.atomic():
        obligation = engine.obligation_claim_overdue(obligation_id, now)
        if obligation is None:
            return None
        _next_followup(obligation, now)
    return obligation
