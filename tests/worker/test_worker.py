"""The deadline worker turns clocks overdue on time with no request, and two workers fire each clock once."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from dutyroom.accounts.models import User
from dutyroom.alerts.models import AlertEvent, Notification
from dutyroom.audit.models import AuditEntry
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.obligations.models import Obligation
from dutyroom.worker.loop import Worker

pytestmark = pytest.mark.django_db(transaction=True)


def open_incident(minutes_ago: float, title: str = "浏河镇储罐泄漏") -> int:
    reporter = User.objects.get(username="liuhe-reporter")
    now = datetime.now(UTC)
    incident = incident_create(
        actor=reporter,
        now=now,
        data=IncidentInput(
            title=title,
            category="accident",
            subtype="hazardous_chemicals",
            grade="IV",
            occurred_at=now - timedelta(minutes=minutes_ago),
        ),
    )
    return incident.pk


def run_workers(count: int) -> tuple[list[threading.Thread], threading.Event]:
    stop = threading.Event()
    threads = [threading.Thread(target=Worker(stop).run_forever, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads, stop


def wait_until(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_deadline_turns_overdue_at_its_due_time_with_no_request(city):
    incident_id = open_incident(45 - 1.5 / 60)  # first report due 1.5 s from now
    obligation = Obligation.objects.get(incident_id=incident_id, kind="first_report")
    assert obligation.state == "pending"
    threads, stop = run_workers(1)
    try:
        assert wait_until(lambda: Obligation.objects.get(pk=obligation.pk).state == "overdue")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
    fired = Obligation.objects.get(pk=obligation.pk)
    assert fired.overdue_at >= fired.due_at  # never early; how late is measured by `make bench`, not asserted
    alert = AlertEvent.objects.get(topic="overdue", obligation_id=obligation.pk)  # unit and duty room
    reached = set(Notification.objects.filter(event=alert).values_list("user__unit__code", flat=True))
    assert reached == {"liuhe", "duty-room"}
    assert AuditEntry.objects.filter(action="obligation.overdue", object_id=str(obligation.pk)).count() == 1


def test_two_workers_fire_each_deadline_exactly_once(city):
    ids = [open_incident(46, title=f"事件{n}") for n in range(25)]
    assert Obligation.objects.filter(incident_id__in=ids, state="pending").count() == 25
    threads, stop = run_workers(2)
    try:
        assert wait_until(lambda: not Obligation.objects.filter(incident_id__in=ids, state="pending").exists())
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
    assert AuditEntry.objects.filter(action="obligation.overdue").count() == 25
    alerts = AlertEvent.objects.filter(topic="overdue", obligation__incident_id__in=ids)
    assert alerts.count() == 25
    assert Notification.objects.filter(event__in=alerts).count() == len(
        set(Notification.objects.filter(event__in=alerts).values_list("event_id", "user_id"))
    )
    from dutyroom.audit.services import audit_verify

    assert audit_verify().ok


def test_a_report_that_meets_the_clock_first_is_never_fired(city):
    from dutyroom.reports.services import ReportInput, report_submit
    from dutyroom.worker.loop import obligations_sweep

    incident_id = open_incident(44)
    from dutyroom.incidents.models import Incident

    report_submit(
        actor=User.objects.get(username="liuhe-reporter"),
        incident=Incident.objects.get(pk=incident_id),
        data=ReportInput(kind="written", summary="已报"),
        now=datetime.now(UTC),
    )
    assert obligations_sweep(datetime.now(UTC) + timedelta(minutes=6)) == 1  # only the duty room receipt clock
    first = Obligation.objects.get(incident_id=incident_id, kind="first_report")
    assert first.state == "met"


def test_a_worker_behind_takes_bigger_batches_until_it_has_caught_up(city):
    """In a burst a sweep that found a full batch is followed by bigger ones (cheaper a clock), then the normal
    size once the worker has caught up."""
    from dutyroom.incidents.models import Incident
    from dutyroom.worker import loop

    incident = Incident.objects.get(pk=open_incident(1))
    now = datetime.now(UTC)
    Obligation.objects.bulk_create(
        [
            Obligation(
                key=f"burst:{n}",
                incident=incident,
                unit=incident.unit,
                kind="first_report",
                rule="test",
                due_at=now - timedelta(seconds=1),
                anchor_at=now,
                created_at=now,
                ladder_at=None,
            )
            for n in range(loop.BATCH + 60)
        ]
    )
    worker = Worker(threading.Event())
    assert worker.run_once() == loop.BATCH and worker.behind
    assert worker.batch == loop.catch_up_batch() > loop.BATCH
    assert worker.run_once() == 60 and not worker.behind
    assert worker.batch == loop.BATCH
    assert worker.pause_after() > 0, "caught up: it sleeps until the next deadline"
    assert AuditEntry.objects.filter(action="obligation.overdue").count() == loop.BATCH + 60


def test_a_sweep_reads_each_clocks_unit_and_incident_once_for_the_whole_batch(city):
    """The sweep loads only the columns it uses (``obligations.overdue.SWEEP_COLUMNS``); a column it forgot would be
    fetched by a query per clock. Follow-up clocks (which schedule the next period) are in the batch too."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dutyroom.incidents.models import Incident
    from dutyroom.reports.services import ReportInput, report_submit
    from dutyroom.worker.loop import obligations_sweep

    ids = [open_incident(1, title=f"事件{n}") for n in range(4)]
    reporter = User.objects.get(username="liuhe-reporter")
    for incident in Incident.objects.filter(pk__in=ids[:2]):  # a report starts the follow-up clock
        report_submit(
            actor=reporter, incident=incident, data=ReportInput(kind="written", summary="已报"), now=datetime.now(UTC)
        )
    assert Obligation.objects.filter(incident_id__in=ids, state="pending", kind="followup").exists()
    later = datetime.now(UTC) + timedelta(days=2)  # every clock due, follow-ups too
    with CaptureQueriesContext(connection) as queries:
        fired = obligations_sweep(later, batch=1000)
    assert fired == Obligation.objects.filter(incident_id__in=ids, state="overdue").count() > len(ids)
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "incidents_incident"' in q["sql"] or 'FROM "orgs_unit"' in q["sql"]
    ]
    assert reads == []  # the batch is loaded joined (FROM reports_obligation); no refresh of a deferred column


