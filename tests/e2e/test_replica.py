"""The optional read replica: with ``DATABASE_REPLICA_URL`` set, the board's first paint, board.json and
the assessment read the replica; the API's own reads, and every write, stay on the primary.

A real second database plays the replica: a copy of the primary taken after `init --demo` that is then left
behind (no replication), with one unit renamed in it. Whatever a page shows tells which database it read.
Runs on the database of the pass (two PostgreSQL databases, or two SQLite files).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection

from tests.e2e.test_two_processes import DUTYROOM, PASSWORD, ROOT, Web, database_url, free_port, wait_up

RENAMED = "副本镇（只在副本里）"
MARK = "（副本）"


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([DUTYROOM, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    return result


def _psql(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture
def primary_and_replica() -> Iterator[tuple[Web, str]]:
    data = Path(tempfile.mkdtemp(prefix="dutyroom-replica-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST") and k != "DATABASE_URL"}
    env.update(
        DUTYROOM_DATA_DIR=str(data),
        DUTYROOM_EMBEDDED_WORKER="0",
        DUTYROOM_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
        DUTYROOM_OTP_ROLES="",
        DUTYROOM_SECRET_KEY="replica-test-key",
        DUTYROOM_AUDIT_KEY="replica-audit-key",
    )
    env.pop("DUTYROOM_AUDIT_ANCHOR", None)
    dropped: list[str] = []
    if connection.vendor == "postgresql":
        suffix = f"{os.getpid()}_{free_port()}"
        primary, replica = f"dutyroom_primary_{suffix}", f"dutyroom_replica_{suffix}"
        admin = database_url("postgres")
        _psql(admin, f"CREATE DATABASE {primary}")
        dropped.append(primary)
        env["DATABASE_URL"] = database_url(primary)
        replica_url = database_url(replica)
    else:
        env["DATABASE_URL"] = f"sqlite:///{data / 'primary.sqlite3'}"
        replica_url = f"sqlite:///{data / 'replica.sqlite3'}"
    _run(env, "init", "--demo")
    for name in ("duty-officer", "shaxi-reporter"):
        _run(env, "user", "password", name, "--password", PASSWORD)
    token = _run(env, "token", "create", "shaxi-reporter").stdout.strip().split()[-1]
    rename = [
        f"UPDATE orgs_unit SET name = '{RENAMED}' WHERE code = 'shaxi'",
        f"UPDATE incidents_incident SET title = title || '{MARK}'",
    ]
    if connection.vendor == "postgresql":
        _psql(admin, f"CREATE DATABASE {replica} TEMPLATE {primary}")  # nobody is connected to it now
        dropped.append(replica)
        for statement in rename:
            _psql(replica_url, statement)
    else:
        import sqlite3

        shutil.copy(data / "primary.sqlite3", data / "replica.sqlite3")
        with sqlite3.connect(data / "replica.sqlite3") as db:
            db.execute("PRAGMA journal_mode=DELETE")
            for statement in rename:
                db.execute(statement)
    env["DATABASE_REPLICA_URL"] = replica_url
    port = free_port()
    server = subprocess.Popen(
        [DUTYROOM, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        cwd=ROOT,
        stdout=(data / "web.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_up(f"http://127.0.0.1:{port}/login/")
        yield Web(port), token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        for name in dropped:
            _psql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(data, ignore_errors=True)


def test_the_board_and_the_assessment_read_the_replica_and_writes_and_the_api_the_primary(
    primary_and_replica: tuple[Web, str],
) -> None:
    web, token = primary_and_replica
    now = datetime.now(UTC)
    status, created = web.api(
        "POST",
        "/incidents",
        token,
        {
            "title": "副本测试：只在主库的事件",
            "category": "accident",
            "subtype": "fire",
            "grade": "IV",
            "occurred_at": (now - timedelta(minutes=5)).isoformat(),
            "unit": "shaxi",
            "report": {"kind": "written", "summary": "首报"},
        },
    )
    assert status == 201, created
    status, read_back = web.api("GET", f"/incidents/{created['id']}", token)
    assert status == 200 and read_back["title"] == created["title"]  # the writer reads its own write

    web.sign_in("duty-officer")
    text = json.dumps(web.board(), ensure_ascii=False)
    assert MARK in text  # the board was read from the replica …
    assert created["title"] not in text  # … which never received the new incident

    month = (now + timedelta(hours=8)).strftime("%Y-%m")
    status, rows = web.api("GET", f"/assessment?period={month}", token)
    assert status == 200, rows
    assert [row["unit_name"] for row in rows] == [RENAMED]  # the town's own row, from the replica
