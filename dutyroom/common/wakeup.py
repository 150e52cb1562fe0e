"""Wake-up for the deadline worker: a nearer deadline written by a request wakes it at once.

In this process through an event; in other processes (``dutyroom worker`` beside the web processes on
PostgreSQL) through the bus's LISTEN/NOTIFY. Without either, a worker still wakes within its capped sleep.
"""

from __future__ import annotations

import threading
import time

from dutyroom.common import bus

TOPIC = "wakeup"
# A burst of writes publishes once: one wake-up makes the worker look at everything that is due.
COALESCE_SECONDS = 0.05

_event = threading.Event()
_deliveries = threading.Event()  # the delivery thread's own: a new alert wakes it at once
_jobs = threading.Event()  # the worker's jobs thread (alert ladder, fan-out …): new work wakes it at once
_last_published = 0.0
_subscribed = False


def notify() -> None:
    """After a commit that wrote or moved a deadline (or queued an alert): wake every worker."""
    global _last_published
    _event.set()
    _deliveries.set()
    _jobs.set()
    now = time.monotonic()
    if now - _last_published >= COALESCE_SECONDS:
        _last_published = now
        bus.publish(TOPIC)


def _woken(_topic: str) -> None:
    _event.set()
    _deliveries.set()
    _jobs.set()


def listen() -> None:
    """Hear other processes' wake-ups too (a worker calls this once)."""
    global _subscribed
    if not _subscribed:
        _subscribed = True
        bus.subscribe(TOPIC, _woken)
    bus.ensure_listener()


def wait_deliveries(timeout: float) -> bool:
    woken = _deliveries.wait(timeout)
    _deliveries.clear()
    return woken


def wait_jobs(timeout: float) -> bool:
    woken = _jobs.wait(timeout)
    _jobs.clear()
    return woken


def wait(timeout: float) -> bool:
    """Sleep up to ``timeout`` seconds; True if woken early."""
    woken = _event.wait(timeout)
    _event.clear()
    return woken
