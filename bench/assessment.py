"""Group `assessment`: the yearly assessment at 1,000,000 obligations (issue 9: under 2 s on each database).

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
BATCH = 20_000


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
    extra = [Unit(code=f"bench-{i}", name=f"测试单位{i}", kind=UnitKind.TOWN if i % 2 else UnitKind.DEPARTMENT)
             for i in range(UNITS - len(have))]
    Unit.objects.bulk_create(extra)
    return list(assessed_units())


def seed(count: int) -> None:
    from django.db import transaction

    from dutyroom.assessment.models import Adoption, Finding
    from dutyroom.incidents.models import Incident
    from dutyroom.incidents.rulebooks import current_snapshot
    from dutyroom.obligations.models import Obligation

    rng = random.Random(9)
    snapshot = current_snapshot()
    everyone = units()
    year_start = datetime(2024, 12, 31, 16, tzinfo=UTC)  # 2025-01-01 00:00 in Shanghai
    incidents_needed = max(1, count // len(PER_INCIDENT))
    made = 0
    while made < incidents_needed:
        size = min(BATCH // len(PER_INCIDENT), incidents_needed - made)
        with transaction.atomic():
            batch = []
            for i in range(size):
                occurred = year_start + timedelta(seconds=rng.randrange(365 * 86400))
                batch.append(Incident(title=f"bench {made + i}", category="accident", subtype="fire", grade="IV",
                                      occurred_at=occurred, unit=rng.choice(everyone), rulebook=snapshot,
                                      exercise=rng.random() < 0.01, created_at=occurred, updated_at=occurred))
            created = Incident.objects.bulk_create(batch, batch_size=5000)
            clocks = []
            for incident in created:
                for n, kind in enumerate(PER_INCIDENT):
                    due = incident.occurred_at + timedelta(minutes=45 + 1440 * n)
                    roll = rng.random()
                    state, met_at, late = ("met", due - timedelta(minutes=5), None)
                    if roll > 0.95:
                        state, met_at, late = "overdue", None, None
                    elif roll > 0.85:
                        late = rng.randrange(60, 4 * 3600)
                        state, met_at = "late", due + timedelta(seconds=late)
                    clocks.append(Obligation(
                        key=f"bench:{incident.pk}:{n}", incident=incident, unit_id=incident.unit_id, kind=kind,
                        state=state, due_at=due, anchor_at=incident.occurred_at, rule="taicang-2017@1/bench",
                        met_at=met_at, late_by_seconds=late, overdue_at=due if state == "overdue" else None,
                        created_at=incident.occurred_at))
            Obligation.objects.bulk_create(clocks, batch_size=5000)
            findings = [Finding(incident=i, unit_id=i.unit_id, kind=rng.choice(["omitted", "false", "concealed"]),
                                state="upheld", evidence="bench", raised_at=i.occurred_at,
                                appeal_due_at=i.occurred_at, decided_at=i.occurred_at)
                        for i in created[:: 200]]
            Finding.objects.bulk_create(findings)
            adoptions = [Adoption(incident=i, unit_id=i.unit_id, by=rng.choice(["suzhou", "jiangsu"]),
                                  recorded_at=i.occurred_at) for i in created[100:: 200]]
            Adoption.objects.bulk_create(adoptions)
        made += size
        progress(made * len(PER_INCIDENT), incidents_needed * len(PER_INCIDENT), "obligations")


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
        cursor.execute("ANALYZE")
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
        figure("year_seconds", round(year_s, 3), "s", baseline=round(count_s, 4), goal="<= 2 s", met=year_s <= 2,
               db=db),
        figure("year_ratio_to_count", round(year_s / count_s, 2), "x", baseline=None, db=db),
        figure("count_seconds", round(count_s, 4), "s", db=db),
        figure("year_ledger_seconds", round(ledger_s, 3), "s", db=db),
        figure("obligations", rows, "rows", db=db),
    ]


if __name__ == "__main__":
    run_per_database("assessment", measure)
