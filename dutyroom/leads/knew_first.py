"""Who knew first, at every level of the chain of clocks (分级管理).

A duty room that learned of an incident before a unit owing it a report had reported holds a candidate against
that unit ("the unit knew and did not report"): the assessment of that duty room may turn it into a 迟报/漏报
finding. With only the city duty room the chain is the responsible unit owing the city, and a candidate is what
it always was: the city learned from a lead before the responsible unit's first report.

With duty rooms below the city a duty room learns first in two ways:

- it verifies a lead (the city's duty room, or a town's for its grid workers' leads): every unit on the chain
  from the responsible unit up to that duty room that had not reported by the lead's arrival is a candidate,
  each in the duty room it owed (a village that did not report in its town's; a town that did not pass on in
  the city's);
- a town's duty room reports the incident to the city before the unit below it reported it to the town (the
  town knew first): that unit is a candidate in the town's assessment. No lead is involved.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from dutyroom.incidents.models import Incident
from dutyroom.leads.models import EvidenceState, Lead, LeadEvidence
from dutyroom.notifications.services import outbox_emit
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.models import Unit
from dutyroom.orgs.selectors import duty_room_unit
from dutyroom.reports.models import Report
from dutyroom.rules import ObligationKind

FIRST_KINDS = (ObligationKind.FIRST_REPORT, ObligationKind.PHONE_REPORT, ObligationKind.WRITTEN_REPORT)


def chain_links(incident: Incident) -> list[tuple[int, str]]:
    """(unit id, the duty room it owes: a town's code or empty for the city) from the responsible unit upward,
    read from the first-report clocks the chain opened on the incident. A responsible unit holding no such clock
    owes the city, as before duty rooms below the city."""
    owed: dict[int, str] = {}
    for unit_id, owed_to in (
        Obligation.objects.filter(incident=incident, kind__in=FIRST_KINDS).values_list("unit_id", "owed_to").order_by()
    ):
        owed.setdefault(unit_id, owed_to)
    links = [(incident.unit_id, owed.get(incident.unit_id, ""))]
    seen = {incident.unit_id}
    while links[-1][1]:
        above = Unit.objects.filter(code=links[-1][1]).values_list("id", flat=True).first()
        if above is None or above in seen or above not in owed:
            break
        seen.add(above)
        links.append((above, owed[above]))
    return links


def _links_up_to(incident: Incident, room: str) -> list[tuple[int, str]]:
    """The links owing up to ``room`` (empty: the city, the whole chain); none if the room is not on it."""
    links = chain_links(incident)
    if not room:
        return links
    for i, (_unit, owed_to) in enumerate(links):
        if owed_to == room:
            return links[: i + 1]
    return []


def _first_report(incident_id: int, unit_id: int) -> Report | None:
    return (
        Report.objects.filter(incident_id=incident_id, unit_id=unit_id)
        .exclude(kind="verification_reply")
        .order_by("received_at")
        .first()
    )


def _first_clock(incident_id: int, unit_id: int, room: str) -> int | None:
    return (
        Obligation.objects.filter(incident_id=incident_id, unit_id=unit_id, owed_to=room, kind__in=FIRST_KINDS)
        .order_by("due_at")
        .values_list("id", flat=True)
        .first()
    )


def _room_unit(room: str) -> Unit:
    found = Unit.objects.filter(code=room).first() if room else None
    return found if found is not None else duty_room_unit()


def _announce(evidence: LeadEvidence, unit_code: str, now: datetime) -> None:
    outbox_emit(
        topic="lead.evidence",
        units=[_room_unit(evidence.room)],
        at=now,
        incident_id=evidence.incident_id,
        sensitive=True,
        payload={"lead": evidence.lead_id, "incident": evidence.incident_id, "unit": unit_code, "kind": evidence.kind},
    )


def evidence_for_lead(*, lead: Lead, incident: Incident, room: str, now: datetime) -> list[LeadEvidence]:
    """The candidates a lead verified by ``room`` (a town's code, empty for the city) gives: responsible unit
    first."""
    made = []
    codes = dict(Unit.objects.filter(pk__in=[u for u, _o in chain_links(incident)]).values_list("id", "code"))
    for unit_id, owed_to in _links_up_to(incident, room):
        first = _first_report(incident.pk, unit_id)
        if first is not None and first.received_at <= lead.received_at:
            continue
        evidence = LeadEvidence.objects.create(
            incident=incident,
            lead=lead,
            unit_id=unit_id,
            room=owed_to,
            lead_received_at=lead.received_at,
            first_report_at=first.received_at if first else None,
            obligation_id=_first_clock(incident.pk, unit_id, owed_to),
            kind="late" if first else "omitted",
            state=EvidenceState.CANDIDATE,
            created_at=now,
        )
        _announce(evidence, codes.get(unit_id, ""), now)
        made.append(evidence)
    return made


def evidence_from_town_reports(*, now: datetime, after_report: int = 0, up_to_report: int | None = None) -> int:
    """Candidates from reports of a town's duty room that came before the report of a unit below it (the town
    knew first). Idempotent (one candidate per incident, unit and duty room without a lead), so any number of
    workers may run it; ``after_report``/``up_to_report`` bound the report ids looked at. Returns how many were
    made. With no duty room below the city the query finds nothing."""
    reports = (
        Report.objects.filter(id__gt=after_report, unit__duty_room=True, incident__isnull=False)
        .exclude(kind="verification_reply")
        .select_related("unit", "incident")
        .order_by("id")
    )
    if up_to_report is not None:
        reports = reports.filter(id__lte=up_to_report)
    made = 0
    for report in reports:
        room = report.unit
        incident = report.incident
        if not room.runs_local_duty_room or incident is None or incident.exercise:
            continue
        below = (
            Obligation.objects.filter(incident=incident, owed_to=room.code, kind__in=FIRST_KINDS)
            .exclude(unit=room)
            .values_list("unit_id", "unit__code")
            .distinct()
        )
        for unit_id, code in below:
            first = _first_report(incident.pk, unit_id)
            if first is not None and first.received_at <= report.received_at:
                continue
            try:
                with transaction.atomic():
                    evidence = LeadEvidence.objects.create(
                        incident=incident,
                        lead=None,
                        unit_id=unit_id,
                        room=room.code,
                        lead_received_at=report.received_at,
                        first_report_at=first.received_at if first else None,
                        obligation_id=_first_clock(incident.pk, unit_id, room.code),
                        kind="late" if first else "omitted",
                        state=EvidenceState.CANDIDATE,
                        created_at=now,
                    )
                    _announce(evidence, code, now)
            except IntegrityError:
                continue  # another worker (or an earlier report of the town) made it
            made += 1
    return made
