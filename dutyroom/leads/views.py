"""Leads as the API and the pages show them (docs/api.md): one shape for both faces."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dutyroom.common.timefmt import iso_local
from dutyroom.leads.models import Lead, LeadEvidence, WatchTerm
from dutyroom.obligations.selectors import obligation_view
from dutyroom.reports.models import Report

_iso = iso_local


def evidence_view(evidence: LeadEvidence) -> dict[str, Any]:
    """ "Learned from lead N at T", with the unit's first report as it stands now (it may come later)."""
    first = (
        Report.objects.filter(incident_id=evidence.incident_id, unit_id=evidence.unit_id)
        .exclude(kind="verification_reply")
        .order_by("received_at")
        .first()
    )
    return {
        "lead": evidence.lead_id,
        "incident": evidence.incident_id,
        "unit": evidence.unit.code,
        "lead_received_at": _iso(evidence.lead_received_at),
        "first_report_at": _iso(first.received_at) if first else None,
        "lead_first_by_seconds": int((first.received_at - evidence.lead_received_at).total_seconds())
        if first
        else None,
        "obligation": evidence.obligation_id,
        "kind": "late" if first else "omitted",
        "state": evidence.state,
        "room": evidence.room,  # the duty room that learned first: a town's code, empty for the city's
    }


def lead_view(lead: Lead, now: datetime, *, detail: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": lead.pk,
        "channel": lead.channel,
        "title": lead.title,
        "text": lead.text,
        "url": lead.url,
        "occurred_at": _iso(lead.occurred_at),
        "received_at": _iso(lead.received_at),
        "area": lead.area.code if lead.area else None,
        "address": lead.address,
        "source": lead.source,
        "state": lead.state,
        "verifier_unit": lead.verifier_unit.code if lead.verifier_unit else None,
        "incident": lead.incident_id,
        "duplicate_of": lead.duplicate_of_id,
        "reason": lead.outcome_reason,
        "watch_level": lead.watch_level,
        "verified_at": _iso(lead.verified_at),
        "duplicates": [
            {"id": d.pk, "incident": d.incident_id, "lead": d.other_id, "score": d.score, "state": d.state}
            for d in lead.duplicates.all()
        ],
        "watch_hits": [
            {"term": h.term_text, "kind": h.kind, "level": h.level, "count": h.count} for h in lead.watch_hits.all()
        ],
    }
    if detail:
        body["verifiers"] = [
            {"unit": v.unit.code, "obligation": obligation_view(v.obligation, now)}
            for v in lead.verifiers.select_related("unit", "obligation", "obligation__unit")
        ]
        body["photos"] = [{"id": p.pk, "content_type": p.content_type, "size": p.size} for p in lead.photos.all()]
        # the responsible unit's candidate (the first made); units above it on the chain may have their own
        evidence = LeadEvidence.objects.filter(lead=lead).select_related("unit").order_by("id").first()
        body["evidence"] = evidence_view(evidence) if evidence else None
        body["raw_type"] = lead.raw_type
    return body


def watch_term_view(term: WatchTerm, now: datetime) -> dict[str, Any]:
    in_period = term.starts_at is not None or term.ends_at is not None
    active = (
        in_period
        and (term.starts_at is None or term.starts_at <= now)
        and (term.ends_at is None or now <= term.ends_at)
    )
    return {
        "id": term.pk,
        "term": term.term,
        "kind": term.kind,
        "starts_at": _iso(term.starts_at),
        "ends_at": _iso(term.ends_at),
        "period_active": active,
    }


def learned_from_leads(incident_id: int) -> list[dict[str, Any]]:
    """ "Learned from lead N at T" for an incident: every confirmed lead that became or joined it before the
    responsible unit's first report (the who-knew-first evidence), earliest first, with the unit's
    first-report obligation it bears on."""
    rows = (
        LeadEvidence.objects.filter(incident_id=incident_id, lead__isnull=False)
        .select_related("unit")
        .order_by("lead_received_at", "id")
    )
    return [
        {
            "lead": e.lead_id,
            "at": _iso(e.lead_received_at),
            "unit": e.unit.code,
            "obligation": e.obligation_id,
            "kind": view["kind"],
            "state": e.state,
            "room": e.room,
        }
        for e in rows
        for view in [evidence_view(e)]
    ]
