"""Clock services that need to know incidents and reports: which clocks a report meets, and the overdue sweep's
follow-up roll-over (an overdue follow-up starts the next period's clock under the incident's rulebook).

The clocks engine (``dutyroom.obligations``) sits below incidents and reports and knows neither; the rules that
join them live here, on the reports floor. The sweep itself, which also alerts people (a floor above), is
``worker.sweep``: nothing here calls above it.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from dutyroom.common.engine.prepared import PreparedRead
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
    # locked in id order (the global order: the incident, which the caller holds, then its clocks by id), met
    # oldest deadline first
    if report.verification_request_id is None:
        open_clocks = _OPEN_CLOCKS(incident.pk, report.unit_id)
    else:  # a request may concern no incident at all
        scope = Q(incident=incident, unit_id=report.unit_id) | Q(
            verification_request_id=report.verification_request_id, unit_id=report.unit_id
        )
        open_clocks = list(_open_clocks(scope))
    candidates = sorted(open_clocks, key=lambda o: (o.due_at, o.pk))
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


def _open_clocks(scope: Q) -> QuerySet[Obligation]:
    return (
        Obligation.objects.select_for_update()
        .filter(scope, state__in=engine.OPEN_STATES)
        .exclude(kind=ObligationKind.RECEIPT)
        .order_by("id")
    )


# Every report reads its unit's open clocks on the incident: compiled once (compiling cost more than reading).
_OPEN_CLOCKS = PreparedRead(
    lambda incident_id, unit_id: _open_clocks(Q(incident_id=incident_id, unit_id=unit_id)),
    1_000_000_001,
    1_000_000_002,
)


def followups_next(fired: list[Obligation], now: datetime) -> None:
    """A silent unit owes one follow-up per period: each overdue follow-up starts the next period's clock. The
    incidents' rulebooks are read once each (the sweep's batch does not load their text)."""
    followups = [o for o in fired if o.kind == ObligationKind.FOLLOWUP and o.incident is not None]
    snapshots = RulebookSnapshot.objects.in_bulk({o.incident.rulebook_id for o in followups if o.incident})
    for obligation in followups:
        assert obligation.incident is not None
        obligation.incident.rulebook = snapshots[obligation.incident.rulebook_id]
        _next_followup(obligation, now)


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
