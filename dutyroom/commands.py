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
# Four, not eight: requests are mostly Python holding the GIL, and with eight threads on two cores they queued
# for it. Sixteen clients filing follow-ups (bench/scale.py): SQLite 43 → 59 reports/s and p99 641 → 349 ms,
# PostgreSQL (two processes) 57 → 69 reports/s and p99 815 → 422 ms; the live board was no slower.
THREADS = int(os.environ.get("DUTYROOM_THREADS", "4"))


def _migrate() -> None:
    call_command("migrate", interactive=False, verbosity=0)
    from dutyroom.incidents.rulebooks import current_snapshot

    current_snapshot()


def _duty_room_ensure() -> None:
    """Every installation has its city duty room: reports, receipts and alerts are owed to it, and the worker's
    sweep and jobs cannot run without it (they logged a traceback every few seconds). Created once, audited."""
    from django.conf import settings
    from django.db import transaction

    from dutyroom.audit.services import audit_record
    from dutyroom.orgs.models import Unit, UnitKind
    from dutyroom.rules import Category

    if Unit.objects.filter(kind=UnitKind.DUTY_ROOM, parent__isnull=True).exists():
        return
    with transaction.atomic():
        unit = Unit.objects.create(
            code="duty-room",
            name=f"{settings.DUTYROOM_INSTANCE_NAME}人民政府值班室",
            name_en="City Government Duty Room",
            kind=UnitKind.DUTY_ROOM,
            categories=[c.value for c in Category],
        )
        audit_record(
            actor=None,
            action="unit.create",
            object_type="unit",
            object_id=unit.pk,
            at=clock_now(),
            unit_code=unit.code,
            data={"name": unit.name, "kind": unit.kind},
        )
    print(f"city duty room created: {unit.name} (unit code {unit.code})")


def init(*, demo: bool) -> int:
    _migrate()
    print("database ready (migrated)")
    _retire_stale_anchor()
    if not demo:
        _duty_room_ensure()
    if demo:
        from dutyroom.demo import demo_password, incidents_load, levels_load, units_load, users_load

        now = clock_now()
        units = units_load()
        users = users_load(now)
        local_units, local_users = levels_load(now)  # 沙溪's own duty room, its villages and their reporters
        units, users = units + local_units, users + local_users
        incidents = incidents_load(now)
        from dutyroom.duty.demo import roster_demo_load

        shifts = roster_demo_load(now, demo_password())
        from dutyroom.handover.demo import duty_log_demo_load

        duty_log_demo_load(now)
        print(f"demo city: {units} new units, {users} new users, {incidents} new sample incidents, {shifts} shifts")
        host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
        print(f"log in at http://{host}:{port}/ as one of:")
        print(f"  duty-officer / {demo_password()}   (市政府值班室 值班员)")
        print(f"  shaxi-reporter / {demo_password()} (沙溪镇 信息员); every <unit>-reporter and <unit>-leader too")
        print(f"  shaxi-duty / {demo_password()}     (沙溪镇值班室 值班员: its villages report to it first)")
        print("second factor (TOTP) is off under `make run` (demo); in production the duty room and admins must")
        print("enrol an authenticator at first login (DUTYROOM_OTP_ROLES, default duty_officer,duty_leader,admin)")
    from dutyroom.audit.services import audit_seal

    audit_seal()  # deferred appends (PostgreSQL): the demo's entries are chained before anyone serves them
    return 0


def _retire_stale_anchor() -> None:
    """A new, empty database starts a new chain: an anchor file left from an old one is moved aside, loudly."""
    from dutyroom.audit.anchor import anchor_retire
    from dutyroom.audit.models import AuditEntry

    if AuditEntry.objects.exists():
        return
    moved = anchor_retire("empty-database")
    if moved is not None:
        print(f"warning: the database has no audit entries; the old audit anchor was moved to {moved}", file=sys.stderr)


