"""Writing and verifying the hash-chained audit log.

Each entry's hash (an HMAC with a key kept outside the database, see ``dutyroom.audit.anchor``) covers its
content and the previous entry's hash, so changing or deleting any row breaks every hash after it, and the
anchor file catches a truncated tail or a rebuilt chain.

Two ways to append (``settings.DUTYROOM_AUDIT_APPEND``):

* ``inline`` (default on SQLite): the entry is chained inside its change's transaction. The chain's tip is its
  last sealed entry; SQLite has one writer at a time, so the tip cannot move under the writer (on PostgreSQL,
  inline writers queue on the single ``AuditHead`` row first). Each process remembers the tip it last wrote and
  appends with one INSERT that takes effect only if that tip is still the chain's last entry (same number, same
  hash, nothing after it); otherwise (another process wrote, a transaction rolled back, a restore) it reads the
  tip and appends again. The chain is never extended from a stale tip: the condition is checked by the INSERT
  itself, under the writer's lock.
* ``deferred`` (default on PostgreSQL): the change's transaction only INSERTs the entry, *pending*
  (no ``seq``, no hash), so concurrent writers never queue on one row. A single sealer at a time (the worker's
  ``audit_seal_job``, and ``audit_verify`` before it walks) locks the head, takes the pending entries in id
  order and chains them in one transaction, many per commit. Under load one head lock held for a whole
  business transaction made every write in the city wait behind the slowest (a lock convoy: 35 req/s, p50
  416 ms on 2 cores); the sealer holds it for one short batch. The price is a window (normally under a
  second, one worker pass) in which a committed entry is in the table but not yet chained: someone who can
  write the database could alter it unseen in that window. ``docs/security.md`` says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from dutyroom.audit.anchor import anchor_append_many, anchor_map, digest
from dutyroom.audit.models import AuditEntry, AuditHead
from dutyroom.common.engine.bulk import insert_many, update_columns

GENESIS = "0" * 64
SEAL_IDLE = timedelta(seconds=1)


def _canonical(entry: AuditEntry) -> str:
    body = {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "incident_id": entry.incident_id,
        "unit_code": entry.unit_code,
        "data": entry.data,
        "prev": entry.prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)


def _digest(entry: AuditEntry) -> str:
    return digest(_canonical(entry))


def _head(*, skip_locked: bool = False) -> AuditHead | None:
    """Lock the head row: the one place where sealers (and inline writers on PostgreSQL) queue, so the chain
    never forks. If someone deleted it, it is created again (verification still reports whatever else was
    removed, through the anchor). With ``skip_locked`` on PostgreSQL, None when another sealer holds it."""
    skip = skip_locked and connection.features.has_select_for_update_skip_locked
    for _ in range(3):
        head = AuditHead.objects.filter(id=1).select_for_update(skip_locked=skip).first()
        if head is not None:
            return head
        if skip and AuditHead.objects.filter(id=1).exists():
            return None
        # Two sealers may both find no head: one insert wins, the other waits for it and then locks that row.
        AuditHead.objects.bulk_create([AuditHead(id=1)], ignore_conflicts=True)
    raise RuntimeError("the audit chain's head row could not be locked")


Tip = tuple[int, str]  # the chain's last sealed entry: (seq, hash); (0, GENESIS) while it is empty


def _last_sealed() -> Tip:
    """The chain's tip as stored: the sealed entry with the highest number (through the unique index)."""
    row = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").values_list("seq", "hash").first()
    if row is None or row[0] is None or row[1] is None:
        return 0, GENESIS
    return int(row[0]), str(row[1])


# The tip each database's chain had after this process's last inline append (see the module's docstring). Only
# a hint: an append from it takes effect only if it is still the tip.
_tips: dict[tuple[str, str], Tip] = {}


def _tip_key() -> tuple[str, str]:
    return connection.alias, str(connection.settings_dict.get("NAME"))


def append_mode() -> str:
    """``inline`` or ``deferred`` (see the module's docstring); unset means by database."""
    mode = getattr(settings, "DUTYROOM_AUDIT_APPEND", "") or ""
    if mode in ("inline", "deferred"):
        return mode
    return "inline" if connection.vendor == "sqlite" else "deferred"


