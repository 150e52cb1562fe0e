"""Every query of the board reads what is open or what happened today, never the history: a city keeps years of
settled clocks and closed incidents, and a board that visits them grows slower every day it is used. Each query
the board page and board.json run is EXPLAINed on a database with thousands of clocks settled on earlier days,
and a plan that walks history (a whole-table scan, or the (state, due_at) index for every late clock ever) fails."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dutyroom.common.clock import now as clock_now
from dutyroom.incidents.models import Incident
from dutyroom.obligations.models import Obligation
from dutyroom.rules import ObligationKind, ObligationState
from tests.web.conftest import incident_make

pytestmark = pytest.mark.django_db

HISTORY = 3000


def copy(incident: Incident, n: int) -> Incident:
    clone = Incident.objects.get(pk=incident.pk)
    clone.pk = None
    clone.title = f"旧事件{n}"
    return clone


def settled_history() -> None:
    """Clocks met on time and late on earlier days, on closed incidents (as a city has by the thousand)."""
    old = incident_make("liuhe-reporter", minutes_ago=60 * 24 * 3, title="旧事件")
    old.state = "closed"
    old.save(update_fields=["state"])
    unit = old.unit
    day = clock_now() - timedelta(days=2)
    closed = Incident.objects.bulk_create(copy(old, n) for n in range(HISTORY))
    Obligation.objects.bulk_create(
        Obligation(
            key=f"history:{n}",
            incident=closed[n],
            unit=unit,
            kind=ObligationKind.FOLLOWUP,
            state=ObligationState.LATE if n % 2 else ObligationState.MET,
            due_at=day - timedelta(minutes=n),
            anchor_at=day - timedelta(minutes=n + 60),
            met_at=day - timedelta(minutes=n - 5),
            late_by_seconds=300 if n % 2 else 0,
            rule="taicang-2017@2/followup",
            created_at=day,
        )
        for n in range(HISTORY)
    )
    # no ANALYZE: a plan must be bounded by what the query says, not by statistics a database may not have yet


def board_selects(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]


def plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


# On SQLite: a plain SCAN of clocks or incidents; on PostgreSQL a sequential scan of either table.
WHOLE_TABLE = {
    "sqlite": re.compile(r"SCAN (reports_obligation|incidents_incident)\b(?! USING)"),
    "postgresql": re.compile(r"Seq Scan on (reports_obligation|incidents_incident)\b"),
}
# The (state, due_at) index looked up by a settled state (every late clock ever) rather than by the open ones.
BY_SETTLED_STATE = re.compile(r"\"state\" = '(late|met|waived)'")
STATE_INDEX = re.compile(r"obligation_state_due")


def reads_history(sql: str, explained: str) -> bool:
    return bool(
        WHOLE_TABLE[connection.vendor].search(explained)
        or (BY_SETTLED_STATE.search(sql) and STATE_INDEX.search(explained))
    )


@pytest.mark.parametrize("url", ["/", "/board.json"])
def test_no_board_query_reads_the_history(login: Callable[[str], Client], url: str) -> None:
    for n in range(3):
        incident_make(minutes_ago=5 + n, title=f"今日事件{n}", written=True)
    settled_history()
    client = login("duty-officer")
    walking = []
    for sql in board_selects(client, url):
        if "reports_obligation" not in sql and "incidents_incident" not in sql:
            continue
        explained = plan(sql)
        if reads_history(sql, explained):
            walking.append(f"{sql[:300]}\n  -> {explained}")
    assert not walking, "\n\n".join(walking)
