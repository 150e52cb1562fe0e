"""`dutyroom audit verify` and `dutyroom restore` against the tampering an operator with file and SQL access
could do: a cut tail behind a deleted anchor, a rewritten received time, another instance's backup, a file that is
not a backup. Real processes on real SQLite files; every failure is one clear line, never a traceback."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

BIN = [sys.executable, "-m", "dutyroom.cli"]


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DUTYROOM_AUDIT_KEY")}
    environ.update({"DUTYROOM_DATA_DIR": str(data_dir), "DUTYROOM_EMBEDDED_WORKER": "0"})
    return subprocess.run([*BIN, *args], capture_output=True, text=True, env=environ, timeout=300)


def db(data_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(data_dir / "dutyroom.sqlite3")


def rows(data_dir: Path) -> list[tuple[object, ...]]:
    with db(data_dir) as conn:
        return conn.execute("SELECT id, username FROM accounts_user ORDER BY id").fetchall()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    made = tmp_path_factory.mktemp("demo") / "city"
    assert run(made, "init", "--demo").returncode == 0
    return made


@pytest.fixture
def city(demo: Path, tmp_path: Path) -> Path:
    """A fresh copy of one demo city (its database, audit key and anchor) for each test."""
    copy = Path(shutil.copytree(demo, tmp_path / "city"))
    assert run(copy, "audit", "verify").returncode == 0
    return copy


def one_clear_line(done: subprocess.CompletedProcess[str]) -> str:
    """The failure's one line (progress bars aside), with no traceback."""
    assert "Traceback" not in done.stderr
    said = [line for line in done.stderr.splitlines() if line.startswith(("dutyroom:", "audit chain"))]
    assert len(said) == 1, done.stderr
    return said[0]


@pytest.mark.parametrize("anchor", ["deleted", "emptied"])
def test_a_cut_tail_behind_a_missing_anchor_is_a_loud_failure(city: Path, anchor: str) -> None:
    with db(city) as conn:
        total = conn.execute("SELECT max(seq) FROM audit_auditentry").fetchone()[0]
        keep = total - 5
        conn.execute("DELETE FROM audit_auditentry WHERE seq > ?", (keep,))
    anchor_file = city / "audit-anchor.log"
    if anchor == "deleted":
        anchor_file.unlink()
    else:
        anchor_file.write_text("")
    refused = run(city, "audit", "verify")
    assert refused.returncode == 1
    assert "anchor file" in one_clear_line(refused) and "--no-anchor" in refused.stderr
    told = run(city, "audit", "verify", "--no-anchor")  # the operator says what they accept
    assert told.returncode == 0 and "anchor not checked" in told.stdout


def test_a_direct_edit_of_when_a_report_was_received_is_detected(city: Path) -> None:
    with db(city) as conn:
        report = conn.execute("SELECT min(id) FROM reports_report").fetchone()[0]
        conn.execute(
            "UPDATE reports_report SET received_at = datetime(received_at, '-40 minutes') WHERE id = ?", (report,)
        )
    found = run(city, "audit", "verify")
    assert found.returncode == 1
    assert f"report {report}: received_at" in one_clear_line(found)


def test_a_direct_edit_of_a_reported_figure_is_detected(city: Path) -> None:
    with db(city) as conn:
        report = conn.execute("SELECT min(id) FROM reports_report WHERE has_figures").fetchone()[0]
        # an unknown figure (NULL) given a value counts as an edit as much as a changed one
        conn.execute("UPDATE reports_report SET deaths = COALESCE(deaths, 0) + 3 WHERE id = ?", (report,))
    found = run(city, "audit", "verify")
    assert found.returncode == 1
    assert f"report {report}: figures.deaths" in one_clear_line(found)


def test_another_instances_backup_is_refused_unless_forced(city: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    assert run(other, "init").returncode == 0  # its own audit key, made in its own data directory
    assert run(other, "user", "add", "外市值班员", "--role", "duty_officer", "--unit", "duty-room").returncode == 0
    assert run(other, "backup", str(tmp_path / "other.bak")).returncode == 0
    before = rows(city)
    refused = run(city, "restore", str(tmp_path / "other.bak"))
    assert refused.returncode == 1
    assert "another audit key" in one_clear_line(refused) and "--force" in refused.stderr
    assert rows(city) == before  # put back as it was
    assert run(city, "audit", "verify").returncode == 0
    forced = run(city, "restore", "--force", str(tmp_path / "other.bak"))
    assert forced.returncode == 0, forced.stderr
    assert rows(city) != before


@pytest.mark.parametrize(
    "content", [b"not a database at all\n", os.urandom(4096), b"SQLite format 3\x00" + b"\x00" * 64]
)
def test_restoring_a_file_that_is_not_a_backup_is_one_clear_line(city: Path, tmp_path: Path, content: bytes) -> None:
    bogus = tmp_path / "bogus.bak"
    bogus.write_bytes(content)
    before = rows(city)
    failed = run(city, "restore", str(bogus))
    assert failed.returncode == 1
    assert "nothing was restored" in one_clear_line(failed)
    assert rows(city) == before
