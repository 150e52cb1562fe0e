"""Inline audit appends (SQLite's default; PostgreSQL when configured): a process appends after the tip it last
wrote with one INSERT, and the INSERT takes effect only if that tip is still the chain's last entry. Whatever made
the remembered tip wrong — a rolled-back transaction, another process writing, a restored database — the chain
stays whole and unforked."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from dutyroom.audit import services
from dutyroom.audit.models import AuditEntry
from dutyroom.audit.services import audit_record, audit_verify


@pytest.fixture(autouse=True)
def inline(settings: Any) -> None:
    settings.DUTYROOM_AUDIT_APPEND = "inline"


def record(n: int) -> AuditEntry:
    with transaction.atomic():
        return audit_record(
            actor=None, action="test.step", object_type="test", object_id=n, at=datetime.now(UTC), data={"n": n}
        )


def assert_whole() -> None:
    chain = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in chain] == list(range(1, len(chain) + 1))
    assert all(b.prev_hash == a.hash for a, b in pairwise(chain))
    check = audit_verify()
    assert check.ok, check


@pytest.mark.django_db(transaction=True)
def test_an_append_after_a_rolled_back_one_continues_from_the_stored_tip() -> None:
    record(0)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action="test.step", object_type="test", object_id=1, at=datetime.now(UTC))
        raise RuntimeError("the change fails after its entry was chained")
    entry = record(2)
    assert entry.seq == 2  # not 3: the rolled-back entry's number is free again
    assert_whole()


@pytest.mark.django_db(transaction=True)
def test_another_process_writing_behind_this_ones_back_never_forks_the_chain() -> None:
    record(0)
    remembered = dict(services._tips)  # this process's view of the tip
    services._tips.clear()  # another process: it knows nothing of ours
    record(1)
    record(2)
    services._tips.update(remembered)  # back in this process, whose remembered tip is two entries behind
    entry = record(3)
    assert entry.seq == 4
    assert_whole()


@pytest.mark.django_db(transaction=True)
def test_a_warm_append_is_one_statement() -> None:
    record(0)
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        audit_record(actor=None, action="test.step", object_type="test", object_id=1, at=datetime.now(UTC))
    written = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("BEGIN", "COMMIT", "SAVE"))]
    head_lock = 0 if connection.vendor == "sqlite" else 1  # PostgreSQL's inline writers queue on the head row
    assert len(written) == 1 + head_lock, written
    assert_whole()
