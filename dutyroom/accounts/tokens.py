"""API tokens: generated once, shown once, stored as SHA-256 only."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction

from dutyroom.accounts.models import ApiToken, User
from dutyroom.audit.services import audit_record
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import Conflict, NotFound

TOKEN_PREFIX = "dr_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, user: User, name: str, now: datetime, actor: User | None = None) -> str:
    """Returns the plain token; it is never retrievable again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ApiToken.objects.create(user=user, name=name, prefix=token[:10], token_hash=_hash(token), created_at=now)
        audit_record(
            actor=actor,
            action="token.create",
            object_type="api_token",
            object_id=row.pk,
            at=now,
            unit_code=user.unit.code if user.unit else "",
            data={"user": user.username, "name": name},
        )
    return token


# last_used_at is written at most this often per token: a write per API call would double the API's writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_user(token: str, now: datetime | None = None) -> User | None:
    row = (
        ApiToken.objects.select_related("user", "user__unit")
        .filter(token_hash=_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if row is None:
        return None
    now = now or clock_now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        # a plain stamp, not a state change: no audit row (it would flood the chain with one per minute per client)
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def token_list(*, username: str | None = None) -> list[ApiToken]:
    """Every token (or one user's), newest first, with prefix, last use and revocation; never the secret."""
    rows = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
    if username:
        rows = rows.filter(user__username=username)
    return list(rows)


def token_revoke(*, token_id: int, now: datetime, actor: User | None = None) -> ApiToken:
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update(of=("self",))  # PostgreSQL: the user's unit may be null
        row = locked.select_related("user__unit").filter(pk=token_id).first()
        if row is None:
            raise NotFound("API 令牌")
        if row.revoked_at is not None:
            raise Conflict("该令牌已吊销", "this token is already revoked")
        row.revoked_at = now
        row.save(update_fields=["revoked_at"])
        user = row.user
        audit_record(
            actor=actor,
            action="token.revoke",
            object_type="api_token",
            object_id=row.pk,
            at=now,
            unit_code=user.unit.code if user.unit else "",
            data={"user": user.username, "name": row.name},
        )
    return row
