"""Deferred audit appends: a change's transaction only inserts its entry; the sealer chains pending
entries later, one sealer at a time, and the chain verifies exactly as an inline one does."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections, transaction

from dutyroom.audit.anchor import anchor_map
from dutyroom.audit.models import AuditEntry, AuditHead
from dutyroom.audit.services import SEAL_IDLE, audit_record, audit_seal, audit_seal_job, audit_verify


@pytest.fixture(autouse=True)
def deferred(settings: Any) -> None:
    settings.DUTYROOM_AUDIT_APPEND = "deferred"


def record(n: int, incident: int | None = None) -> AuditEntry:
    with transaction.atomic():
        return audit_record(
            actor=None,
            action="test.step",
            object_type="test",
            object_id=n,
            at=datetime.now(UTC),
            incident_id=incident,
            data={"n": n},
        )


@pytest.mark.django_db(transaction=True)
def test_entries_wait_pending_until_sealed_then_chain_in_order_and_are_anchored(settings: Any) -> None:
    ids = [record(n).pk for n in range(5)]
    pending = AuditEntry.objects.filter(pk__in=ids)
    assert all(e.seq is None and e.hash is None for e in pending)
    assert AuditEntry.objects.filter(pk__in=ids).count() == 5  # already visible, e.g. on an incident's history

    assert audit_seal_job(datetime.now(UTC)) is not None  # sealed some: asks to run again soon
    sealed = list(AuditEntry.objects.filter(pk__in=ids).order_by("seq"))
    assert [e.pk for e in sealed] == ids  # id order is chain order
    assert [e.seq for e in sealed] == list(range(sealed[0].seq or 0, (sealed[0].seq or 0) + 5))
    assert all(b.prev_hash == a.hash for a, b in pairwise(sealed))
    anchored = anchor_map()
    assert all(anchored[e.seq] == e.hash for e in sealed if e.seq is not None)
    idle_at = datetime.now(UTC)
    assert audit_seal_job(idle_at) == idle_at + SEAL_IDLE  # nothing left: looks again within a second, not at once
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_verification_seals_first_so_it_covers_every_committed_entry() -> None:
    for n in range(3):
        record(n)
    check = audit_verify()
    assert check.ok and check.entries == AuditEntry.objects.count()
    assert not AuditEntry.objects.filter(seq__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_sealed_entry_edited_in_the_database_is_named_by_verification() -> None:
    entries = [record(n) for n in range(4)]
    audit_seal()
    target = AuditEntry.objects.get(pk=entries[2].pk)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'forged' WHERE id = %s", [target.pk])
    check = audit_verify()
    assert not check.ok and check.first_bad == target.seq


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL (SQLite has one writer)")
@pytest.mark.django_db(transaction=True)
def test_a_write_does_not_wait_for_a_sealer_holding_the_chain() -> None:
    """Inline, every write in the city queued on the head row; deferred, a write commits while it is held."""
    record(0)
    audit_seal()
    held, release = threading.Event(), threading.Event()

    def hold_the_head() -> None:
        try:
            with transaction.atomic():
                AuditHead.objects.select_for_update().get(id=1)
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_head)
    holder.start()
    try:
        assert held.wait(10)
        started = time.monotonic()
        entry = record(1)
        waited = time.monotonic() - started
        assert AuditEntry.objects.filter(pk=entry.pk).exists()
        assert waited < 5, "the write queued behind the chain's lock"
        assert audit_seal(wait=False) == 0  # a second sealer skips instead of queueing
    finally:
        release.set()
        holder.join()
    assert audit_seal() == 1
    assert audit_verify().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent sealers: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_writers_and_sealers_racing_leave_one_unforked_chain(tmp_path: Path) -> None:
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for k in range(25):
                record(n * 100 + k, incident=n)
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    def seal() -> None:
        try:
            for _ in range(20):
                audit_seal(wait=False, batch=7)
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=seal) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    check = audit_verify()
    assert check.ok, check
    assert check.entries == AuditEntry.objects.count() == 100
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 101))
