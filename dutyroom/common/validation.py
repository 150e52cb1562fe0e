"""Field checks shared by services; each failure names the field in Chinese and English."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from dutyroom.common.errors import ValidationFailed

# Clocks of phones and PCs drift; a time up to this far in the future is accepted as "now".
CLOCK_SKEW = timedelta(minutes=5)
# Times outside these bounds are typing mistakes or attacks; at year 1 or 9999 converting to UTC overflows.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


class Errors:
    """Collects every bad field of one request so the caller hears about all of them at once."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[str, str]] = {}

    def add(self, field: str, zh: str, en: str) -> None:
        self.items.setdefault(field, (zh, en))

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(dict(self.items))


def check_time(errors: Errors, field: str, value: datetime | None) -> bool:
    """An aware time between 1900 and 2200 (comparing aware times never overflows; converting them can)."""
    if value is None:
        return True
    if value.tzinfo is None:
        errors.add(field, "时间必须带时区偏移（如 +08:00）", "time must carry a UTC offset such as +08:00")
        return False
    if not EARLIEST <= value < LATEST:
        errors.add(field, "时间超出可接受范围（1900 年至 2199 年）", "time must be between 1900 and 2199")
        return False
    return True


def check_past(errors: Errors, field: str, value: datetime | None, now: datetime) -> None:
    if value is None or not check_time(errors, field, value):
        return
    if value > now + CLOCK_SKEW:
        errors.add(field, "时间不能晚于当前时间", "time cannot be in the future")


def check_text(errors: Errors, field: str, value: str, *, required: bool = False, max_length: int = 0) -> None:
    if "\x00" in value:
        errors.add(field, "不能包含空字符（NUL）", "must not contain NUL characters")
    elif required and not value.strip():
        errors.add(field, "不能为空", "is required")
    elif max_length and len(value) > max_length:
        errors.add(field, f"不能超过 {max_length} 个字符", f"must be at most {max_length} characters")


def check_choice(errors: Errors, field: str, value: str | None, allowed: Iterable[str], zh: str, en: str) -> bool:
    """Enum check with the field's own message; ``None`` passes (optional fields). True when the value is valid."""
    if value is None or value in set(allowed):
        return True
    errors.add(field, zh, en)
    return False
