"""What every `make bench` group shares: Django set-up on a scratch database, and the figures file.

``docs/bench.md``: each group prints a readable table and writes ``var/bench/<group>.json`` (under
``DUTYROOM_DATA_DIR`` when set) as a list of ``{name, value, unit, baseline, ratio, goal, met, db}``.
Timing is reported as a ratio to a baseline measured in the same run wherever one fits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# where figures go: the data dir the user gave (each measured run gets its own scratch data dir)
RESULTS_BASE = Path(os.environ.get("DUTYROOM_DATA_DIR") or (ROOT / "var"))


@dataclass
class Figure:
    name: str
    value: float | int | None
    unit: str
    baseline: float | None = None
    ratio: float | None = None
    goal: str | None = None
    met: bool | None = None
    db: str = "sqlite"


def figure(
    name: str,
    value: float | None,
    unit: str,
    *,
    baseline: float | None = None,
    goal: str | None = None,
    met: bool | None = None,
    db: str = "sqlite",
) -> Figure:
    """One figure; the ratio is computed from the baseline when both are there."""
    ratio = None
    if baseline is not None and value is not None and baseline:
        ratio = round(float(value) / float(baseline), 3)
    return Figure(name=name, value=value, unit=unit, baseline=baseline, ratio=ratio, goal=goal, met=met, db=db)


def output_dir() -> Path:
    path = RESULTS_BASE / "bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_group(group: str, figures: list[Figure]) -> Path:
    """Print the table and write ``var/bench/<group>.json``; returns the file's path."""
    print(f"\n{group}: {len(figures)} figure(s)")
    print(f"  {'name':<28} {'db':<10} {'value':>14} {'unit':<8} {'baseline':>12} {'ratio':>8}  goal / met")
    for f in figures:
        value = "—" if f.value is None else f"{f.value:,.3f}".rstrip("0").rstrip(".")
        base = "—" if f.baseline is None else f"{f.baseline:,.3f}".rstrip("0").rstrip(".")
        ratio = "—" if f.ratio is None else f"{f.ratio:.2f}"
        goal = f"{f.goal or ''} {'' if f.met is None else ('met' if f.met else 'NOT met')}".strip()
        print(f"  {f.name:<28} {f.db:<10} {value:>14} {f.unit:<8} {base:>12} {ratio:>8}  {goal}")
    path = output_dir() / f"{group}.json"
    path.write_text(json.dumps([asdict(f) for f in figures], ensure_ascii=False, indent=2) + "\n")
    print(f"  written to {path}")
    return path


def pg_server_url() -> str | None:
    """PostgreSQL server to bench on too: BENCH_PG_URL, or DATABASE_URL when it points at PostgreSQL."""
    url = os.environ.get("BENCH_PG_URL") or ""
    if not url and os.environ.get("DATABASE_URL", "").startswith("postgres"):
        url = os.environ["DATABASE_URL"]
    return url or None


def databases() -> list[str]:
    """The databases a group runs on: SQLite, and PostgreSQL when a server is configured; BENCH_DB=sqlite or
    BENCH_DB=postgresql keeps one (a quick re-run of one figure)."""
    chosen = ["sqlite"] + (["postgresql"] if pg_server_url() else [])
    only = os.environ.get("BENCH_DB", "")
    return [db for db in chosen if db == only] if only else chosen


@contextmanager
def scratch_database(db: str) -> Iterator[str]:
    """Environment for one run: a throwaway SQLite file or a PostgreSQL database created and dropped here.

    Yields the DATABASE_URL (empty for SQLite). Call ``django_setup()`` in a child process after setting it.
    """
    if db == "sqlite":
        yield ""
        return
    import psycopg

    server = pg_server_url()
    assert server is not None
    name = f"dutyroom_bench_{uuid.uuid4().hex[:8]}"
    base, _, _ = server.rpartition("/")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def django_setup(database_url: str = "") -> Any:
    """Configure Django for this process on a fresh data dir (and the given database), migrate, load the city."""
    os.environ["DUTYROOM_DATA_DIR"] = tempfile.mkdtemp(prefix="dutyroom-bench-")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DUTYROOM_EMBEDDED_WORKER"] = "0"
    os.environ.setdefault("DUTYROOM_OTP_ROLES", "")  # pages are measured as the demo serves them (no TOTP step)
    os.environ.setdefault("DUTYROOM_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from datetime import UTC, datetime

    from django.core.management import call_command

    from dutyroom.demo import units_load, users_load

    call_command("migrate", verbosity=0)
    units_load()
    users_load(datetime.now(UTC))
    from django.db import connection

    return connection


def run_per_database(group: str, measure: Callable[[str], list[Figure]]) -> None:
    """The body of a group script: measure on each database in a child process of its own, then write.

    Django is configured once per process, so each database gets a fresh interpreter: the parent creates
    the scratch database, runs ``<script> --child <db> <url> <out>``, and collects the child's figures.
    """
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _, _, db, url, out = sys.argv
        django_setup(url)
        figures = measure(db)
        Path(out).write_text(json.dumps([asdict(f) for f in figures]))
        return
    collected: list[Figure] = []
    for db in databases():
        with scratch_database(db) as url, tempfile.NamedTemporaryFile(suffix=".json") as out:
            print(f"== {group} on {db}", flush=True)
            subprocess.run([sys.executable, sys.argv[0], "--child", db, url, out.name], check=True)
            collected += [Figure(**row) for row in json.loads(Path(out.name).read_text() or "[]")]
    write_group(group, collected)
