"""The one place the application reads the wall clock.

The rules core never calls this: services read ``now()`` once and pass it down, so every decision in
one transaction sees the same instant and tests can pin it.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """Aware UTC now, truncated to whole milliseconds so values round-trip through every database."""
    current = datetime.now(UTC)
    return current.replace(microsecond=(current.microsecond // 1000) * 1000)
