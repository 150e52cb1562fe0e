"""Group `load`: many clients filing reports at once; nothing may be lost, duplicated or refused.

BENCH_LOAD_CLIENTS_PG (default 200) clients on PostgreSQL and BENCH_LOAD_CLIENTS_SQLITE (default 50) on SQLite,
each on its own kept-alive connection filing follow-ups on its own incident through
`POST /api/v1/incidents/{id}/reports` for BENCH_LOAD_SECONDS (default 60), against `dutyroom serve` (PostgreSQL:
BENCH_WEB_WORKERS processes, default 2; SQLite: one). Afterwards the database is counted against what was
acknowledged: `load_errors` (transport errors and non-2xx answers), `load_lost` (acknowledged, not stored),
`load_duplicated` (a follow-up number used twice), `load_p99_ms` and `load_p50_ms`.

A second phase races late first reports against the worker's sweep: BENCH_LATE_BURST (default 2,000) incidents
opened 50 minutes after they occurred, so every first-report clock is already due, then a `dutyroom worker`
starts on that burst while the clients file the first written report of their own share of those incidents for
BENCH_LATE_SECONDS (default 15). A report and the flip of its clock take the same rows at the same moment (on
PostgreSQL they used to deadlock): `late_race_errors` must be 0; `late_race_reports` and `late_race_p99_ms` are
printed beside it.
"""

from __future__ import annotations

import os

from _loadgen import run_load
from figures import Figure, figure, run_per_database
from scale import follow_up_integrity, free_port, seed_incidents, start_server, start_worker, wait_until_up

CLIENTS = {
    "postgresql": int(os.environ.get("BENCH_LOAD_CLIENTS_PG", "200")),
    "sqlite": int(os.environ.get("BENCH_LOAD_CLIENTS_SQLITE", "50")),
}
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
LATE_BURST = int(os.environ.get("BENCH_LATE_BURST", "2000"))
LATE_SECONDS = float(os.environ.get("BENCH_LATE_SECONDS", "15"))


def measure(db: str) -> list[Figure]:
    from django.db import connections

    clients = CLIENTS[db]
    print(f"  {clients} clients × {SECONDS:g} s on {db}", flush=True)
    seeded = seed_incidents(clients)
    connections.close_all()
    port = free_port()
    server = start_server(db, port)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/login/")

        def make(client: int, n: int) -> tuple[str, str, dict[str, str], object]:
            incident, token = seeded[client]
            return (
                "POST",
                f"/api/v1/incidents/{incident}/reports",
                {"Authorization": f"Bearer {token}", "Idempotency-Key": f"load-{client}-{n}"},
                {"kind": "followup", "summary": f"续报 {client}-{n}：现场处置中"},
            )

        result = run_load("127.0.0.1", port, make, clients=clients, seconds=SECONDS, keep_bodies=True)
        print(result.describe(f"  report submit ({db})"), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=60)
    lost, duplicated = follow_up_integrity(seeded, result)
    errors = len(result.errors) + sum(n for status, n in result.statuses.items() if status >= 400)
    p99 = result.percentile(0.99)
    return [
        figure("load_errors", errors, "requests", goal="0", met=errors == 0, db=db),
        figure("load_lost", lost, "reports", goal="0", met=lost == 0, db=db),
        figure("load_duplicated", duplicated, "numbers", goal="0", met=duplicated == 0, db=db),
        figure("load_p99_ms", p99, "ms", db=db),
        figure("load_p50_ms", result.percentile(0.5), "ms", db=db),
        figure("load_reports", result.ok, "reports", db=db),
        figure("load_clients", clients, "clients", db=db),
        *late_race(db, clients),
    ]


def seed_late(count: int) -> list[tuple[int, str]]:
    """Incidents opened 50 minutes after they occurred: each first-report clock is due the moment it exists."""
    from datetime import UTC, datetime, timedelta

    from dutyroom.accounts.models import User
    from dutyroom.accounts.tokens import token_create
    from dutyroom.incidents.services import IncidentInput, incident_create

    reporters = list(User.objects.filter(role="unit_reporter").select_related("unit").order_by("username"))
    now = datetime.now(UTC)
    tokens = {u.pk: token_create(user=u, name="bench-late", now=now) for u in reporters}
    seeded = []
    for n in range(count):
        reporter = reporters[n % len(reporters)]
        incident = incident_create(
            actor=reporter,
            now=now,
            data=IncidentInput(
                title=f"late bench {n}",
                category="accident",
                subtype="fire",
                grade="IV",
                occurred_at=now - timedelta(minutes=50),
            ),
        )
        seeded.append((incident.pk, tokens[reporter.pk]))
    return seeded


def late_race(db: str, clients: int) -> list[Figure]:
    """The worker starts on a burst of due first-report clocks while their units file those first reports."""
    from django.db import connections

    seeded = seed_late(LATE_BURST)
    connections.close_all()
    shares = [seeded[c::clients] for c in range(clients)]
    port = free_port()
    server = start_server(db, port)
    worker = None
    try:
        wait_until_up(f"http://127.0.0.1:{port}/login/")

        def make(client: int, n: int) -> tuple[str, str, dict[str, str], object]:
            incident, token = shares[client][n % len(shares[client])]  # the first pass races the clocks
            return (
                "POST",
                f"/api/v1/incidents/{incident}/reports",
                {"Authorization": f"Bearer {token}"},
                {"kind": "written", "summary": f"首报 {client}-{n}：现场已处置"},
            )

        worker = start_worker()
        result = run_load("127.0.0.1", port, make, clients=clients, seconds=LATE_SECONDS)
        print(result.describe(f"  late first reports racing the sweep ({db})"), flush=True)
    finally:
        for process in (worker, server):
            if process is not None:
                process.terminate()
                process.wait(timeout=60)
    errors = len(result.errors) + sum(n for status, n in result.statuses.items() if status >= 400)
    return [
        figure("late_race_errors", errors, "requests", goal="0", met=errors == 0, db=db),
        figure("late_race_reports", result.ok, "reports", db=db),
        figure("late_race_p99_ms", result.percentile(0.99), "ms", db=db),
    ]


if __name__ == "__main__":
    run_per_database("load", measure)
