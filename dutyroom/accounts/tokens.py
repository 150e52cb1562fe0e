"""API tokens: generated once, shown once, stored as SHA-256 only."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.db import transaction

from dutyroom.accounts.models import ApiToken, User
from dutyroom.audit.services import audit_record

TOKEN_PREFIX = "dr_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, user: User, name: str, now: datetime, actor: User | None = None) -> str:
    """Returns the plain token; it is never retrievable again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ApiToken.objects.create(user=user, name=name, prefix=token[:10], token_hash=_hash(token),
                                      created_at=now)
        audit_record(actor=actor, action="token.create", object_type="api_token", object_id=row.pk, at=now,
                     unit_code=user.unit.code if user.unit else "", data={"user": user.username, "name": name})
    return token


def token_user(token: str) -> User | None:
    row = (
        ApiToken.objects.select_related("user", "user__unit")
        .filter(token_hash=_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return row.user if row else None
