"""Kill the whole server (SIGKILL, master and workers) during a burst of submissions: every acknowledged report
is stored, and every stored report is whole (its audit entry and its receipt clock committed with it)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

from tests.security.server import BIN, RawClient, serve

CLIENTS = 6


def test_a_killed_server_loses_no_acknowledged_report_and_leaves_none_half_written(tmp_path: Path) -> None:
    server = serve(tmp_path)
    environ = server.environ
    token = (
        subprocess.run(
            [*BIN, "token", "create", "shaxi-reporter"],
            env=environ,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    setup = RawClient(server.port)
    body = {
        "title": "爆发测试",
        "category": "accident",
        "subtype": "fire",
        "grade": "IV",
        "occurred_at": "2026-01-01T08:00:00+08:00",
    }
    incident = setup.request("POST", "/api/v1/incidents", json.dumps(body).encode(), auth).json()["id"]
    setup.close()
    acknowledged: list[int] = []
    stop = threading.Event()

    def burst(n: int) -> None:
        try:
            client = RawClient(server.port, timeout=10)
            sent = 0
            while not stop.is_set():
                sent += 1
                payload = json.dumps({"kind": "written", "summary": f"client {n} report {sent}"}).encode()
                reply = client.request("POST", f"/api/v1/incidents/{incident}/reports", payload, auth)
                if reply.status == 201:
                    acknowledged.append(reply.json()["id"])
        except (OSError, ConnectionError, ValueError):
            return  # the server died under us: whatever was not acknowledged may or may not be stored

    threads = [threading.Thread(target=burst, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert len(acknowledged) >= 30
    with sqlite3.connect(tmp_path / "dutyroom.sqlite3") as db:
        stored = {
            row[0]
            for row in db.execute(
                "SELECT id FROM reports_report WHERE incident_id = ? AND kind = 'written'", (incident,)
            )
        }
        audited = {
            int(row[0])
            for row in db.execute(
                "SELECT object_id FROM audit_auditentry WHERE action = 'report.submit' AND incident_id = ?", (incident,)
            )
        }
        with_receipt = {
            row[0]
            for row in db.execute(
                "SELECT report_id FROM reports_obligation WHERE kind = 'receipt' AND incident_id = ?", (incident,)
            )
        }
    assert set(acknowledged) <= stored, "an acknowledged report was lost"
    assert stored <= audited and stored <= with_receipt, "a stored report is missing its audit row or receipt clock"
    assert len(acknowledged) == len(set(acknowledged))
    verified = subprocess.run([*BIN, "audit", "verify"], env=environ, capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0, verified.stderr
