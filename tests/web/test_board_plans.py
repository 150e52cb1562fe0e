"""Every query of the board reads what is open or what happened today, never the history: a city keeps years of
settled clocks and closed incidents, and a board that visits them grows slower every day it is used. Each query
the board page, board.json and an incident's page run is EXPLAINed, as it ran (its parameters bound), on a
database with thousands of clocks settled on earlier days, and a plan that walks history (a scan of the clocks or
incidents, whole or by an index of them all, or the (state, due_at) index for every late clock ever) fails."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client

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


def board_selects(client: Client, url: str) -> list[tuple[str, Any]]:
    """Every SELECT the page runs, as it ran: the SQL with its parameters bound, not the logged SQL with values
    filled in (SQLite matches a partial index only against literal terms, so the two can plan differently)."""
    ran: list[tuple[str, Any]] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        ran.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert client.get(url).status_code == 200
    return [(sql, params) for sql, params in ran if sql.lstrip().upper().startswith("SELECT")]


def plan(sql: str, params: Any) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


# Indexes of open clocks (or of today's late ones) only: scanning one is bounded by what is open, not by history.
BOUNDED = (
    "obligation_open_due|obligation_open_incident|obligation_late_met|obligation_pending_due|obligation_ladder_due"
)
# On SQLite: a SCAN of clocks or incidents (by their table name, or by the alias a subquery gives them, such as
# V0), whole or through an index of every row, unless the index holds open clocks only; on PostgreSQL a
# sequential scan. Other tables a subquery names (a town's verification requests, V3) are not history.
HISTORY_TABLES = ("reports_obligation", "incidents_incident")
SQLITE_SCAN = r"SCAN ({tables})\b(?! USING (COVERING )?INDEX ({bounded})\b)"
PG_SCAN = re.compile(r"Seq Scan on (reports_obligation|incidents_incident)\b")
ALIAS = re.compile(r'"(\w+)" ([A-Z]\d+)\b')


def whole_table_scan(sql: str, explained: str) -> bool:
    if connection.vendor == "postgresql":  # EXPLAIN names the table itself, whatever its alias
        return bool(PG_SCAN.search(explained))
    aliases = [alias for table, alias in ALIAS.findall(sql) if table in HISTORY_TABLES]
    scan = SQLITE_SCAN.format(tables="|".join([*HISTORY_TABLES, *aliases]), bounded=BOUNDED)
    return bool(re.search(scan, explained))


# The (state, due_at) index looked up by a settled state (every late clock ever) rather than by the open ones.
BY_SETTLED_STATE = re.compile(r"\"state\" = '(late|met|waived)'")
STATE_INDEX = re.compile(r"obligation_state_due")


def reads_history(sql: str, explained: str) -> bool:
    return bool(whole_table_scan(sql, explained) or (BY_SETTLED_STATE.search(sql) and STATE_INDEX.search(explained)))


def analyse() -> None:
    """Statistics as a deployed database has them (the planner then knows how few clocks are open)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# Without statistics (a new database) and with them (any deployed one): a plan must be bounded either way.
@pytest.mark.parametrize("analysed", [False, True], ids=["fresh", "analysed"])
@pytest.mark.parametrize("url", ["/", "/board.json", "/incidents/{today}/"])
def test_no_board_query_reads_the_history(login: Callable[[str], Client], url: str, analysed: bool) -> None:
    today = [incident_make(minutes_ago=5 + n, title=f"今日事件{n}", written=True) for n in range(3)]
    settled_history()
    if analysed:
        analyse()
    client = login("duty-officer")
    walking = []
    for sql, params in board_selects(client, url.format(today=today[0].pk)):
        if "reports_obligation" not in sql and "incidents_incident" not in sql:
            continue
        explained = plan(sql, params)
        if reads_history(sql, explained):
            walking.append(f"{sql[:300]}\n  -> {explained}")
    assert not walking, "\n\n".join(walking)


def test_the_check_tells_a_walk_of_history_from_a_bounded_plan(db: None) -> None:
    """The check itself: scans of clocks or incidents, by name or by a subquery's alias, fail; an index of open
    clocks, or a scan of a small table a subquery joins, does not."""
    subquery = 'EXISTS(SELECT 1 FROM "reports_obligation" U0 LEFT JOIN "reports_verificationrequest" V3 ON 1)'
    if connection.vendor == "sqlite":
        cases = [
            (subquery, "SCAN U0", True),
            (subquery, "SCAN V3 LEFT-JOIN", False),
            ("", "SCAN reports_obligation USING INDEX obligation_assessment_cover", True),
            ("", "SCAN reports_obligation USING INDEX obligation_open_due", False),
        ]
    else:
        cases = [
            (subquery, "Seq Scan on reports_obligation u0", True),
            (subquery, "Seq Scan on reports_verificationrequest v3", False),
        ]
    assert [whole_table_scan(sql, explained) for sql, explained, _ in cases] == [want for *_, want in cases]
