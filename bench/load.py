"""Group `load`: many clients filing reports at once; nothing may be lost, duplicated or refused.

BENCH_LOAD_CLIENTS_PG (default 200) clients on PostgreSQL and BENCH_LOAD_CLIENTS_SQLITE (default 50) on SQLite,
each on its own kept-alive connection filing follow-ups on its own incident through
`POST /api/v1/incidents/{id}/reports` for BENCH_LOAD_SECONDS (default 60), against `dutyroom serve` (PostgreSQL:
BENCH_WEB_WORKERS processes, default 2; SQLite: one). Afterwards the database is counted against what was
acknowledged: `load_errors` (transport errors and non-2xx answers), `load_lost` (acknowledged, not stored),
`load_duplicated` (a follow-up number used twice), `load_p99_ms` and `load_p50_ms`.
"""

from __future__ import annotations

import os

from _loadgen import run_load
from figures import Figure, figure, run_per_database
from scale import follow_up_integrity, free_port, seed_incidents, start_server, wait_until_up

CLIENTS = {"postgresql": int(os.environ.get("BENCH_LOAD_CLIENTS_PG", "200")),
           "sqlite": int(os.environ.get("BENCH_LOAD_CLIENTS_SQLITE", "50"))}
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))


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
            return ("POST", f"/api/v1/incidents/{incident}/reports",
                    {"Authorization": f"Bearer {token}", "Idempotency-Key": f"load-{client}-{n}"},
                    {"kind": "followup", "summary": f"续报 {client}-{n}：现场处置中"})

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
    ]


if __name__ == "__main__":
    run_per_database("load", measure)
