"""What a report costs the database, through the real API: a follow-up is the most frequent write of a busy day,
and every statement it runs holds the writer (SQLite) or a connection (PostgreSQL) a little longer. The counts are
pinned so that a change which adds a read to the write path shows here, with the statements listed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.test_incidents import incident_body, written

pytestmark = pytest.mark.django_db

# Per engine, counting the token read and every statement of the write, but not the savepoints: the test runs
# inside a transaction, so the service's transaction shows as SAVEPOINT/RELEASE here where a real request runs
# BEGIN/COMMIT (not counted either, by the bench). A follow-up: the token, the incident read and locked, the
# report, its unit's open clocks read and the one met, the duty rooms, the new clocks (receipt and next
# follow-up) in one INSERT, the incident's UPDATE (with its follow-up count), the audit entry, the outbox events.
FOLLOWUP_STATEMENTS = {"sqlite": 10, "postgresql": 10}
CREATE_STATEMENTS = {"sqlite": 14, "postgresql": 14}


SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def counted(call: Callable[[], Any]) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return response, [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(SAVEPOINTS)]


def listing(statements: list[str]) -> str:
    return "\n".join(f"{n + 1:2}. {sql[:200]}" for n, sql in enumerate(statements))


def test_a_followup_costs_a_fixed_small_number_of_statements(api: Callable[[str], Any]) -> None:
    client = api("shaxi-reporter")
    created = client.post("/incidents", incident_body(report=written())).json_body
    client.post(f"/incidents/{created['id']}/reports", {"kind": "followup", "summary": "续报一"})
    response, statements = counted(
        lambda: client.post(f"/incidents/{created['id']}/reports", {"kind": "followup", "summary": "续报二"})
    )
    assert response.status_code == 201, response.json_body
    assert response.json_body["number"] == 2  # numbered without counting, still in order
    assert len(statements) == FOLLOWUP_STATEMENTS[connection.vendor], listing(statements)


def test_the_first_report_with_its_incident_costs_a_fixed_number_of_statements(api: Callable[[str], Any]) -> None:
    client = api("shaxi-reporter")
    client.post("/incidents", incident_body(report=written()))  # the first of the day warms nothing it may keep
    response, statements = counted(lambda: client.post("/incidents", incident_body(report=written())))
    assert response.status_code == 201, response.json_body
    assert len(statements) == CREATE_STATEMENTS[connection.vendor], listing(statements)
