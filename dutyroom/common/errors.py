"""Domain errors raised by services and access checks; the API and web layers translate them.

They carry bilingual messages because the same error reaches a duty officer's Chinese screen and an
integrator's English log.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a person can fix by changing what they asked for."""

    status = 400

    def __init__(self, message: str, message_en: str | None = None, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.message_en = message_en or message
        # machine-readable facts beside the message (e.g. the ISO due time a 409 names in words)
        self.extra = extra or {}


class ValidationFailed(DomainError):
    """One or more fields are wrong; ``errors`` maps each field to a reason (Chinese, English)."""

    status = 400

    def __init__(self, errors: dict[str, tuple[str, str]]) -> None:
        self.errors = errors
        summary = "；".join(f"{field}: {zh}" for field, (zh, _en) in errors.items())
        summary_en = "; ".join(f"{field}: {en}" for field, (_zh, en) in errors.items())
        super().__init__(summary, summary_en)

    @classmethod
    def one(cls, field: str, zh: str, en: str) -> ValidationFailed:
        return cls({field: (zh, en)})


class NotFound(DomainError):
    """Missing *or* not visible to the caller: the two are deliberately indistinguishable."""

    status = 404

    def __init__(self, what: str = "对象") -> None:
        super().__init__(f"{what}不存在或无权查看", "not found")


class Conflict(DomainError):
    """The action is not allowed in the object's current state."""

    status = 409


class Forbidden(DomainError):
    """The caller may see the object but their role may not perform this action."""

    status = 403


class TooMany(DomainError):
    """The caller sent more than a limit allows in a window; ``retry_after`` is how many seconds until one more
    is accepted (the API's ``Retry-After`` header; the message says it in minutes)."""

    status = 429

    def __init__(self, message: str, message_en: str, *, retry_after: int) -> None:
        super().__init__(message, message_en, extra={"retry_after_seconds": retry_after})
        self.retry_after = retry_after
