"""Aware-datetime arithmetic that stays correct in zones with daylight saving.

Python compares and subtracts two datetimes that share a ``tzinfo`` object by wall clock, ignoring the
offset; adding a timedelta is wall-clock too. Deadlines are elapsed time, so every calculation goes
through UTC. Naive datetimes are refused: a deadline computed from one is off by the server's offset.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def require_aware(value: datetime, name: str) -> datetime:
    """Return ``value`` unchanged, or raise ValueError if it is naive (or not a datetime at all)."""
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a timezone-aware datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value


def utc(value: datetime, name: str) -> datetime:
    return require_aware(value, name).astimezone(UTC)


def add_elapsed(start: datetime, delta: timedelta, name: str) -> datetime:
    """``start + delta`` in elapsed time, returned in ``start``'s own zone so callers see familiar offsets."""
    return (utc(start, name) + delta).astimezone(start.tzinfo)
