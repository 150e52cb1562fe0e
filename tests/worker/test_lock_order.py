"""A late first report races the sweep that turns its clock overdue: both must commit, on every engine.

On PostgreSQL the request used to lock the incident (FOR UPDATE) and then wait for its clock, while the sweep
held the clock and, writing the overdue alert and audit entry that name the incident, waited for the incident's
key share: a deadlock, and the unit's report answered 500. Real concurrent transactions, raced many times.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections

from dutyroom.accounts.models import User
from dutyroom.incidents.models import Incident
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.obligations.models import Obligation
from dutyroom.reports.models import Report
from dutyroom.reports.services import ReportInput, report_submit
from dutyroom.worker.loop import obligations_sweep

pytestmark = pytest.mark.django_db(transaction=True)

# hundreds where the race is real (PostgreSQL's row locks); SQLite's one writer serialises them anyway
RACES = 200 if connection.vendor == "postgresql" else 20


def late_incident(reporter: User, n: int) -> int:
    now = datetime.now(UTC)
    return incident_create(
        actor=reporter,
        now=now,
        data=IncidentInput(
            title=f"浏河镇储罐泄漏{n}",
            category="accident",
            subtype="hazardous_chemicals",
            grade="IV",
            occurred_at=now - timedelta(minutes=50),
        ),
    ).pk


def race(reporter: User, incident_id: int) -> list[BaseException]:
    """File the first report and sweep the due clocks at the same moment, each in its own connection."""
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def report() -> None:
        try:
            start.wait()
            report_submit(
                actor=reporter,
                incident=Incident.objects.get(pk=incident_id),
                data=ReportInput(kind="written", summary="储罐泄漏，已疏散周边群众"),
                now=datetime.now(UTC),
            )
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    def sweep() -> None:
        try:
            start.wait()
            obligations_sweep(datetime.now(UTC))
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=report), threading.Thread(target=sweep)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_late_first_reports_racing_the_sweep_all_commit(city: None) -> None:
    from dutyroom.audit.services import audit_verify

    reporter = User.objects.get(username="liuhe-reporter")
    failures: list[BaseException] = []
    ids = []
    for n in range(RACES):
        incident_id = late_incident(reporter, n)
        ids.append(incident_id)
        failures += race(reporter, incident_id)
    assert [repr(f) for f in failures] == []
    assert Report.objects.filter(incident_id__in=ids).count() == RACES
    # each first-report clock ended either met late by the report or overdue first and then met: never left open
    firsts = Obligation.objects.filter(incident_id__in=ids, kind="first_report")
    assert firsts.count() == RACES
    assert set(firsts.values_list("state", flat=True)) == {"late"}
    assert audit_verify().ok
