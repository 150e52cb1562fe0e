"""Database connections of the long-running loops (the worker's sweeps, jobs and deliveries).

Django's ``close_old_connections`` closes a connection whose ``CONN_MAX_AGE`` is 0 after every unit of work. That
is SQLite's setting (the web opens one per request), and the loops called it after every step: in the overdue
burst the deadline sweep re-opened its SQLite connection (the file, WAL and busy pragmas, Django's SQL
functions) four or five times a second, a tenth of its samples under py-spy. A loop thread is the only user of
its connection, so it keeps it from step to step and lets go only after a failure (the connection may be
broken) or when its age is up (``CONN_MAX_AGE`` on PostgreSQL), and closes it when the loop ends.
"""

from __future__ import annotations

from django.db import close_old_connections, connections


def step_done(*, failed: bool = False) -> None:
    """After one step of a loop: close this thread's connections only if the step failed or they are too old."""
    if failed:
        close_old_connections()  # a connection that saw an error is checked, and closed if unusable or at age 0
        return
    for conn in connections.all(initialized_only=True):
        if conn.settings_dict.get("CONN_MAX_AGE") != 0:
            conn.close_if_unusable_or_obsolete()


def loop_done() -> None:
    """When a loop ends: close this thread's connections (nothing else would, until the thread is collected)."""
    connections.close_all()
