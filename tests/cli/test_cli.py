"""The `dutyroom` command as an operator uses it: real processes, a real SQLite file, clear failures."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

BIN = [sys.executable, "-m", "dutyroom.cli"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli")
    result = run(path, "init", "--demo")
    assert result.returncode == 0, result.stderr
    return path


def run(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environ.update({"DUTYROOM_DATA_DIR": str(data_dir), **(env or {})})
    return subprocess.run([*BIN, *args], capture_output=True, text=True, env=environ, timeout=120)


def test_init_demo_prints_how_to_log_in_and_running_it_again_duplicates_nothing(data_dir: Path) -> None:
    again = run(data_dir, "init", "--demo")
    assert again.returncode == 0
    assert "duty-officer" in again.stdout
    assert "0 new units, 0 new users, 0 new sample incidents" in again.stdout


def test_user_add_and_token_create(data_dir: Path) -> None:
    added = run(
        data_dir,
        "user",
        "add",
        "zhang-san",
        "--role",
        "duty_officer",
        "--unit",
        "duty-room",
        "--password",
        "long-enough-1",
    )
    assert added.returncode == 0, added.stderr
    token = run(data_dir, "token", "create", "zhang-san")
    assert token.returncode == 0
    last_line = token.stdout.strip().splitlines()[-1]
    assert last_line.startswith("dr_") and len(last_line) > 30
    stored = sqlite3.connect(data_dir / "dutyroom.sqlite3").execute("SELECT token_hash FROM accounts_apitoken")
    assert last_line not in {row[0] for row in stored}  # only the hash is kept


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["user", "add", "x1", "--role", "mayor", "--unit", "shaxi"], "mayor"),
        (["user", "add", "x2", "--role", "unit_reporter", "--unit", "atlantis"], "atlantis"),
        (["user", "add", "duty-officer", "--role", "unit_reporter", "--unit", "shaxi"], "duty-officer"),
        (["token", "create", "nobody"], "unknown user nobody"),
    ],
    ids=["unknown role", "unknown unit", "existing user", "unknown user"],
)
def test_mistakes_get_a_clear_message_and_a_nonzero_exit(data_dir: Path, args: list[str], message: str) -> None:
    result = run(data_dir, *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_named(tmp_path: Path) -> None:
    result = run(tmp_path, "init", env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert result.returncode == 1
    assert "database unreachable" in result.stderr and "Traceback" not in result.stderr


def test_audit_verify_names_the_first_tampered_entry(data_dir: Path) -> None:
    assert run(data_dir, "audit", "verify").returncode == 0
    db = sqlite3.connect(data_dir / "dutyroom.sqlite3")
    db.execute("UPDATE audit_auditentry SET data = '{}' WHERE seq = 7")
    db.commit()
    result = run(data_dir, "audit", "verify")
    assert result.returncode == 1
    assert "entry 7" in result.stderr


def test_a_bad_rulebook_stops_start_up_naming_the_key(tmp_path: Path) -> None:
    from dutyroom.rules import default_directory

    text = (default_directory() / "taicang-2017.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("within_minutes: 45", "within_minutes: -45", 1), encoding="utf-8")
    result = run(tmp_path, "init", env={"DUTYROOM_RULEBOOK": str(bad)})
    assert result.returncode == 1
    assert "within_minutes" in result.stderr and "Traceback" not in result.stderr
