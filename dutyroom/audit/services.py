"""Writing and verifying the hash-chained audit log.

Each entry's hash (an HMAC with a key kept outside the database, see ``dutyroom.audit.anchor``) covers its
content and the previous entry's hash, so changing or deleting any row breaks every hash after it, and the
anchor file catches a truncated tail or a rebuilt chain. Appends lock the single ``AuditHead`` row: on
PostgreSQL that serialises concurrent writers (the chain must be linear); on SQLite IMMEDIATE transactions already do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from dutyroom.audit.anchor import anchor_append, anchor_map, digest
from dutyroom.audit.models import AuditEntry, AuditHead

GENESIS = "0" * 64


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


def _head() -> AuditHead:
    """The locked chain tip. If someone deleted the head row, it is rebuilt from the last entry, so writes go on
    (verification still reports whatever else was removed, through the anchor)."""
    head = AuditHead.objects.select_for_update().filter(id=1).first()
    if head is not None:
        return head
    last = AuditEntry.objects.order_by("-seq").first()
    if last is None:
        return AuditHead.objects.create(id=1)
    return AuditHead.objects.create(id=1, last_hash=last.hash, count=last.seq)


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """Round-trip through JSON so the hashed form equals what the database gives back later."""
    loaded: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False))
    return loaded


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
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside the transaction of the change it records")
    head = _head()
    entry = AuditEntry(
        seq=head.count + 1,
        at=at,
        actor_id=actor.pk if actor else None,
        actor_label=actor.get_username() if actor else "system",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        incident_id=incident_id,
        unit_code=unit_code,
        data=_jsonable(data or {}),
        prev_hash=head.last_hash,
    )
    entry.hash = _digest(entry)
    entry.save()
    head.last_hash = entry.hash
    head.count = entry.seq
    head.save(update_fields=["last_hash", "count"])
    seq, entry_hash = entry.seq, entry.hash
    transaction.on_commit(lambda: anchor_append(seq, entry_hash), robust=True)
    return entry


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries: int
    first_bad: int | None
    reason: str = ""


def audit_verify() -> ChainCheck:
    """Walk the chain in order; report the first entry whose link, hash or anchor does not hold."""
    anchored = anchor_map()
    previous = GENESIS
    count = 0
    expected_seq = 1
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        count += 1
        if entry.seq != expected_seq:
            return ChainCheck(False, count, expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != previous:
            return ChainCheck(False, count, entry.seq, "link to the previous entry is broken")
        if _digest(entry) != entry.hash:
            return ChainCheck(False, count, entry.seq, "content does not match its hash")
        if anchored.get(entry.seq, entry.hash) != entry.hash:
            return ChainCheck(False, count, entry.seq, "differs from the hash anchored outside the database")
        previous = entry.hash
        expected_seq += 1
    last_anchored = max(anchored, default=0)
    if last_anchored > count:
        return ChainCheck(False, count, count + 1,
                          f"entries {count + 1}–{last_anchored} were deleted (they are anchored outside the database)")
    head = AuditHead.objects.filter(id=1).first()
    if head is not None and head.count != count:
        return ChainCheck(False, count, count + 1, f"entries after {count} were deleted")
    return ChainCheck(True, count, None)