def _chain(tip: Tip, entries: list[AuditEntry]) -> Tip:
    """Give each entry its place after ``tip`` (in list order) and its keyed hash; returns the new tip."""
    count, last_hash = tip
    for entry in entries:
        count += 1
        entry.seq = count
        entry.prev_hash = last_hash
        entry.hash = _digest(entry)
        last_hash = entry.hash
    return count, last_hash


def _anchor_on_commit(entries: list[AuditEntry]) -> None:
    anchored = [(e.seq, e.hash) for e in entries if e.seq is not None and e.hash is not None]
    transaction.on_commit(lambda: anchor_append_many(anchored), robust=True)


def _append_after(tip: Tip, entries: list[AuditEntry]) -> bool:
    """INSERT the chained ``entries`` only if ``tip`` is still the chain's last sealed entry; True if they were
    written (each then has its id). One statement: the rows come from a VALUES list filtered by the condition
    (on PostgreSQL the first row's values are cast to the columns' types)."""
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    table = quote(AuditEntry._meta.db_table)
    seq = quote("seq")
    cast = connection.vendor == "postgresql"
    first = "(" + ", ".join(f"%s::{f.cast_db_type(connection)}" if cast else "%s" for f in fields) + ")"
    other = "(" + ", ".join(["%s"] * len(fields)) + ")"
    rows = ", ".join([first] + [other] * (len(entries) - 1))
    params: list[Any] = [f.get_db_prep_save(getattr(e, f.attname), connection) for e in entries for f in fields]
    count, last_hash = tip
    condition = f"NOT EXISTS (SELECT 1 FROM {table} WHERE {seq} > %s)"
    params.append(count)
    if count:
        condition += f" AND EXISTS (SELECT 1 FROM {table} WHERE {seq} = %s AND {quote('hash')} = %s)"
        params += [count, last_hash]
    columns = ", ".join(quote(str(f.column)) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT * FROM (VALUES {rows}) AS appended WHERE {condition} "
            f"RETURNING {quote('id')}, {seq}",
            params,
        )
        written = dict((row[1], row[0]) for row in cursor.fetchall())
    if not written:
        return False
    for entry in entries:
        entry.pk = written[entry.seq]
        entry._state.adding = False
        entry._state.db = connection.alias
    return True


def _append_inline(entries: list[AuditEntry]) -> None:
    """Chain ``entries`` after the tip inside the caller's transaction: one INSERT when this process wrote the
    last entry, a read of the tip and the INSERT otherwise."""
    if connection.vendor != "sqlite":  # SQLite's write lock already admits one writer at a time
        _head()
    key = _tip_key()
    tip = _tips.get(key)
    for _ in range(2):
        if tip is None:
            tip = _last_sealed()
        new_tip = _chain(tip, entries)
        if _append_after(tip, entries):
            _tips[key] = new_tip  # kept even if the transaction rolls back: the next append finds it stale
            _anchor_on_commit(entries)
            return
        _tips.pop(key, None)
        tip = None
    raise RuntimeError("the audit chain's tip moved while this transaction held the writer's lock")


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """Round-trip through JSON so the hashed form equals what the database gives back later."""
    loaded: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False))
    return loaded


@dataclass(frozen=True)
class AuditRecord:
    """One entry to append (``audit_record_many``): what ``audit_record`` takes as keywords."""

    action: str
    object_type: str
    object_id: object
    at: datetime
    actor: AbstractBaseUser | None = None
    incident_id: int | None = None
    unit_code: str = ""
    data: dict[str, Any] | None = None


def _entry(record: AuditRecord) -> AuditEntry:
    actor = record.actor
    return AuditEntry(
        at=record.at,
        actor_id=actor.pk if actor else None,
        actor_label=actor.get_username() if actor else "system",
        action=record.action,
        object_type=record.object_type,
        object_id=str(record.object_id),
        incident_id=record.incident_id,
        unit_code=record.unit_code,
        data=_jsonable(record.data or {}),
    )


