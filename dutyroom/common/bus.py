"""Signals between processes: PostgreSQL LISTEN/NOTIFY, one listening connection per process.

A write that concerns other processes (a nearer deadline for the workers, a change for every web process's
live board) publishes a topic after its commit; each process that subscribed holds one LISTEN connection in a
daemon thread and calls its callbacks. Never one connection per browser: the web processes share what they
hear among all their clients. On SQLite (one process by design) publishing only calls this process's own
subscribers. A lost listening connection is re-opened after a second; a signal missed meanwhile costs at most
the listener's fallback (the worker's capped sleep, the board's poll), never a lost clock or alert.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection

log = logging.getLogger("dutyroom.bus")
CHANNEL = "dutyroom"
Callback = Callable[[str], None]

_subscribers: list[tuple[str, Callback]] = []
_lock = threading.Lock()
_listener: threading.Thread | None = None
_listening = threading.Event()
_stopping = threading.Event()


def _deliver(topic: str) -> None:
    with _lock:
        wanted = [callback for name, callback in _subscribers if name == topic]
    for callback in wanted:
        try:
            callback(topic)
        except Exception:  # a subscriber's failure must not silence the others
            log.exception("bus subscriber for %s failed", topic)


def publish(topic: str) -> None:
    """Tell every process (this one included). Call after commit: a NOTIFY inside a transaction is only
    delivered when it commits, and a rolled-back change must not wake anyone."""
    if connection.vendor != "postgresql":
        _deliver(topic)
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, topic])
    except Exception:  # the signal is an optimisation; the fallbacks still run
        log.warning("could not publish %s; listeners fall back to polling", topic, exc_info=True)
        _deliver(topic)


def subscribe(topic: str, callback: Callback) -> None:
    """Call ``callback(topic)`` whenever any process publishes ``topic``; starts this process's listener."""
    with _lock:
        _subscribers.append((topic, callback))
    if connection.vendor == "postgresql":
        _start_listener()


def ensure_listener() -> None:
    """(Re)start this process's listener if it subscribed and the listener is not running."""
    if connection.vendor == "postgresql" and _subscribers:
        _start_listener()


def listening(timeout: float = 5.0) -> bool:
    """True once this process's LISTEN is in place (tests and start-up wait for it)."""
    return _listening.wait(timeout)


def _conninfo() -> dict[str, Any]:
    settings = connection.settings_dict
    params: dict[str, Any] = {"dbname": settings["NAME"], "autocommit": True}
    for key, name in (("USER", "user"), ("PASSWORD", "password"), ("HOST", "host"), ("PORT", "port")):
        if settings.get(key):
            params[name] = settings[key]
    return params


def _listen_forever(params: dict[str, Any]) -> None:
    import psycopg

    while not _stopping.is_set():
        try:
            with psycopg.connect(**params) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                _listening.set()
                while not _stopping.is_set():
                    for note in conn.notifies(timeout=1.0):
                        _deliver(note.payload)
        except Exception:
            log.warning("bus listener lost its connection; reconnecting", exc_info=True)
            time.sleep(1.0)
        finally:
            _listening.clear()


def stop() -> None:
    """Close this process's listening connection (tests, before their database is dropped)."""
    global _listener
    with _lock:
        thread, _listener = _listener, None
    if thread is not None:
        _stopping.set()
        thread.join(timeout=5)
        _stopping.clear()


def _start_listener() -> None:
    global _listener
    with _lock:
        if _listener is not None:
            return
        _listener = threading.Thread(target=_listen_forever, args=(_conninfo(),), name="dutyroom-bus", daemon=True)
        _listener.start()