def serve(*, host: str, port: int, workers: int) -> int:
    """Gunicorn (WSGI, threads) with the deadline worker embedded in each web process.

    Several embedded workers are safe: transitions are claimed by compare-and-set.
    """
    from django.conf import settings
    from gunicorn.app.base import BaseApplication

    from config.wsgi import application

    _migrate()
    call_command("collectstatic", interactive=False, verbosity=0)
    if not os.environ.get("DUTYROOM_BASE_URL", "").strip():
        # links in alerts point where this server listens, not at a port nobody opened; the environment
        # carries it to the processes started from here
        from config.env import served_base_url

        settings.DUTYROOM_BASE_URL = os.environ["DUTYROOM_BASE_URL"] = served_base_url(host, port)
    embedded = settings.DUTYROOM_EMBEDDED_WORKER
    if connection.vendor == "sqlite" and workers > 1:
        # One writer at a time: in one process writers queue on a lock (common.engine.sqlite); across processes they
        # would poll SQLite's lock with sleeps and the unlucky ones wait seconds. Threads give the concurrency.
        print(
            f"SQLite: serving from one process with {THREADS} threads (asked for {workers}); "
            "set DATABASE_URL=postgresql://… for several processes",
            flush=True,
        )
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
            # live boards poll once a second over kept-alive connections (1,000 boards per process)
            self.cfg.set("worker_connections", 2000)
            self.cfg.set("keepalive", 5)
            self.cfg.set("timeout", 60)
            self.cfg.set("accesslog", "-" if os.environ.get("DUTYROOM_ACCESS_LOG") else None)
            self.cfg.set("post_worker_init", post_worker_init)

        def load(self) -> Any:
            return application

    print(f"DutyRoom serving on http://{host}:{port}/ (worker {'embedded' if embedded else 'external'})", flush=True)
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


def audit_verify(*, no_anchor: bool = False) -> int:
    """The chain, its anchor outside the database (unless ``no_anchor``), and the report rows against what their
    entries prove. Each failure is one line on stderr and exit code 1."""
    from dutyroom.audit.anchor import anchor_path, anchor_present
    from dutyroom.audit.services import audit_verify as verify
    from dutyroom.reports.proof import reports_differing

    result = verify(use_anchor=not no_anchor)
    if not result.ok:
        print(f"audit chain BROKEN at entry {result.first_bad}: {result.reason}", file=sys.stderr)
        return 1
    if not no_anchor and result.entries and not anchor_present():
        print(
            f"audit chain NOT VERIFIED: the anchor file {anchor_path()} is missing or empty, so entries cut from "
            "the tail cannot be detected; put it back from a backup, or run `dutyroom audit verify --no-anchor` to "
            "check the chain against its key alone",
            file=sys.stderr,
        )
        return 1
    differing = reports_differing()
    if differing:
        more = f" (and {len(differing) - 1} more)" if len(differing) > 1 else ""
        print(
            f"audit chain intact, but rows were changed after they were recorded: {differing[0].describe()}{more}",
            file=sys.stderr,
        )
        return 1
    suffix = " (anchor not checked: --no-anchor)" if no_anchor else ""
    print(f"audit chain intact: {result.entries} entries{suffix}")
    return 0


def user_password(name: str, *, password: str | None) -> int:
    import secrets

    from dutyroom.accounts.services import user_set_password

    chosen = password or secrets.token_urlsafe(12)
    user_set_password(username=name, password=chosen, now=clock_now())
    print(f"password of {name} set; their open sessions have ended")
    if password is None:
        print(chosen)
    return 0


def user_otp_reset(name: str) -> int:
    from dutyroom.accounts.otp import otp_reset

    removed = otp_reset(username=name, now=clock_now())
    print(f"{name}: {removed} second-factor device(s) removed; they enrol again at their next login")
    return 0


def user_unlock(name: str) -> int:
    from dutyroom.accounts.services import user_unlock as unlock

    cleared = unlock(username=name, now=clock_now())
    print(f"{name} unlocked ({cleared} lock-out records cleared)")
    return 0


def token_list(name: str | None) -> int:
    from dutyroom.accounts.tokens import token_list as listed
    from dutyroom.common.timefmt import iso_local

    print(f"{'id':>5}  {'prefix':<11} {'user':<20} {'name':<12} {'created':<25} {'last used':<25} revoked")
    for row in listed(username=name):
        used = iso_local(row.last_used_at) or "never"
        revoked = iso_local(row.revoked_at) or "-"
        print(
            f"{row.pk:>5}  {row.prefix:<11} {row.user.username:<20} {row.name:<12} "
            f"{iso_local(row.created_at) or '':<25} {used:<25} {revoked}"
        )
    return 0


def token_revoke(token_id: int) -> int:
    from dutyroom.accounts.tokens import token_revoke as revoke

    row = revoke(token_id=token_id, now=clock_now())
    print(f"token {row.pk} ({row.prefix}…, {row.user.username}) revoked")
    return 0


def backup(file: str) -> int:
    from pathlib import Path

    from dutyroom.backup import backup as write

    print(write(Path(file)))
    return 0


def restore(file: str, *, force: bool = False) -> int:
    from pathlib import Path

    from dutyroom.backup import restore as load

    print(load(Path(file), force=force))
    return 0
