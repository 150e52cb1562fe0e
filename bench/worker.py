"""Group `worker`: how late do statutory clocks turn overdue in a burst, and what does one fire cost?

- burst: BENCH_N clocks (default 100,000) due spread over BENCH_SPREAD seconds (default 60), fired by the
  workers as deployed (``running_workers``: SQLite one embedded worker, PostgreSQL two ``dutyroom worker``
  processes; BENCH_WORKERS overrides the count); lateness = overdue_at − due_at (p99, max); duplicates =
  clocks with more than one overdue audit entry; missing = clocks still pending 10 s after the last due time.
- fire_cost_ratio: one sweep's fire (CAS + audit row + outbox events, and the overdue alert
  written in the same transaction: event, inbox rows, ladder mark, its audit entry) over the bare
  compare-and-set UPDATE of the same rows, measured in the same process.
- burst_checkpoints (PostgreSQL): checkpoints the server began during the burst; the burst starts right
  after a CHECKPOINT (see ``checkpoint``), so it counts those the burst's own writes brought.
- idle_cpu_percent: one worker's CPU over BENCH_IDLE seconds (default 5) with nothing due, from 2 s after
  its start (start-up runs every job once and freezes the heap).
- alerts: alert_p99_ms / alert_max_ms = the "overdue" rung's alert (event, inbox rows, deliveries)
  minus the due time (the sweep writes it with the flip; the ladder's pass if that failed);
  alert_duplicates = clocks with more than one overdue alert or a person with the same alert twice;
  alert_missing = bench clocks (all past due) without their alert when the run ends (BENCH_ALERT_WAIT s after the last
  flip, default 120). ladder_candidates_ms: one pass of the ladder's candidate query over the N open clocks,
  with the deadline sweep's own candidate query in the same run as its baseline.
Seeding bulk-inserts the clocks (on real incidents) so that only firing is measured. Each clock's reminder
rung (5 minutes before its deadline) is seeded as already sent, and its next look (``ladder_at``) as none,
as the ladder leaves a clock after its reminder (the overdue rung fires with the flip): 100,000 clocks due
within the next minute would otherwise owe 100,000 reminders at once, which no real day produces (their
reminders would have been spread over the minute five minutes earlier).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from figures import Figure, figure, run_per_database

N = int(os.environ.get("BENCH_N", "100000"))
SPREAD = float(os.environ.get("BENCH_SPREAD", "60"))
IDLE = float(os.environ.get("BENCH_IDLE", "5"))
COST_N = int(os.environ.get("BENCH_COST_N", "2000"))
ALERT_WAIT = float(os.environ.get("BENCH_ALERT_WAIT", "120"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "0"))  # 0: as deployed (see running_workers)


def seed(count: int, first_due: datetime, spread: float, tag: str) -> list[int]:
    from django.db import transaction

    from dutyroom.accounts.models import User
    from dutyroom.incidents.services import IncidentInput, incident_create
    from dutyroom.obligations.models import Obligation

    reporter = User.objects.get(username="liuhe-reporter")
    now = datetime.now(UTC)
    incidents = [
        incident_create(
            actor=reporter,
            now=now,
            data=IncidentInput(
                title=f"bench {tag} {n}",
                category="accident",
                subtype="fire",
                grade="IV",
                occurred_at=now - timedelta(minutes=15),
            ),
        )
        for n in range(min(count, 200))
    ]
    rows = []
    for n in range(count):
        incident = incidents[n % len(incidents)]
        due = first_due + timedelta(seconds=spread * n / max(count, 1))
        rows.append(
            Obligation(
                key=f"bench:{tag}:{n}",
                incident=incident,
                unit=incident.unit,
                kind="first_report",
                due_at=due,
                anchor_at=now,
                rule="bench",
                created_at=now,
                ladder_at=None,
            )
        )
    from dutyroom.alerts.models import AlertMark

    with transaction.atomic():
        Obligation.objects.filter(incident__in=incidents).delete()  # only the bench clocks on these incidents
        created = Obligation.objects.bulk_create(rows, batch_size=2000)
        AlertMark.objects.bulk_create(
            [AlertMark(obligation_id=o.pk, step="reminder", due_at=o.due_at, fired=True, at=now) for o in created],
            batch_size=2000,
        )
    return [o.pk for o in created]


def ladder_query(db: str, ids: list[int]) -> list[Figure]:
    """One pass of the ladder's candidate query over every open clock, against the deadline sweep's query."""
    from django.db import transaction

    from dutyroom.alerts.ladder import BATCH, _claim
    from dutyroom.obligations.models import Obligation

    now = datetime.now(UTC)
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        with transaction.atomic():
            _claim(now, BATCH)
        runs.append(time.perf_counter() - start)
    bare = []
    for _ in range(3):
        start = time.perf_counter()
        list(
            Obligation.objects.filter(state="pending", due_at__lte=now)
            .order_by("due_at")
            .values_list("id", flat=True)[:BATCH]
        )
        bare.append(time.perf_counter() - start)
    return [
        figure("ladder_candidates_ms", round(min(runs) * 1000, 2), "ms", baseline=round(min(bare) * 1000, 2), db=db),
        figure("open_clocks", len(ids), "clocks", db=db),
    ]


def alert_figures(db: str, ids: list[int]) -> list[Figure]:
    from django.db.models import Count

    from dutyroom.alerts.models import AlertEvent, Notification
    from dutyroom.obligations.models import Obligation

    due = dict(Obligation.objects.filter(id__in=ids).values_list("id", "due_at").iterator())
    late, per_clock = [], Counter()
    for obligation_id, created in (
        AlertEvent.objects.filter(topic="overdue", obligation_id__in=ids)
        .values_list("obligation_id", "created_at")
        .iterator()
    ):
        per_clock[obligation_id] += 1
        late.append((created - due[obligation_id]).total_seconds() * 1000)
    late.sort()
    missing = len(ids) - len(per_clock)  # every bench clock is past due by now: each owes its overdue alert
    twice = sum(1 for n in per_clock.values() if n > 1) + (
        Notification.objects.filter(event__topic="overdue")
        .values("event", "user")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    p99 = late[min(len(late) - 1, int(len(late) * 0.99))] if late else None
    return [
        figure("alert_p50_ms", late[len(late) // 2] if late else None, "ms", db=db),
        figure("alert_p99_ms", p99, "ms", goal="<= 250 ms", met=p99 is not None and p99 <= 250, db=db),
        figure(
            "alert_max_ms",
            late[-1] if late else None,
            "ms",
            goal="<= 1000 ms",
            met=bool(late) and late[-1] <= 1000,
            db=db,
        ),
        figure("alert_duplicates", twice, "alerts", goal="0", met=twice == 0, db=db),
        figure("alert_missing", missing, "clocks", goal="0", met=missing == 0, db=db),
        figure("alert_notifications", Notification.objects.filter(event__topic="overdue").count(), "rows", db=db),
    ]


@contextmanager
def running_workers(db: str) -> Iterator[None]:
    """The workers as deployed: on SQLite one worker thread in this process (``dutyroom serve`` embeds it; SQLite
    has one writer anyway), on PostgreSQL ``BENCH_WORKERS`` (default 2) ``dutyroom worker`` processes. Until
    earlier both ran as threads of this process, so PostgreSQL's two workers shared one interpreter lock."""
    from dutyroom.worker.loop import Worker

    count = WORKERS or (1 if db == "sqlite" else 2)
    if db == "sqlite":
        stop = threading.Event()
        threads = [threading.Thread(target=Worker(stop).run_forever, daemon=True) for _ in range(count)]
        for thread in threads:
            thread.start()
        try:
            yield
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=10)
        return
    command = [str(Path(sys.executable).parent / "dutyroom"), "worker"]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(count)]
    try:
        for process in processes:
            assert process.stdout is not None
            process.stdout.readline()  # "DutyRoom worker running": Django is set up, the loop starts
        yield
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def settle_burst(ids: list[int], first_due: datetime) -> None:
    """Wait until the last clock has flipped (or 10 s after its due time), then for the alerts (see the top)."""
    from dutyroom.alerts.models import AlertEvent
    from dutyroom.obligations.models import Obligation

    end = first_due + timedelta(seconds=SPREAD + 10)
    while datetime.now(UTC) < end and Obligation.objects.filter(id__in=ids[-1:], state="pending").exists():
        time.sleep(0.5)
    settle = time.monotonic() + ALERT_WAIT  # the ladder may trail the flips: give it time, then count
    burst_alerts = AlertEvent.objects.filter(topic="overdue", obligation_id__gte=min(ids), obligation_id__lte=max(ids))
    while time.monotonic() < settle and burst_alerts.count() < N:  # the bench's clocks only (ids are one range)
        time.sleep(1)
    time.sleep(1)


