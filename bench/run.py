"""`make bench [ONLY=<group>]`: run every benchmark group (each ``bench/<group>.py``), or just one.

Each group prints its table and writes ``var/bench/<group>.json`` (shared/docs/bench.md). Benchmarks assert
nothing; a group that fails to run is reported and the others still run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOT_GROUPS = {"run", "figures"}


def groups() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if p.stem not in NOT_GROUPS and not p.stem.startswith("_"))


def main() -> int:
    only = [g for g in os.environ.get("ONLY", "").split(",") if g]
    unknown = set(only) - set(groups())
    if unknown:
        print(f"unknown bench group(s): {', '.join(sorted(unknown))}; known: {', '.join(groups())}")
        return 2
    failed = []
    for group in only or groups():
        print(f"\n### bench group: {group}", flush=True)
        if subprocess.run([sys.executable, str(HERE / f"{group}.py")]).returncode != 0:
            failed.append(group)
    if failed:
        print(f"\ngroups that failed to run: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
