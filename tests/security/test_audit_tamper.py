"""Tampering with the audit log directly in the database (SQLite and PostgreSQL): verification names the first
bad entry each time, through the API and the command line, and writes go on after the head row is deleted."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from tests.cli.test_cli import run

ENTRIES = 12


def record(n: int) -> None:
    from dutyroom.audit.services import audit_record

    with transaction.atomic():
        audit_record(
            actor=None, action="test.step", object_type="test", object_id=n, at=datetime.now(UTC), data={"n": n}
        )


def sql(*statements: str) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


COLUMNS = (
    "seq, at, actor_id, actor_label, action, object_type, object_id, incident_id, unit_code, data, prev_hash, hash"
)


def shift_and_insert(b: int) -> None:
    """Insert a forged entry b+5 by moving b+5.. up one (highest first, so unique seq never collides)."""
    for seq in range(b + ENTRIES, b + 4, -1):
        sql(f"UPDATE audit_auditentry SET seq = {seq + 1} WHERE seq = {seq}")
    sql(
        f"INSERT INTO audit_auditentry ({COLUMNS}) SELECT {b + 5}, at, actor_id, actor_label, 'forged', object_type, "
        f"object_id, incident_id, unit_code, data, prev_hash, 'f{'0' * 63}' FROM audit_auditentry WHERE seq = {b + 4}"
    )


def rechain_without_the_key(b: int) -> None:
    """What an attacker with only database access can do: edit an entry and recompute a plain SHA-256 chain."""
    from dutyroom.audit.models import AuditEntry
    from dutyroom.audit.services import _canonical

    sql(f"UPDATE audit_auditentry SET action = 'forged' WHERE seq = {b + 3}")
    previous = AuditEntry.objects.get(seq=b + 2).hash  # the entries before the edit keep their keyed hashes
    for entry in AuditEntry.objects.filter(seq__gte=b + 3).order_by("seq"):
        entry.prev_hash = previous
        entry_hash = hashlib.sha256(_canonical(entry).encode()).hexdigest()
        sql(f"UPDATE audit_auditentry SET prev_hash = '{previous}', hash = '{entry_hash}' WHERE seq = {entry.seq}")
        previous = entry_hash


# how -> (tamper given the number of entries before ours, first bad entry counted from there)
TAMPERING: dict[str, tuple[Callable[[int], None], int]] = {
    "edit": (lambda b: sql(f"UPDATE audit_auditentry SET data = '{{\"n\": 99}}' WHERE seq = {b + 4}"), 4),
    "delete": (lambda b: sql(f"DELETE FROM audit_auditentry WHERE seq = {b + 4}"), 4),
    "insert": (shift_and_insert, 5),
    "reorder": (
        lambda b: sql(
            f"UPDATE audit_auditentry SET seq = 100000 WHERE seq = {b + 3}",
            f"UPDATE audit_auditentry SET seq = {b + 3} WHERE seq = {b + 4}",
            f"UPDATE audit_auditentry SET seq = {b + 4} WHERE seq = 100000",
        ),
        3,
    ),
    "truncate tail and head": (
        lambda b: sql(f"DELETE FROM audit_auditentry WHERE seq > {b + 8}", "DELETE FROM audit_audithead"),
        9,
    ),
    "delete everything": (lambda b: sql("DELETE FROM audit_auditentry", "DELETE FROM audit_audithead"), 1 - 10**6),
    "rebuild the chain": (rechain_without_the_key, 3),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", list(TAMPERING))
def test_verification_names_the_first_bad_entry(how: str, api: Any) -> None:
    admin = api("admin")  # made before the chain is recorded: the demo city's own entries come first
    base = admin.get("/audit/verify").json_body["entries"]
    for n in range(ENTRIES):
        record(n)
    assert admin.get("/audit/verify").json_body == {
        "ok": True,
        "entries": base + ENTRIES,
        "first_bad": None,
        "reason": None,
    }
    tamper, offset = TAMPERING[how]
    tamper(base)
    result = admin.get("/audit/verify").json_body
    assert result["ok"] is False
    assert result["first_bad"] == max(1, base + offset), result


@pytest.mark.django_db(transaction=True)
def test_writes_go_on_after_the_head_row_is_deleted_and_the_chain_stays_whole(city: None) -> None:
    from dutyroom.audit.services import audit_verify

    for n in range(3):
        record(n)
    sql("DELETE FROM audit_audithead")
    record(99)
    check = audit_verify()
    assert check.ok, check


def test_the_command_line_names_a_truncated_tail_on_sqlite(tmp_path: Path) -> None:
    assert run(tmp_path, "init", "--demo").returncode == 0
    intact = run(tmp_path, "audit", "verify")
    assert intact.returncode == 0, intact.stderr
    total = int(intact.stdout.split(":")[1].split()[0])
    with sqlite3.connect(tmp_path / "dutyroom.sqlite3") as db:
        db.execute(f"DELETE FROM audit_auditentry WHERE seq > {total - 5}")
        db.execute("DELETE FROM audit_audithead")
    broken = run(tmp_path, "audit", "verify")
    assert broken.returncode == 1
    assert f"BROKEN at entry {total - 4}" in broken.stderr
    assert json.dumps  # the message is one line a person can act on
    assert len(broken.stderr.strip().splitlines()) == 1
