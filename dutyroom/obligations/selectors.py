"""Reading a clock. States are evaluated at read time, so the API, the board and the incident page show the
same clock to the second even before the worker has written the overdue transition."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dutyroom.common.engine.prepared import PreparedRead
from dutyroom.common.engine.sql import table_by_index
from dutyroom.common.timefmt import iso_local
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.models import CITY_DUTY_ROOM
from dutyroom.rules import ObligationKind, ObligationState, evaluate

# The open states as SQL literals, for the partial indexes over open clocks (see ``open_clock_incident_ids``).
OPEN_STATES_SQL = ", ".join(f"'{state.value}'" for state in (ObligationState.PENDING, ObligationState.OVERDUE))


def obligation_view(obligation: Obligation, now: datetime) -> dict[str, Any]:
    state, late_by = obligation.state, obligation.late_by_seconds
    if state in (ObligationState.PENDING, ObligationState.OVERDUE):
        result = evaluate(obligation.due_at, obligation.met_at, now)
        state, late_by = result.state.value, result.late_by_seconds
    return {
        "id": obligation.pk,
        "incident": obligation.incident_id,
        "unit": obligation.unit.code,
        "owed_to": obligation.owed_to or CITY_DUTY_ROOM,
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


# An incident's clocks with their units, deadline first, as every incident page and API answer lists them:
# compiled once (compiling took longer than reading a dozen clocks).
_INCIDENT_CLOCKS = PreparedRead(
    lambda incident_id: (
        Obligation.objects.filter(incident_id=incident_id).select_related("unit").order_by("due_at", "id")
    ),
    1_000_000_001,
)


def incident_clocks(incident_id: int) -> list[Obligation]:
    """The incident's clocks, each with its unit, by deadline."""
    return _INCIDENT_CLOCKS(incident_id)


def open_clock_incident_ids() -> list[int]:
    """Incidents with a clock still running, in due order, read from the partial index ``obligation_open_due``.

    The states are written into the SQL as literals on purpose: SQLite uses a partial index only when it can
    prove the query's WHERE implies the index's, which a bound parameter never does. Through the ORM (bound
    ``IN (%s, %s)``) SQLite scanned a covering index of every clock ever kept: 0.7–1 s a board at ten million
    clocks (`make bench ONLY=scale`); with literals it reads the few open ones. The values are code constants.
    """
    from django.db import connection

    table = connection.ops.quote_name(Obligation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT incident_id FROM {table} WHERE state IN ({OPEN_STATES_SQL}) "
            "AND incident_id IS NOT NULL ORDER BY due_at, id"
        )
        return [row[0] for row in cursor.fetchall()]


def _ladder_where() -> str:
    """Open clocks with a next look: the partial index ``obligation_ladder_due``, with literal states for SQLite's
    planner as above."""
    return f"ladder_at IS NOT NULL AND state IN ({OPEN_STATES_SQL})"


def _ladder_table() -> str:
    """The table, on SQLite with its index named: even with literal states SQLite's planner preferred
    ``obligation_state_due`` (state = …) and sorted every open clock — 20 ms a pass at 100,000 open clocks,
    in a loop that runs while a burst lasts; through the index it reads the few whose look has come."""
    return table_by_index(Obligation, "obligation_ladder_due")


def ladder_waiting_ids(now: datetime, *, limit: int) -> list[int]:
    """The clocks whose alert ladder needs a look by ``now``, oldest look first."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {_ladder_table()} WHERE ladder_at <= %s AND {_ladder_where()} ORDER BY ladder_at LIMIT %s",
            [now, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def ladder_first_at() -> datetime | None:
    """When the earliest next look is (the worker sleeps until then)."""
    first = list(
        Obligation.objects.raw(
            f"SELECT id, ladder_at FROM {_ladder_table()} WHERE {_ladder_where()} ORDER BY ladder_at LIMIT 1"
        )
    )
    return first[0].ladder_at if first else None
