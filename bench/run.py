"""`make bench`: how late does the worker fire statutory deadlines, and what does a fire cost?

Figures (printed, never asserted — benchmarks are not tests):
- lateness of the overdue transition (overdue_at − due_at) for N clocks due within a few seconds, with 1 and 2
  workers in this process, p50/p99/max;
- cost per fired clock (CAS + audit row + outbox events) as a ratio against a baseline run in the same
  process: the bare compare-and-set UPDATE on the same number of rows.

Uses a throwaway SQLite file unless DATABASE_URL is set. N via BENCH_N (default 400).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DUTYROOM_DATA_DIR", tempfile.mkdtemp(prefix="dutyroom-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DUTYROOM_EMBEDDED_WORKER"] = "0"
os.environ.setdefault("DUTYROOM_LOG_LEVEL", "WARNING")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from dutyroom.accounts.models import User  # noqa: E402
from dutyroom.demo import units_load, users_load  # noqa: E402
from dutyroom.incidents.services import IncidentInput, incident_create  # noqa: E402
from dutyroom.obligations.models import Obligation  # noqa: E402
from dutyroom.worker.loop import Worker  # noqa: E402

N = int(os.environ.get("BENCH_N", "400"))


def seed(count: int, due_in: float) -> list[int]:
    """``count`` incidents whose first-report clocks fall due spread over the next ``due_in`` seconds."""
    from django.db import transaction

    reporter = User.objects.get(username="liuhe-reporter")
    now = datetime.now(UTC)
    ids = []
    for n in range(count):  # through the real service, due in 30 minutes for now
        incident = incident_create(actor=reporter, now=now, data=IncidentInput(
            title=f"bench {n}", category="accident", subtype="fire", grade="IV",
            occurred_at=now - timedelta(minutes=15)))
        ids.append(incident.pk)
    start = datetime.now(UTC) + timedelta(seconds=1)
    with transaction.atomic():  # then pull the deadlines in, so seeding time never counts as lateness
        clocks = Obligation.objects.filter(incident_id__in=ids, kind="first_report").order_by("id")
        for n, obligation_id in enumerate(clocks.values_list("id", flat=True)):
            due = start + timedelta(seconds=due_in * n / count)
            Obligation.objects.filter(id=obligation_id).update(due_at=due)
    return ids


def lateness(workers: int) -> list[float]:
    ids = seed(N, due_in=3.0)
    stop = threading.Event()
    threads = [threading.Thread(target=Worker(stop).run_forever, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    pending = Obligation.objects.filter(incident_id__in=ids, kind="first_report", state="pending")
    while pending.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    for thread in threads:
        thread.join(timeout=5)
    fired = Obligation.objects.filter(incident_id__in=ids, kind="first_report", state="overdue")
    return sorted((o.overdue_at - o.due_at).total_seconds() * 1000 for o in fired)


def bare_cas_seconds(ids: list[int]) -> float:
    """Baseline: only the compare-and-set UPDATE per row, nothing else."""
    start = time.perf_counter()
    for obligation_id in ids:
        Obligation.objects.filter(id=obligation_id, state="overdue").update(state="overdue")
    return time.perf_counter() - start


def full_fire_seconds(count: int) -> tuple[float, list[int]]:
    from dutyroom.worker.loop import obligations_sweep

    ids = seed(count, due_in=0.0)
    time.sleep(1.2)
    start = time.perf_counter()
    fired = 0
    while fired < count:
        fired += obligations_sweep(datetime.now(UTC) + timedelta(seconds=5))
    elapsed = time.perf_counter() - start
    return elapsed, list(Obligation.objects.filter(incident_id__in=ids).values_list("id", flat=True))


def describe(label: str, values: list[float]) -> None:
    if not values:
        print(f"{label}: nothing fired")
        return
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    print(f"{label}: n={len(values)} p50={statistics.median(values):.0f} ms p99={p99:.0f} ms max={values[-1]:.0f} ms")


def main() -> None:
    call_command("migrate", verbosity=0)
    units_load()
    users_load(datetime.now(UTC))
    from django.db import connection

    print(f"database: {connection.vendor}; N={N} clocks per run")
    describe("overdue lateness, 1 worker ", lateness(1))
    describe("overdue lateness, 2 workers", lateness(2))
    fire_time, ids = full_fire_seconds(N)
    baseline = bare_cas_seconds(ids)
    print(f"fire cost: {fire_time / N * 1000:.2f} ms per clock (CAS + audit + outbox); "
          f"baseline bare CAS {baseline / len(ids) * 1000:.2f} ms; ratio {fire_time / max(baseline, 1e-9):.1f}x")


if __name__ == "__main__":
    main()
