"""In-process wake-up for the deadline worker: a nearer deadline written by a request wakes it at once.

Other processes (production workers on PostgreSQL) fall back to their capped sleep of under a second.
"""

from __future__ import annotations

import threading

_event = threading.Event()


def notify() -> None:
    _event.set()


def wait(timeout: float) -> bool:
    """Sleep up to ``timeout`` seconds; True if woken early."""
    woken = _event.wait(timeout)
    _event.clear()
    return woken