def audit_record_many(records: list[AuditRecord]) -> list[AuditEntry]:
    """Append several entries in one go (the worker fires clocks by the batch): one INSERT for all of them, and
    inline, one lock of the head. Must run inside the caller's transaction, like ``audit_record``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside the transaction of the change it records")
    entries = [_entry(record) for record in records]
    if not entries:
        return entries
    if append_mode() == "deferred":
        return insert_many(entries, returning_ids=True)  # pending: sealed by audit_seal
    _append_inline(entries)
    return entries


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    object_type: str,
    object_id: object,
    at: datetime,
    incident_id: int | None = None,
    unit_code: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Must run inside the caller's transaction (the change and its audit commit together)."""
    return audit_record_many(
        [
            AuditRecord(
                action=action,
                object_type=object_type,
                object_id=object_id,
                at=at,
                actor=actor,
                incident_id=incident_id,
                unit_code=unit_code,
                data=data,
            )
        ]
    )[0]


SEAL_BATCH = 2000


def audit_seal(*, batch: int = SEAL_BATCH, wait: bool = True) -> int:
    """Chain every pending entry (deferred mode), oldest id first, ``batch`` per transaction; returns how many.

    One sealer at a time holds the head; with ``wait=False`` (the worker) a second sealer skips instead of
    queueing behind the first, which is already doing the work. Entries committed while a batch runs are
    taken by the next batch or the next pass.
    """
    sealed = 0
    while True:
        with transaction.atomic():
            head = _head(skip_locked=not wait)
            if head is None:
                return sealed
            pending = list(AuditEntry.objects.filter(seq__isnull=True).order_by("id")[:batch])
            if not pending:
                return sealed
            _chain(_last_sealed(), pending)
            update_columns(
                AuditEntry,
                ["seq", "prev_hash", "hash"],
                {entry.pk: (entry.seq, entry.prev_hash, entry.hash) for entry in pending},
            )
            _anchor_on_commit(pending)
        sealed += len(pending)
        if len(pending) < batch:
            return sealed


def audit_seal_job(now: datetime) -> datetime | None:
    """Worker job: seal what is pending; asks to run again soon while entries keep arriving."""
    if append_mode() != "deferred":
        return None
    # while idle, look again within a second: entries written by pages (which wake no worker) are sealed as soon
    # as before, when every job ran every half second
    return now + (timedelta(milliseconds=200) if audit_seal(wait=False) else SEAL_IDLE)


FOREIGN_KEY = "the chain was written with another audit key (another instance's data, or the key was lost)"


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries: int
    first_bad: int | None
    reason: str = ""


def audit_verify(*, use_anchor: bool = True) -> ChainCheck:
    """Walk the chain in order; report the first entry whose link, hash or anchor does not hold.

    Pending entries are sealed first, so the answer covers everything committed before the call. Without
    ``use_anchor`` the chain is checked against the key alone (a restore checks a backup's chain before the
    anchor is rebuilt from it)."""
    audit_seal()
    anchored = anchor_map() if use_anchor else {}
    previous = GENESIS
    count = 0
    expected_seq = 1
    first_unkeyed = False
    for entry in AuditEntry.objects.filter(seq__isnull=False).order_by("seq").iterator(chunk_size=2000):
        count += 1
        if entry.seq != expected_seq:
            return ChainCheck(False, count, expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != previous:
            return ChainCheck(False, count, entry.seq, "link to the previous entry is broken")
        if _digest(entry) != entry.hash:
            if first_unkeyed:  # the first two both fail: not an edit but another key
                return ChainCheck(False, count, 1, FOREIGN_KEY)
            if entry.seq == 1:  # an edit of the first entry, or every entry under another key: see the second
                first_unkeyed = True
                previous = entry.hash or ""
                expected_seq += 1
                continue
            return ChainCheck(False, count, entry.seq, "content does not match its hash")
        if first_unkeyed:  # the second holds: the first was edited
            break
        if anchored.get(entry.seq, entry.hash) != entry.hash:
            return ChainCheck(False, count, entry.seq, "differs from the hash anchored outside the database")
        previous = entry.hash
        expected_seq += 1
    if first_unkeyed:
        return ChainCheck(False, count, 1, FOREIGN_KEY if count == 1 else "content does not match its hash")
    last_anchored = max(anchored, default=0)
    if last_anchored > count:
        return ChainCheck(
            False,
            count,
            count + 1,
            f"entries {count + 1}–{last_anchored} were deleted (they are anchored outside the database)",
        )
    return ChainCheck(True, count, None)
