"""SQLite with one writer at a time per process, queued in order instead of SQLite's sleep-and-retry.

SQLite allows one writer. When several threads of one process open IMMEDIATE transactions at once, all but
one get SQLITE_BUSY and SQLite's busy handler sleeps them in growing steps (up to 100 ms a time) before it
retries; under a burst the unlucky ones wait seconds while the database sits idle between their polls
(measured: p50 97 ms but p99 1,774 ms). Here a process-wide lock is taken before ``BEGIN IMMEDIATE`` and
released at commit, rollback or close, so writers in this process queue and each starts the instant the
previous one commits. Readers (no transaction) never take it. ``dutyroom serve`` runs one process on SQLite,
so this is the one-writer discipline for the whole server; other processes (a separate ``dutyroom worker``)
still meet SQLite's own lock, with its busy timeout.

The lock is waited for at most the busy timeout; after that the transaction proceeds and SQLite decides,
exactly as without this backend (a test holding a transaction open while another thread writes must not hang).
"""

from __future__ import annotations

import threading
from typing import Any

from django.db.backends.sqlite3 import base

WRITE_LOCK = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_write_lock = False

    def _lock_wait_seconds(self) -> float:
        return float(self.settings_dict.get("OPTIONS", {}).get("timeout", 20))

    def _start_transaction_under_autocommit(self) -> None:
        if not self._holds_write_lock:
            self._holds_write_lock = WRITE_LOCK.acquire(timeout=self._lock_wait_seconds())
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_write_lock()
            raise

    def _release_write_lock(self) -> None:
        if self._holds_write_lock:
            self._holds_write_lock = False
            WRITE_LOCK.release()

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._release_write_lock()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._release_write_lock()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            self._release_write_lock()
