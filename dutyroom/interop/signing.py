"""HMAC-SHA256 over the raw body with the key the two instances share (the same scheme as our webhooks)."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-DutyRoom-Signature"
INSTANCE_HEADER = "X-DutyRoom-Instance"
FORWARDING_HEADER = "X-DutyRoom-Forwarding"


def sign(key: str, body: bytes) -> str:
    return "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(key: str, body: bytes, signature: str) -> bool:
    return bool(key) and hmac.compare_digest(sign(key, body), signature or "")
