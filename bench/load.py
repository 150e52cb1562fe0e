"""Group `load`: many clients filing reports at once; nothing may be lost, duplicated or refused.

BENCH_LOAD_CLIENTS_PG (default 200) clients on PostgreSQL and BENCH_LOAD_CLIENTS_SQLITE (default 50) on SQLite,
each on its own kept-alive connection filing follow-ups on its own incident through
`POST /api/v1/incidents/{id}/reports` for BENCH_LOAD_SECONDS (default 60), against `dutyroom serve` (PostgreSQL:
BENCH_WEB_WORKERS processes, default 2; SQLite: one), twice over, each run counted in the database against what
was acknowledged (errors: transport errors and non-2xx answers; lost: acknowledged, not stored; duplicated: a
follow-up number used twice):
- alone: `report_p99_ms`, `report_p50_ms`, and `report_alone_errors` / `_lost` / `_duplicated`;
- with the lead intake on beside them: `load_errors`, `load_lost`, `load_duplicated` (goal 0 each, the issue's
  figures) and `report_p99_during_import_ms`. Beside the reports, the duty room imports the largest CAP message
  the limits allow (every `<info>` block, the body limit filled) again and again under a new identifier, and
  BENCH_FLOOD_INFORMANTS (default 50) grid informants file leads back to back, each on a connection of its own;
  the per-informant limit refuses what goes over it (`lead_flood_refused`, 429, by design) while
  `lead_flood_errors` (anything else not 2xx) and `cap_errors` must be 0. A unit's report must never fail
  because of lead intake.

A phase run first races late first reports against the worker's sweep: BENCH_LATE_BURST (default 2,000) incidents
opened 50 minutes after they occurred, so every first-report clock is already due, then a `dutyroom worker`
starts on that burst while the clients file the first written report of their own share of those incidents for
BENCH_LATE_SECONDS (default 15). A report and the flip of its clock take the same rows at the same moment (on
PostgreSQL they used to deadlock): `late_race_errors` must be 0; `late_race_reports` and `late_race_p99_ms` are
printed beside it.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from _loadgen import LoadResult, run_load
from _seed import incidents_with_tokens
from figures import Figure, figure, run_per_database
from scale import follow_up_integrity, free_port, seed_incidents, start_server, start_worker, wait_until_up

CLIENTS = {
    "postgresql": int(os.environ.get("BENCH_LOAD_CLIENTS_PG", "200")),
    "sqlite": int(os.environ.get("BENCH_LOAD_CLIENTS_SQLITE", "50")),
}
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
LATE_BURST = int(os.environ.get("BENCH_LATE_BURST", "2000"))
LATE_SECONDS = float(os.environ.get("BENCH_LATE_SECONDS", "15"))
FLOOD_INFORMANTS = int(os.environ.get("BENCH_FLOOD_INFORMANTS", "50"))


def _errors(result: LoadResult) -> int:
    return len(result.errors) + sum(n for status, n in result.statuses.items() if status >= 400)


def _reports(port: int, seeded: list[tuple[int, str]], clients: int, tag: str) -> LoadResult:
    def make(client: int, n: int) -> tuple[str, str, dict[str, str], object]:
        incident, token = seeded[client]
        return (
            "POST",
            f"/api/v1/incidents/{incident}/reports",
            {"Authorization": f"Bearer {token}", "Idempotency-Key": f"{tag}-{client}-{n}"},
            {"kind": "followup", "summary": f"续报 {client}-{n}：现场处置中"},
        )

    return run_load("127.0.0.1", port, make, clients=clients, seconds=SECONDS, keep_bodies=True)


def measure(db: str) -> list[Figure]:
    from django.db import connections

    clients = CLIENTS[db]
    print(f"  {clients} clients × {SECONDS:g} s on {db}, alone and beside the lead intake", flush=True)
    # the late race first, on a database that holds no leads yet, as it was measured before the lead intake ran
    # beside the reports; its worker has stopped before the report runs start
    late = late_race(db, clients)
    seeded = seed_incidents(2 * clients)
    alone_seeded, beside_seeded = seeded[:clients], seeded[clients:]
    informants = seed_informants(FLOOD_INFORMANTS)
    officer = duty_room_token()
    connections.close_all()
    port = free_port()
    server = start_server(db, port)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/login/")
        alone = _reports(port, alone_seeded, clients, "alone")
        print(alone.describe(f"  report submit alone ({db})"), flush=True)
        beside, flood, imports = with_lead_intake(
            port, officer, informants, lambda: _reports(port, beside_seeded, clients, "beside")
        )
        print(beside.describe(f"  report submit beside the lead intake ({db})"), flush=True)
        print(flood.describe(f"  lead flood, {len(informants)} informants ({db})"), flush=True)
        print(f"  CAP imports beside: {imports}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=60)
    alone_lost, alone_duplicated = follow_up_integrity(alone_seeded, alone)
    lost, duplicated = follow_up_integrity(beside_seeded, beside)
    errors, alone_errors = _errors(beside), _errors(alone)
    refused = flood.statuses.get(429, 0)
    flood_errors = _errors(flood) - refused
    return [
        figure("load_errors", errors, "requests", goal="0", met=errors == 0, db=db),
        figure("load_lost", lost, "reports", goal="0", met=lost == 0, db=db),
        figure("load_duplicated", duplicated, "numbers", goal="0", met=duplicated == 0, db=db),
        figure("report_p99_ms", alone.percentile(0.99), "ms", db=db),
        figure("report_p99_during_import_ms", beside.percentile(0.99), "ms", db=db),
        figure("report_p50_ms", alone.percentile(0.5), "ms", db=db),
        figure("report_p50_during_import_ms", beside.percentile(0.5), "ms", db=db),
        figure("report_alone_errors", alone_errors, "requests", goal="0", met=alone_errors == 0, db=db),
        figure("report_alone_lost", alone_lost, "reports", goal="0", met=alone_lost == 0, db=db),
        figure("report_alone_duplicated", alone_duplicated, "numbers", goal="0", met=alone_duplicated == 0, db=db),
        figure("load_reports", alone.ok, "reports", db=db),
        figure("load_reports_during_import", beside.ok, "reports", db=db),
        figure("load_clients", clients, "clients", db=db),
        figure("cap_imports", imports["ok"], "messages", db=db),
        figure("cap_leads", imports["leads"], "leads", db=db),
        figure("cap_errors", imports["errors"], "messages", goal="0", met=imports["errors"] == 0, db=db),
        figure("lead_flood_filed", flood.ok, "leads", db=db),
        figure("lead_flood_refused", refused, "requests", db=db),
        figure("lead_flood_errors", flood_errors, "requests", goal="0", met=flood_errors == 0, db=db),
        figure("lead_flood_informants", len(informants), "informants", db=db),
        *late,
    ]


def seed_informants(count: int) -> list[tuple[str, str]]:
    """``count`` grid informants spread over the demo's grids, each with an API token: (grid code, token)."""
    from datetime import UTC, datetime

    from dutyroom.accounts.models import Role
    from dutyroom.accounts.services import user_add
    from dutyroom.accounts.tokens import token_create
    from dutyroom.orgs.models import Unit

    grids = list(Unit.objects.filter(code__startswith="grid-").order_by("code").values_list("code", flat=True))
    now = datetime.now(UTC)
    made = []
    for n in range(count):
        grid = grids[n % len(grids)]
        person = user_add(username=f"bench-informant-{n}", role=Role.INFORMANT, unit_code=grid, password=None, now=now)
        made.append((grid, token_create(user=person, name="bench-flood", now=now)))
    return made