def burst(db: str) -> list[Figure]:
    from django.db.models import Count

    from dutyroom.audit.models import AuditEntry
    from dutyroom.obligations.models import Obligation

    first_due = datetime.now(UTC) + timedelta(seconds=45 if N > 20000 else 8)
    ids = seed(N, first_due, SPREAD, "burst")
    query = ladder_query(db, ids)
    first_due = Obligation.objects.filter(id__in=ids[:1]).values_list("due_at", flat=True)[0]
    checkpoints = checkpoint(db)
    wait = (first_due - datetime.now(UTC)).total_seconds()
    if wait < 1:
        print(f"seeding took too long ({-wait:.0f} s late); results include seeding lag")
    with running_workers(db):
        settle_burst(ids, first_due)
    during = None if checkpoints is None else (checkpoint(db, force=False) or 0) - checkpoints
    late_ms = sorted(
        (o.overdue_at - o.due_at).total_seconds() * 1000
        for o in Obligation.objects.filter(id__in=ids, state="overdue").only("overdue_at", "due_at").iterator()
    )
    missing = N - len(late_ms)
    dupes = (
        AuditEntry.objects.filter(action="obligation.overdue")
        .values("object_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    p99 = late_ms[min(len(late_ms) - 1, int(len(late_ms) * 0.99))] if late_ms else None
    return [
        figure("burst_p99_ms", p99, "ms", goal="<= 250 ms", met=p99 is not None and p99 <= 250, db=db),
        figure(
            "burst_max_ms",
            late_ms[-1] if late_ms else None,
            "ms",
            goal="<= 1000 ms",
            met=bool(late_ms) and late_ms[-1] <= 1000,
            db=db,
        ),
        figure("burst_duplicates", dupes, "clocks", goal="0", met=dupes == 0, db=db),
        figure("burst_missing", missing, "clocks", goal="0", met=missing == 0, db=db),
        figure("burst_clocks", N, "clocks", db=db),
        *(
            []
            if during is None
            else [
                figure("burst_checkpoints", during, "checkpoints", db=db),
                figure("pg_max_wal_size_mb", wal_size_mb(), "MB", db=db),
            ]
        ),
        *query,
        *alert_figures(db, ids),
    ]


def checkpoint(db: str, *, force: bool = True) -> int | None:
    """PostgreSQL: with ``force``, a CHECKPOINT now (the seeding's write-ahead log — 100,000 clocks and their
    marks, inserted in seconds as no real day does — must not bring the server's next checkpoint into the
    burst); returns how many checkpoints the server has begun so far, so the figures can say how many fell
    inside the burst (``burst_checkpoints``). A checkpoint makes the next write of every page log the whole
    page: in one measured timeline of a burst, lateness grew from 0.1 to 2.4 s once one began. None on SQLite."""
    if db != "postgresql":
        return None
    from django.db import connection

    with connection.cursor() as cursor:
        if force:
            cursor.execute("CHECKPOINT")
        cursor.execute("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter")
        return int(cursor.fetchone()[0])


def wal_size_mb() -> int:
    """The server's ``max_wal_size``: at PostgreSQL's default (1 GB) the burst's own log (about 5 KB a clock)
    begins a checkpoint before it ends (see ``checkpoint``); docs/scaling.md recommends 4 GB."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setting::bigint * (CASE unit WHEN 'MB' THEN 1 ELSE 0 END) FROM pg_settings "
            "WHERE name = 'max_wal_size'"
        )
        return int(cursor.fetchone()[0])


def fire_cost(db: str) -> list[Figure]:
    from dutyroom.obligations.models import Obligation
    from dutyroom.worker.loop import obligations_sweep

    ids = seed(COST_N, datetime.now(UTC) - timedelta(seconds=1), 0.0, "cost")
    start = time.perf_counter()
    fired = 0
    while fired < COST_N:
        step = obligations_sweep(datetime.now(UTC))
        if step == 0:
            break
        fired += step
    fire_s = time.perf_counter() - start
    start = time.perf_counter()
    for obligation_id in ids:  # baseline: the bare compare-and-set on the same rows
        Obligation.objects.filter(id=obligation_id, state="overdue").update(state="overdue")
    bare_s = time.perf_counter() - start
    # these clocks stay overdue; take them out of the ladder so that the burst's ladder works on the burst alone
    Obligation.objects.filter(id__in=ids).update(ladder_at=None)
    return [
        figure("fire_cost_ratio", round(fire_s / max(bare_s, 1e-9), 2), "x", db=db),
        figure(
            "fire_ms", round(fire_s / max(fired, 1) * 1000, 3), "ms", baseline=round(bare_s / len(ids) * 1000, 3), db=db
        ),
    ]


def idle_cpu(db: str) -> list[Figure]:
    from dutyroom.worker.loop import Worker

    stop = threading.Event()
    thread = threading.Thread(target=Worker(stop).run_forever, daemon=True)
    thread.start()
    time.sleep(2)  # start-up (the first pass runs every job, the heap is frozen once) is not idling
    cpu0, wall0 = time.process_time(), time.perf_counter()
    time.sleep(IDLE)
    stop.set()
    thread.join(timeout=5)
    percent = (time.process_time() - cpu0) / (time.perf_counter() - wall0) * 100
    return [figure("idle_cpu_percent", round(percent, 2), "%", goal="<= 2 %", met=percent <= 2, db=db)]


def measure(db: str) -> list[Figure]:
    return idle_cpu(db) + fire_cost(db) + burst(db)


if __name__ == "__main__":
    run_per_database("worker", measure)
