"""Unread counts for the live board's version check, one query per version per process.

Every open board asks ``/board/version`` each second; when the version moves, each of them used to count its
user's unread alerts — a query per board per event (1,000 boards: 1,000 queries in the second after every event,
which saturated one web process on PostgreSQL). The counts of every user with unread alerts are read once per
version (a GROUP BY on the partial index ``notification_unread``) and shared. Marking alerts read in this process
drops the cache at once; another process sees it with its next version.
"""

from __future__ import annotations

import threading

from django.db.models import Count

from dutyroom.alerts.models import Notification

_lock = threading.Lock()
_cached: tuple[str, dict[int, int]] | None = None


def unread_count(user_id: int, version: str) -> int:
    """The user's unread alerts as of ``version`` (the live board's version string)."""
    global _cached
    with _lock:
        cached = _cached
    if cached is None or cached[0] != version:
        counts = dict(
            Notification.objects.filter(read_at__isnull=True)
            .order_by()
            .values("user_id")
            .annotate(n=Count("id"))
            .values_list("user_id", "n")
        )
        cached = (version, counts)
        with _lock:
            _cached = cached
    return cached[1].get(user_id, 0)


def unread_forget() -> None:
    """Something was marked read here: the next check counts again."""
    global _cached
    with _lock:
        _cached = None