def duty_room_token() -> str:
    from datetime import UTC, datetime

    from dutyroom.accounts.models import User
    from dutyroom.accounts.tokens import token_create

    return token_create(user=User.objects.get(username="duty-officer"), name="bench-cap", now=datetime.now(UTC))


def maximal_cap(identifier: str) -> bytes:
    """The largest CAP message the import accepts: ``MAX_INFOS`` blocks, the body limit filled with text."""
    from dutyroom.leads.cap import MAX_BYTES, MAX_INFOS

    def message(description: str) -> str:
        info = (
            "<info><language>zh-CN</language><category>Met</category><event>暴雨</event>"
            "<urgency>Immediate</urgency><severity>Severe</severity><certainty>Likely</certainty>"
            f"<headline>太仓市气象台发布暴雨橙色预警 {identifier}</headline><description>{description}</description>"
            "<area><areaDesc>太仓市浏河镇</areaDesc></area></info>"
        )
        return (
            f'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>{identifier}</identifier>'
            "<sender>12379@cma.gov.cn</sender><sent>2026-12-01T09:30:00+08:00</sent><status>Actual</status>"
            f"<msgType>Alert</msgType><scope>Public</scope>{info * MAX_INFOS}</alert>"
        )

    bare = len(message("").encode())
    return message("汛" * ((MAX_BYTES - bare) // MAX_INFOS // 3 - 1)).encode()


def with_lead_intake(
    port: int, officer: str, informants: list[tuple[str, str]], reports: Callable[[], LoadResult]
) -> tuple[LoadResult, LoadResult, dict[str, int]]:
    """Run ``reports`` (the report load) while maximal CAP imports follow one another and the informants flood
    lead intake; each beside load runs in a thread of its own and stops when the reports are done."""
    done = threading.Event()
    imports = {"ok": 0, "leads": 0, "errors": 0}
    flood: list[LoadResult] = []

    def importer() -> None:
        n = 0
        while not done.is_set():
            n += 1
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/leads/cap",
                data=maximal_cap(f"CN-TC-BENCH-{n}"),
                method="POST",
                headers={"Authorization": f"Bearer {officer}", "Content-Type": "application/cap+xml"},
            )
            try:
                with urllib.request.urlopen(request, timeout=300) as response:
                    filed = json.loads(response.read())
                imports["ok"] += 1
                imports["leads"] += len(filed)
            except (urllib.error.URLError, OSError) as error:
                imports["errors"] += 1
                print(f"  CAP import {n} failed: {error}", flush=True)
                time.sleep(1)

    def flooder() -> None:
        def make(client: int, n: int) -> tuple[str, str, dict[str, str], object]:
            grid, token = informants[client]
            return (
                "POST",
                "/api/v1/leads",
                {"Authorization": f"Bearer {token}"},
                {"channel": "grid", "title": f"网格巡查：路面积水 {client}-{n}", "area": grid},
            )

        flood.append(run_load("127.0.0.1", port, make, clients=len(informants), seconds=SECONDS))

    threads = [threading.Thread(target=importer), threading.Thread(target=flooder)]
    for thread in threads:
        thread.start()
    try:
        result = reports()
    finally:
        done.set()
        for thread in threads:
            thread.join()
    return result, flood[0], imports


def seed_late(count: int) -> list[tuple[int, str]]:
    """Incidents opened 50 minutes after they occurred: each first-report clock is due the moment it exists."""
    return incidents_with_tokens(count, tag="late", occurred_minutes_ago=50)


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
    errors = _errors(result)
    return [
        figure("late_race_errors", errors, "requests", goal="0", met=errors == 0, db=db),
        figure("late_race_reports", result.ok, "reports", db=db),
        figure("late_race_p99_ms", result.percentile(0.99), "ms", db=db),
    ]


if __name__ == "__main__":
    run_per_database("load", measure)
