"""A worker killed with SIGKILL mid-sweep loses nothing: the next worker fires every remaining clock once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.cli.test_cli import run

SEED = """
import django, os
from datetime import UTC, datetime, timedelta
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.db import transaction
from dutyroom.accounts.models import User
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.obligations.models import Obligation
reporter = User.objects.get(username="liuhe-reporter")
now = datetime.now(UTC)
ids = [incident_create(actor=reporter, now=now, data=IncidentInput(title=f"crash {n}", category="accident",
       grade="IV", occurred_at=now - timedelta(minutes=10))).pk for n in range(150)]
start = datetime.now(UTC) + timedelta(seconds=1)
with transaction.atomic():
    for n, pk in enumerate(Obligation.objects.filter(incident_id__in=ids).order_by("id").values_list("id", flat=True)):
        Obligation.objects.filter(pk=pk).update(due_at=start + timedelta(seconds=6 * n / len(ids)))
"""


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute(sql).fetchone()[0])


def start_worker(data_dir: Path) -> subprocess.Popen[bytes]:
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environ["DUTYROOM_DATA_DIR"] = str(data_dir)
    return subprocess.Popen(
        [sys.executable, "-m", "dutyroom.cli", "worker"],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_killing_a_worker_mid_sweep_loses_no_clock_and_fires_none_twice(tmp_path: Path) -> None:
    assert run(tmp_path, "init", "--demo").returncode == 0
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    seeded = subprocess.run(
        [sys.executable, "-c", SEED],
        env={**environ, "DUTYROOM_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr
    db = tmp_path / "dutyroom.sqlite3"
    mine = "FROM reports_obligation o JOIN incidents_incident i ON i.id = o.incident_id WHERE i.title LIKE 'crash %'"
    first = start_worker(tmp_path)
    deadline = time.monotonic() + 30
    while count(db, f"SELECT COUNT(*) {mine} AND o.state = 'overdue'") < 10 and time.monotonic() < deadline:
        time.sleep(0.05)  # wait until it is part-way through the 6-second spread of deadlines
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    fired_before = count(db, f"SELECT COUNT(*) {mine} AND o.state = 'overdue'")
    assert 0 < fired_before < 150, "the kill should land mid-sweep"
    second = start_worker(tmp_path)
    try:
        deadline = time.monotonic() + 30
        while count(db, f"SELECT COUNT(*) {mine} AND o.state = 'pending'") and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        second.terminate()
        second.wait(timeout=10)
    assert count(db, f"SELECT COUNT(*) {mine} AND o.state = 'overdue'") == 150
    fired_ids = f"SELECT CAST(o.id AS TEXT) {mine}"
    assert (
        count(
            db,
            f"SELECT COUNT(*) FROM audit_auditentry WHERE action = 'obligation.overdue' AND object_id IN ({fired_ids})",
        )
        == 150
    )
    assert (
        count(
            db,
            "SELECT COUNT(*) FROM alerts_alertevent WHERE topic = 'overdue' "  # each clock's notice, once
            f"AND obligation_id IN (SELECT o.id {mine})",
        )
        == 150
    )
    assert run(tmp_path, "audit", "verify").returncode == 0
