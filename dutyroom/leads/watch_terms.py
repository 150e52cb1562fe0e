"""Managing the watch list (duty room only): terms for topics, places, events and sensitive periods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from dutyroom.accounts.models import User
from dutyroom.audit.services import audit_record
from dutyroom.common.errors import Conflict, Forbidden
from dutyroom.common.validation import Errors, check_text, check_time
from dutyroom.leads.models import WatchKind, WatchTerm
from dutyroom.leads.text import normalize


@dataclass
class WatchTermInput:
    term: str
    kind: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def _check(data: WatchTermInput) -> str:
    errors = Errors()
    check_text(errors, "term", data.term, required=True, max_length=100)
    normalized = normalize(data.term.strip())
    if data.term.strip() and len(normalized) < 2:
        errors.add("term", "关注词至少两个字符", "a term needs at least two characters")
    if data.kind not in WatchKind.values:
        errors.add("kind", f"类型无效，可选：{', '.join(WatchKind.values)}", "unknown kind")
    bounded = [check_time(errors, name, getattr(data, name)) for name in ("starts_at", "ends_at")]
    if all(bounded) and data.starts_at and data.ends_at and data.ends_at < data.starts_at:
        errors.add("ends_at", "结束时间不能早于开始时间", "ends_at cannot be before starts_at")
    errors.raise_if_any()
    return normalized


def watch_term_create(*, actor: User, data: WatchTermInput, now: datetime) -> WatchTerm:
    if not actor.is_duty_room:
        raise Forbidden("只有值班室可以维护舆情关注词", "only the duty room manages the watch list")
    normalized = _check(data)
    with transaction.atomic():
        if WatchTerm.objects.filter(normalized=normalized, deleted_at__isnull=True).exists():
            raise Conflict("关注词已存在", "the term is already on the watch list")
        term = WatchTerm.objects.create(
            term=data.term.strip(),
            normalized=normalized,
            kind=data.kind,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            created_by=actor,
            created_at=now,
        )
        audit_record(
            actor=actor,
            action="watch_term.create",
            object_type="watch_term",
            object_id=term.pk,
            at=now,
            data={"term": term.term, "kind": term.kind, "starts_at": term.starts_at, "ends_at": term.ends_at},
        )
    return term


def watch_term_delete(*, actor: User, term: WatchTerm, now: datetime) -> None:
    """Soft delete: past hits keep pointing at the term they matched."""
    if not actor.is_duty_room:
        raise Forbidden("只有值班室可以维护舆情关注词", "only the duty room manages the watch list")
    with transaction.atomic():
        updated = WatchTerm.objects.filter(pk=term.pk, deleted_at__isnull=True).update(deleted_at=now)
        if updated != 1:
            raise Conflict("关注词已删除", "the term was already removed")
        audit_record(
            actor=actor,
            action="watch_term.delete",
            object_type="watch_term",
            object_id=term.pk,
            at=now,
            data={"term": term.term},
        )
