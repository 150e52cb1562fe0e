"""Group `assessment`: the yearly assessment at 1,000,000 obligations (goal: under 2 s on each database).

Seeds a year (2025) for 200 units: incidents and their clocks bulk-inserted (not through the API), about five
clocks per incident (first report, two follow-ups, final report, a verification reply), 85 % met, 10 % late,
5 % still missing, 1 % of incidents drills; plus upheld findings and adoptions. Then measures:
- year_seconds: the ranking table of every unit for "2025" with its ledger totals (aggregate queries);
- year_ratio_to_count: that time over a bare ``SELECT count(*)`` of the same obligations table;
- year_ledger_seconds: the same year with every unit's full points ledger (the API's GET /assessment).
Size: BENCH_ASSESSMENT_N (or BENCH_N) obligations, default 1,000,000. Each timing is the median of 3 runs.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from figures import Figure, figure, run_per_database

N = int(os.environ.get("BENCH_ASSESSMENT_N") or os.environ.get("BENCH_N") or 1_000_000)
UNITS = 200
PER_INCIDENT = ("first_report", "followup", "followup", "final_report", "verification_reply")
BATCH = 50_000


def progress(done: int, total: int, what: str) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stdout.write(f"\r  {what:<12} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}")
    sys.stdout.flush()
    if done >= total:
        sys.stdout.write("\n")


def units() -> list[Any]:
    from dutyroom.assessment.access import assessed_units
    from dutyroom.orgs.models import Unit, UnitKind

    have = list(assessed_units())
    extra = [
        Unit(code=f"bench-{i}", name=f"测试单位{i}", kind=UnitKind.TOWN if i % 2 else UnitKind.DEPARTMENT)
        for i in range(UNITS - len(have))
    ]
    Unit.objects.bulk_create(extra)
    return list(assessed_units())


def insert_rows(model: Any, template: Any, varying: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Plain ``executemany`` of ``rows`` (values of ``varying`` columns, ready for the database) with every other
    column taken from ``template``: model instances cost more than the clocks they describe at this size."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.attname not in varying)]
    fixed = {f.attname: f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields}
    columns = [f.column for f in fields]
    positions = [varying.index(f.attname) if f.attname in varying else None for f in fields]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {model._meta.db_table} ({quoted}) VALUES ({marks})"
    constant = [fixed[f.attname] for f in fields]
    data = [[row[i] if i is not None else constant[k] for k, i in enumerate(positions)] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, data)


def seed(count: int) -> None:
    from django.db import connection, transaction

    from dutyroom.assessment.models import Adoption, Finding
    from dutyroom.incidents.models import Incident
    from dutyroom.incidents.rulebooks import current_snapshot
    from dutyroom.obligations.models import Obligation

    rng = random.Random(9)
    snapshot = current_snapshot()
    unit_ids = [u.pk for u in units()]
    stamp = (
        (lambda d: d)
        if connection.vendor == "postgresql"
        else (lambda d: d.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" "))
    )
    year_start = datetime(2024, 12, 31, 16, tzinfo=UTC)  # 2025-01-01 00:00 in Shanghai
    template_incident = Incident(
        title="bench",
        category="accident",
        subtype="fire",
        grade="IV",
        unit_id=unit_ids[0],
        occurred_at=year_start,
        rulebook=snapshot,
        created_at=year_start,
        updated_at=year_start,
    )
    template_clock = Obligation(
        key="",
        unit_id=unit_ids[0],
        kind="first_report",
        due_at=year_start,
        anchor_at=year_start,
        rule="taicang-2017@2/bench",
        created_at=year_start,
    )
    incidents_needed = max(1, count // len(PER_INCIDENT))
    next_id = (Incident.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    made = 0
    while made < incidents_needed:
        size = min(BATCH // len(PER_INCIDENT), incidents_needed - made)
        incidents, clocks, findings, adoptions = [], [], [], []
        for i in range(size):
            pk = next_id + made + i
            occurred = year_start + timedelta(seconds=rng.randrange(365 * 86400))
            unit = rng.choice(unit_ids)
            incidents.append(
                (pk, f"bench {pk}", unit, stamp(occurred), rng.random() < 0.01, stamp(occurred), stamp(occurred))
            )
            for n, kind in enumerate(PER_INCIDENT):
                due = occurred + timedelta(minutes=45 + 1440 * n)
                roll = rng.random()
                state, met_at, late, overdue = "met", stamp(due - timedelta(minutes=5)), None, None
                if roll > 0.95:
                    state, met_at, overdue = "overdue", None, stamp(due)
                elif roll > 0.85:
                    late = rng.randrange(60, 4 * 3600)
                    state, met_at = "late", stamp(due + timedelta(seconds=late))
                clocks.append(
                    (
                        f"bench:{pk}:{n}",
                        pk,
                        unit,
                        kind,
                        state,
                        stamp(due),
                        stamp(occurred),
                        met_at,
                        late,
                        overdue,
                        stamp(occurred),
                    )
                )
            if pk % 200 == 0:
                findings.append(
                    Finding(
                        incident_id=pk,
                        unit_id=unit,
                        state="upheld",
                        evidence="bench",
                        kind=rng.choice(["omitted", "false", "concealed"]),
                        raised_at=occurred,
                        appeal_due_at=occurred,
                        decided_at=occurred,
                    )
                )
            if pk % 200 == 100:
                adoptions.append(
                    Adoption(incident_id=pk, unit_id=unit, by=rng.choice(["suzhou", "jiangsu"]), recorded_at=occurred)
                )
        with transaction.atomic():
            insert_rows(
                Incident,
                template_incident,
                ("id", "title", "unit_id", "occurred_at", "exercise", "created_at", "updated_at"),
                incidents,
            )
            insert_rows(
                Obligation,
                template_clock,
                (
                    "key",
                    "incident_id",
                    "unit_id",
                    "kind",
                    "state",
                    "due_at",
                    "anchor_at",
                    "met_at",
                    "late_by_seconds",
                    "overdue_at",
                    "created_at",
                ),
                clocks,
            )
            Finding.objects.bulk_create(findings)
            Adoption.objects.bulk_create(adoptions)
        made += size
        progress(made * len(PER_INCIDENT), incidents_needed * len(PER_INCIDENT), "obligations")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # explicit ids were inserted: move the sequence past them
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {Incident._meta.db_table}))",
                [Incident._meta.db_table],
            )


def timed(action: Any, runs: int = 3) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def measure(db: str) -> list[Figure]:
    from django.db import connection

    from dutyroom.assessment.access import assessed_units
    from dutyroom.assessment.scores import assessment_for
    from dutyroom.obligations.models import Obligation
    from dutyroom.rules.periods import parse_period

    print(f"  seeding {N:,} obligations for {UNITS} units on {db} …", flush=True)
    seed(N)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    table = Obligation._meta.db_table
    now = datetime(2026, 6, 1, tzinfo=UTC)
    year = parse_period("2025")

    def count() -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table}")
            return int(cursor.fetchone()[0])

    count_s, rows = timed(count)
    everyone = list(assessed_units())
    year_s, result = timed(lambda: assessment_for(year, everyone, now))
    ledger_s, _ = timed(lambda: assessment_for(year, everyone, now, with_points=True), runs=1)
    print(f"  {rows:,} obligations; {len(result.rows)} units ranked", flush=True)
    return [
        figure(
            "year_seconds", round(year_s, 3), "s", baseline=round(count_s, 4), goal="<= 2 s", met=year_s <= 2, db=db
        ),
        figure("year_ratio_to_count", round(year_s / count_s, 2), "x", baseline=None, db=db),
        figure("count_seconds", round(count_s, 4), "s", db=db),
        figure("year_ledger_seconds", round(ledger_s, 3), "s", db=db),
        figure("obligations", rows, "rows", db=db),
    ]


if __name__ == "__main__":
    run_per_database("assessment", measure)
