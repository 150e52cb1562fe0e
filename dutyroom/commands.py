"""Implementations behind the `dutyroom` command line (Django is set up by `dutyroom.cli`)."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from django.core.management import call_command
from django.db import connection

from dutyroom.common.clock import now as clock_now

# gthread threads per web process: each keeps one database connection (CONN_MAX_AGE), so PostgreSQL needs
# max_connections ≥ processes × THREADS + workers + admin head-room (deploy/postgresql/dutyroom.conf).
THREADS = int(os.environ.get("DUTYROOM_THREADS", "8"))


def _migrate() -> None:
    call_command("migrate", interactive=False, verbosity=0)
    from dutyroom.incidents.rulebooks import current_snapshot

    current_snapshot()


def init(*, demo: bool) -> int:
    _migrate()
    print("database ready (migrated)")
    if demo:
        from dutyroom.demo import demo_password, incidents_load, units_load, users_load

        now = clock_now()
        units = units_load()
        users = users_load(now)
        incidents = incidents_load(now)
        from dutyroom.duty.demo import roster_demo_load

        shifts = roster_demo_load(now, demo_password())
        print(f"demo city: {units} new units, {users} new users, {incidents} new sample incidents, {shifts} shifts")
        print("log in at http://127.0.0.1:8000/ as one of:")
        print(f"  duty-officer / {demo_password()}   (市政府值班室 值班员)")
        print(f"  shaxi-reporter / {demo_password()} (沙溪镇 信息员); every <unit>-reporter and <unit>-leader too")
    return 0


def serve(*, host: str, port: int, workers: int) -> int:
    """Gunicorn (WSGI, threads) with the deadline worker embedded in each web process.

    Several embedded workers are safe: transitions are claimed by compare-and-set.
    """
    from django.conf import settings
    from gunicorn.app.base import BaseApplication

    from config.wsgi import application

    _migrate()
    call_command("collectstatic", interactive=False, verbosity=0)
    embedded = settings.DUTYROOM_EMBEDDED_WORKER
    if connection.vendor == "sqlite" and workers > 1:
        # One writer at a time: in one process writers queue on a lock (config/sqlite); across processes they
        # would poll SQLite's lock with sleeps and the unlucky ones wait seconds. Threads give the concurrency.
        print(f"SQLite: serving from one process with {THREADS} threads (asked for {workers}); "
              "set DATABASE_URL=postgresql://… for several processes", flush=True)
        workers = 1

    def post_worker_init(_worker: Any) -> None:
        if embedded:
            from dutyroom.worker.loop import start_in_thread

            start_in_thread()

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", max(1, workers))
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", THREADS)
            # live boards poll once a second over kept-alive connections (issue 7: 1,000 boards per process)
            self.cfg.set("worker_connections", 2000)
            self.cfg.set("keepalive", 5)
            self.cfg.set("timeout", 60)
            self.cfg.set("accesslog", "-" if os.environ.get("DUTYROOM_ACCESS_LOG") else None)
            self.cfg.set("post_worker_init", post_worker_init)

        def load(self) -> Any:
            return application

    print(f"DutyRoom serving on http://{host}:{port}/ (worker {'embedded' if embedded else 'external'})",
          flush=True)
    Server().run()
    return 0


def worker() -> int:
    import threading

    from dutyroom.worker.loop import Worker

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print("DutyRoom worker running (Ctrl-C to stop)", flush=True)
    Worker(stop).run_forever()
    return 0


def user_add(name: str, *, role: str, unit: str, password: str | None) -> int:
    from dutyroom.accounts.services import user_add as add

    user = add(username=name, role=role, unit_code=unit, password=password, now=clock_now())
    print(f"user {user.username} created (role {user.role}, unit {unit})")
    return 0


def token_create(name: str) -> int:
    from dutyroom.accounts.models import User
    from dutyroom.accounts.tokens import token_create as create

    user = User.objects.filter(username=name).first()
    if user is None:
        print(f"dutyroom: unknown user {name}", file=sys.stderr)
        return 1
    token = create(user=user, name="cli", now=clock_now())
    print(f"API token for {name} (shown once; only its hash is stored):")
    print(token)
    return 0


def audit_verify() -> int:
    from dutyroom.audit.services import audit_verify as verify

    result = verify()
    if result.ok:
        print(f"audit chain intact: {result.entries} entries")
        return 0
    print(f"audit chain BROKEN at entry {result.first_bad}: {result.reason}", file=sys.stderr)
    return 1