def test_a_clock_met_between_the_sweeps_read_and_its_flip_is_left_met_and_the_rest_fire_one_by_one(city, monkeypatch):
    """Should a clock of the batch change under the sweep (a race the row locks are there to prevent), the batch
    is rolled back and each clock goes through its own compare-and-set: the met clock stays met, every other
    one turns overdue once, with its alert and an audit entry for the alert (the flips were audited first)."""
    import dutyroom.worker.sweep as sweep
    from dutyroom.worker.loop import obligations_sweep

    ids = [open_incident(46, title=f"事件{n}") for n in range(3)]
    due = list(Obligation.objects.filter(incident_id__in=ids, state="pending").order_by("id"))
    real = sweep.ladder_plan

    def met_meanwhile(*args, **kwargs):  # after the batch was read, before it is flipped
        Obligation.objects.filter(pk=due[0].pk).update(state="met", met_at=datetime.now(UTC))
        return real(*args, **kwargs)

    monkeypatch.setattr(sweep, "ladder_plan", met_meanwhile)
    fired = obligations_sweep(datetime.now(UTC) + timedelta(seconds=1), batch=1000)
    assert fired == len(due) - 1
    assert Obligation.objects.get(pk=due[0].pk).state == "met"
    for clock in due[1:]:
        assert Obligation.objects.get(pk=clock.pk).state == "overdue"
        assert AlertEvent.objects.filter(topic="overdue", obligation=clock).count() == 1
        assert AuditEntry.objects.filter(action="obligation.overdue", object_id=str(clock.pk)).count() == 1
        assert (
            AuditEntry.objects.filter(action="obligation.alert", object_id=str(clock.pk), data__step="overdue").count()
            == 1
        )
    assert not AlertEvent.objects.filter(obligation=due[0]).exists()


class CountingWorker(Worker):
    sweeps = 0

    def run_once(self) -> int:
        self.sweeps += 1
        return super().run_once()


def test_the_deadline_loop_keeps_its_database_connection_from_sweep_to_sweep(city):
    """On SQLite (``CONN_MAX_AGE`` 0, for the web) the loop used to close its connection after every sweep and open
    a new one for the next: a tenth of its time in a burst. It now opens one for its whole life, closes it when it
    stops, and still fires every clock."""
    from django.db.backends.signals import connection_created

    opened: list[str] = []

    def count(sender, connection, **kwargs):
        opened.append(threading.current_thread().name)

    incident_id = open_incident(45 - 1.0 / 60)  # first report due a second from now
    worker = CountingWorker(threading.Event())
    thread = threading.Thread(target=worker.run_forever, name="deadline-loop", daemon=True)
    connection_created.connect(count)
    try:
        thread.start()
        assert wait_until(
            lambda: (
                worker.sweeps >= 4
                and not Obligation.objects.filter(
                    incident_id=incident_id, kind="first_report", state="pending"
                ).exists()
            )
        )
    finally:
        worker.stop.set()
        thread.join(timeout=5)
        connection_created.disconnect(count)
    assert opened.count("deadline-loop") == 1, (worker.sweeps, opened)
