"""Reading a clock. States are evaluated at read time, so the API, the board and the incident page show the
same clock to the second even before the worker has written the overdue transition."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dutyroom.common.timefmt import iso_local
from dutyroom.obligations.models import Obligation
from dutyroom.rules import ObligationKind, ObligationState, evaluate


def obligation_view(obligation: Obligation, now: datetime) -> dict[str, Any]:
    state, late_by = obligation.state, obligation.late_by_seconds
    if state in (ObligationState.PENDING, ObligationState.OVERDUE):
        result = evaluate(obligation.due_at, obligation.met_at, now)
        state, late_by = result.state.value, result.late_by_seconds
    return {
        "id": obligation.pk,
        "incident": obligation.incident_id,
        "unit": obligation.unit.code,
        "kind": obligation.kind,
        "kind_label": ObligationKind(obligation.kind).label_zh,
        "due_at": iso_local(obligation.due_at),
        "state": state,
        "state_label": ObligationState(state).label_zh,
        "met_at": iso_local(obligation.met_at),
        "late_by_seconds": late_by,
        "rule": obligation.rule,
        "anchor_at": iso_local(obligation.anchor_at),
        "report": obligation.report_id,
        "verification_request": obligation.verification_request_id,
        "waived_reason": obligation.waived_reason or None,
    }
