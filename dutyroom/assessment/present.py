"""Findings, adoptions and assessment rows as plain JSON-able dicts (the API's shapes, reused by exports)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from dutyroom.assessment.models import Adoption, Finding
from dutyroom.assessment.scores import UnitRow
from dutyroom.common.timefmt import iso_local
from dutyroom.orgs.models import CITY_DUTY_ROOM
from dutyroom.rules.scoring import LedgerLine


def number(value: Decimal) -> int | float:
    """Scores and deltas as JSON numbers: whole numbers stay integers (100, not 100.0)."""
    return int(value) if value == value.to_integral_value() else float(value)


def finding_view(finding: Finding, now: datetime) -> dict[str, Any]:
    return {
        "id": finding.pk,
        "incident": finding.incident_id,
        "unit": finding.unit.code,
        "kind": finding.kind,
        "kind_label": finding.get_kind_display(),
        "state": finding.state,
        "state_label": finding.get_state_display(),
        "evidence": finding.evidence,
        "lead": finding.lead_id,
        "report": finding.report_id,
        "raised_by": finding.raised_by.username if finding.raised_by else None,
        "raised_at": iso_local(finding.raised_at),
        "appeal_due_at": iso_local(finding.appeal_due_at),
        "appeal_open": finding.state == "open" and now < finding.appeal_due_at,
        "appeal": {
            "text": finding.appeal_text,
            "by": finding.appealed_by.username if finding.appealed_by else None,
            "at": iso_local(finding.appealed_at),
        }
        if finding.appealed_at
        else None,
        "decision": {
            "upheld": finding.state == "upheld",
            "reason": finding.decision_reason,
            "by": finding.decided_by.username if finding.decided_by else None,
            "at": iso_local(finding.decided_at),
        }
        if finding.decided_at
        else None,
        "assessed_by": finding.room or CITY_DUTY_ROOM,
    }


def adoption_view(adoption: Adoption) -> dict[str, Any]:
    return {
        "id": adoption.pk,
        "incident": adoption.incident_id,
        "unit": adoption.unit.code,
        "by": adoption.by,
        "note": adoption.note,
        "recorded_at": iso_local(adoption.recorded_at),
        "recorded_by": adoption.recorded_by.username if adoption.recorded_by else None,
        "assessed_by": adoption.room or CITY_DUTY_ROOM,
    }


def line_view(line: LedgerLine) -> dict[str, Any]:
    return {
        "delta": number(line.delta),
        "reason": line.reason,
        "incident": line.incident,
        "kind": line.kind,
        "rule": line.rule,
        "source": line.source or None,
        "correction": line.correction,
        "at": iso_local(line.at),
    }


def row_view(row: UnitRow) -> dict[str, Any]:
    return {
        "unit": row.unit.code,
        "unit_name": row.unit.name,
        "group": row.group,
        "score": number(row.score),
        "grade": row.grade.label,
        "grade_id": row.grade.id,
        "rank": row.rank,
        "first_reports": dict(row.first_reports),
        # met in time but over a channel the rules forbid for the incident: due, never on time
        "first_reports_forbidden_channel": row.forbidden_channel_reports,
        "criticised": row.criticised,
        "grade_withheld": row.grade_withheld.label if row.grade_withheld else None,
        "on_time_rate": None if row.on_time_rate is None else round(row.on_time_rate, 4),
        "worst_delay_seconds": row.worst_delay_seconds,
        "verification_replies": dict(row.verification_replies),
        "followups_missing": row.followups_missing,
        "finals_missing": row.finals_missing,
        "findings": dict(row.findings),
        "adopted": row.adopted,
        "chases": row.chases,
        "points": [line_view(line) for line in row.points or ()],
    }
