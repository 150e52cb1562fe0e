"""`dutyroom backup` / `dutyroom restore` round-trip every table and the audit chain (SQLite, and PostgreSQL when
DATABASE_URL points at it), through the real command line."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.security.server import BIN, environ_for

SNAPSHOT = """
import django, json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.db import connection
tables = {}
with connection.cursor() as cursor:
    for table in sorted(connection.introspection.table_names()):
        cursor.execute(f'SELECT * FROM "{table}"')
        tables[table] = sorted(json.dumps(list(row), default=str, ensure_ascii=False) for row in cursor.fetchall())
print(json.dumps(tables))
"""

MORE = """
import django, os
from datetime import UTC, datetime, timedelta
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from dutyroom.accounts.models import User
from dutyroom.incidents.services import IncidentInput, incident_create
reporter = User.objects.get(username="liuhe-reporter")
now = datetime.now(UTC)
for n in range(3):
    incident_create(actor=reporter, now=now, data=IncidentInput(title=f"after backup {n}", category="accident",
                    grade="IV", occurred_at=now - timedelta(minutes=5)))
"""


def _pg_scratch() -> Iterator[dict[str, str]]:
    url = os.environ["DATABASE_URL"]
    parsed = urlparse(url)
    name = f"dutyroom_backup_{os.getpid()}"
    import psycopg

    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"DATABASE_URL": parsed._replace(path=f"/{name}").geturl()}
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    if request.param == "sqlite":
        yield {}
    elif os.environ.get("DATABASE_URL", "").startswith("postgres"):
        yield from _pg_scratch()
    else:
        pytest.skip("PostgreSQL round trip runs when DATABASE_URL points at PostgreSQL (.ci/run does)")


def _run(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BIN, *args], env=environ, capture_output=True, text=True, timeout=300)


def _python(environ: dict[str, str], code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_backup_restores_every_table_exactly_and_the_audit_chain_verifies(
    tmp_path: Path, database: dict[str, str]
) -> None:
    environ = environ_for(tmp_path / "data", **database)
    assert _run(environ, "init", "--demo").returncode == 0
    before = _python(environ, SNAPSHOT)
    made = _run(environ, "backup", str(tmp_path / "copy.bak"))
    assert made.returncode == 0, made.stderr
    assert "backup written" in made.stdout and "100%" in made.stderr  # the progress bar finishes
    assert _run(environ, "backup", str(tmp_path / "copy.bak")).returncode == 1  # never overwrites
    _python(environ, MORE)
    assert _python(environ, SNAPSHOT) != before
    restored = _run(environ, "restore", str(tmp_path / "copy.bak"))
    assert restored.returncode == 0, restored.stderr
    assert "audit chain intact" in restored.stdout and "written after this backup are gone" in restored.stdout
    assert _python(environ, SNAPSHOT) == before
    verified = _run(environ, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    _python(environ, MORE)  # and the restored database takes new writes on an intact chain
    assert _run(environ, "audit", "verify").returncode == 0


def test_restore_of_a_missing_file_is_one_clear_line(tmp_path: Path) -> None:
    environ = environ_for(tmp_path)
    assert _run(environ, "init").returncode == 0
    failed = _run(environ, "restore", str(tmp_path / "nope.bak"))
    assert failed.returncode == 1
    assert failed.stderr.strip() == f"dutyroom: {tmp_path / 'nope.bak'}: no such backup file"


def test_a_backup_whose_chain_has_another_key_is_refused_and_nothing_changes(
    tmp_path: Path, database: dict[str, str]
) -> None:
    """The restoring installation's key differs from the one the backup's chain was written with (another
    instance's backup): refused with the database as it was, unless forced; a file that is not a backup is one
    line too. Both engines: PostgreSQL restores and puts back through pg_restore."""
    shared = database or {"DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}"}
    ours = environ_for(tmp_path / "ours", **shared)
    theirs = environ_for(tmp_path / "theirs", **shared)  # the same database, another data directory: another key
    assert _run(theirs, "init", "--demo").returncode == 0
    assert _run(theirs, "backup", str(tmp_path / "theirs.bak")).returncode == 0
    _python(theirs, MORE)
    assert _run(theirs, "audit", "verify").returncode == 0  # seals PostgreSQL's pending entries with their key
    before = _python(theirs, SNAPSHOT)
    refused = _run(ours, "restore", str(tmp_path / "theirs.bak"))
    assert refused.returncode == 1 and "another audit key" in refused.stderr and "Traceback" not in refused.stderr
    assert _python(theirs, SNAPSHOT) == before
    bogus = tmp_path / "bogus.bak"
    bogus.write_bytes(b"PK\x03\x04 not a backup")
    failed = _run(ours, "restore", str(bogus))
    assert failed.returncode == 1 and "nothing was restored" in failed.stderr and "Traceback" not in failed.stderr
    forced = _run(ours, "restore", "--force", str(tmp_path / "theirs.bak"))
    assert forced.returncode == 0, forced.stderr
    assert _python(theirs, SNAPSHOT) != before
