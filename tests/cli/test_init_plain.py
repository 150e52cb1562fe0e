"""`dutyroom init` without the demo gives an installation that runs: its city duty room exists, so the worker
sweeps and runs its jobs without a traceback, and a first duty officer can be added to it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

BIN = [sys.executable, "-m", "dutyroom.cli"]


def environ(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"DUTYROOM_DATA_DIR": str(data_dir), "DUTYROOM_LOG_LEVEL": "INFO"})
    return env


def test_a_plain_init_creates_the_duty_room_and_the_worker_runs_clean(tmp_path: Path) -> None:
    env = environ(tmp_path)
    made = subprocess.run([*BIN, "init"], env=env, capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    assert "city duty room created" in made.stdout
    with sqlite3.connect(tmp_path / "dutyroom.sqlite3") as db:
        assert db.execute("SELECT code, name FROM orgs_unit WHERE kind = 'duty_room'").fetchall() == [
            ("duty-room", "太仓市人民政府值班室")
        ]
    again = subprocess.run([*BIN, "init"], env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "city duty room created" not in again.stdout  # once
    added = subprocess.run(
        [*BIN, "user", "add", "officer", "--role", "duty_officer", "--unit", "duty-room"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    worker = subprocess.Popen([*BIN, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(8)  # a few passes of the sweep and of every job (they failed every pass before)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
    assert "started" in output
    assert "Traceback" not in output and "failed" not in output, output
