"""``Idempotency-Key``: a retried write returns the first result and creates nothing new.

The key is per user. The record is written in the same transaction as the write it protects, so a
crash either keeps both or neither; a concurrent duplicate hits the unique constraint and then reads
the winner's stored response. Reusing a key for a different request is refused with 409.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from dutyroom.accounts.models import User
from dutyroom.api.models import IdempotencyRecord
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import Conflict, ValidationFailed
from dutyroom.common.middleware import parsed_json

Result = tuple[int, Any]


def _request_hash(request: HttpRequest) -> str:
    """Hash of what the request means: the same JSON re-indented or with keys reordered is the same request."""
    body = json.dumps(parsed_json(request.body), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _stored(user: User, key: str, digest: str) -> Result | None:
    record = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if record is None:
        return None
    if record.request_hash != digest:
        raise Conflict("该 Idempotency-Key 已用于另一个请求", "this Idempotency-Key was used for a different request")
    return record.status_code, record.response


def idempotent(request: HttpRequest, action: Callable[[], Result]) -> Result:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return action()
    if len(key) > 200:
        raise ValidationFailed.one("Idempotency-Key", "不能超过 200 个字符", "must be at most 200 characters")
    user: User = request.user  # type: ignore[assignment]
    digest = _request_hash(request)
    previous = _stored(user, key, digest)
    if previous is not None:
        return previous
    try:
        with transaction.atomic():
            status, body = action()
            stored = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
            IdempotencyRecord.objects.create(
                user=user,
                key=key,
                method=request.method or "",
                path=request.path,
                request_hash=digest,
                status_code=status,
                response=stored,
                created_at=clock_now(),
            )
            return status, stored
    except IntegrityError:
        previous = _stored(user, key, digest)
        if previous is None:
            raise
        return previous
