"""Clock services that need to know incidents and reports: which clocks a report meets, and firing overdue.

The clocks engine (``dutyroom.obligations``) sits below incidents and reports and knows neither; the rules
that join them live here, on the reports floor, and the worker calls them.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from dutyroom.incidents.access import is_protected
from dutyroom.incidents.models import Incident
from dutyroom.incidents.rulebooks import rulebook_of
from dutyroom.notifications.services import outbox_emit
from dutyroom.obligations import engine
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.models import Unit
from dutyroom.reports.models import Report
from dutyroom.rules import ObligationKind, ReportKind, Rulebook, report_meets


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


def obligation_fire_overdue(obligation_id: int, now: datetime, duty_room: Unit) -> bool:
    """Turn one due clock overdue exactly once (compare-and-set), audit it, tell the unit and the duty room.

    A silent unit owes one follow-up per period, so an overdue follow-up starts the next period's clock.
    """
    with transaction.atomic():
        obligation = engine.obligation_claim_overdue(obligation_id, now)
        if obligation is None:
            return False  # another worker fired it, or a report met it first
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
            engine.followup_schedule(rulebook=rulebook_of(incident.rulebook), incident=incident,
                                     unit=obligation.unit, basis_at=obligation.due_at, now=now)
    return True
