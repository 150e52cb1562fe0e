"""Turning rows into the API's JSON. Obligation states are evaluated at read time, so every reader
sees the same clock to the second even before the worker has written the transition."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dutyroom.common.timefmt import iso_local
from dutyroom.incidents.models import Incident
from dutyroom.leads.views import learned_from_leads
from dutyroom.obligations.selectors import incident_clocks, obligation_view
from dutyroom.reports.models import Report, VerificationRequest
from dutyroom.rules import FIGURE_FIELDS


def report_view(report: Report) -> dict[str, Any]:
    return {
        "id": report.pk,
        "incident": report.incident_id,
        "unit": report.unit.code,
        "kind": report.kind,
        "channel": report.channel,
        "number": report.number,
        "summary": report.summary,
        # each figure the report did not state is null (unknown), never 0
        "casualties": {
            "deaths": report.deaths,
            "missing": report.missing,
            "trapped": report.trapped,
            "serious_injuries": report.serious_injuries,
            "injuries": report.injuries,
            "evacuated": report.evacuated,
        }
        if report.has_figures
        else None,
        "direct_loss_cny": str(report.direct_loss_cny) if report.direct_loss_cny is not None else None,
        "measures": report.measures,
        "trend": report.trend,
        "signer": report.signer,
        "contact_name": report.contact_name,
        "contact_phone": report.contact_phone,
        "verification_request": report.verification_request_id,
        "called_at": iso_local(report.called_at),
        "received_at": iso_local(report.received_at),
        "confirmed_at": iso_local(report.confirmed_at),
        "confirmed_by": report.confirmed_by.username if report.confirmed_by else None,
        "forbidden_channel": report.forbidden_channel,
        "submitted_by": report.submitted_by.username if report.submitted_by else None,
    }


def incident_view(
    incident: Incident,
    now: datetime,
    *,
    with_reports: bool = False,
    reports: list[Report] | None = None,
    learned: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The incident as the API answers it. ``reports`` and ``learned`` (with ``with_reports``): the caller has
    them in hand (an incident opened in this request: the report it filed, and no lead yet), so they are not
    read again."""
    obligations = incident_clocks(incident.pk)
    body: dict[str, Any] = {
        "id": incident.pk,
        "title": incident.title,
        "category": incident.category,
        "subtype": incident.subtype,
        "grade": incident.grade,
        "suggested_grade": incident.suggested_grade,
        "grade_basis": incident.grade_basis,
        # the figures behind the suggestion: each the latest value a report gave, null while none has
        "figures": {name: (incident.figures or {}).get(name) for name in FIGURE_FIELDS},
        "sensitive": incident.sensitive,
        "may_escalate": incident.may_escalate,
        "hotspot": incident.hotspot,
        "exercise": incident.exercise,
        "occurred_at": iso_local(incident.occurred_at),
        "learned_at": iso_local(incident.learned_at),
        "unit": incident.unit.code,
        "location": {
            "area": incident.area.code if incident.area else None,
            "address": incident.address,
            "lat": incident.lat,
            "lon": incident.lon,
        },
        "classification": incident.classification,
        "classified_stub": incident.classified_stub,
        "state": incident.state,
        "handled_at": iso_local(incident.handled_at),
        "rulebook": incident.rulebook.ref,
        "created_at": iso_local(incident.created_at),
        "updated_at": iso_local(incident.updated_at),
        "obligations": [obligation_view(o, now) for o in obligations],
    }
    if with_reports:
        if reports is None:
            reports = list(incident.reports.select_related("unit", "confirmed_by", "submitted_by"))
        body["reports"] = [report_view(r) for r in reports]
        _add_lead_facts(body, incident, learned)
    return body


def _add_lead_facts(body: dict[str, Any], incident: Incident, learned: list[dict[str, Any]] | None) -> None:
    """Who knew first: "learned from lead N at T" on the incident and on the unit's first-report obligation."""
    if learned is None:
        learned = learned_from_leads(incident.pk)
    body["learned_from_leads"] = learned
    for obligation in body["obligations"]:
        obligation["learned_from_lead"] = next((f for f in learned if f["obligation"] == obligation["id"]), None)


def verification_request_view(request: VerificationRequest, now: datetime) -> dict[str, Any]:
    obligation = request.obligations.select_related("unit").first()
    return {
        "id": request.pk,
        "unit": request.unit.code,
        "authority": request.authority,
        "question": request.question,
        "incident": request.incident_id,
        "due_at": iso_local(request.due_at),
        "created_at": iso_local(request.created_at),
        "obligation": obligation_view(obligation, now) if obligation else None,
    }
