"""Anchoring the audit chain outside the database, so truncation and rebuilding are caught.

Inside the database, the chain proves only that rows agree with each other: someone who can write the
database can delete the tail together with the head row, or rewrite every row and recompute every hash.
Two things close that:

* each entry's hash is an HMAC keyed by ``settings.DUTYROOM_AUDIT_KEY``, which lives in the data directory
  (or the environment), not in the database, so rows edited through SQL cannot be re-chained;
* after each commit, the entry's ``seq`` and hash are appended to an append-only anchor file
  (``settings.DUTYROOM_AUDIT_ANCHOR``). Verification demands that every anchored entry still exists with
  the anchored hash. A crash between commit and append leaves the anchor a few entries behind: those few
  (never more than the entries committed in the last instant) are the window it cannot vouch for.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings


def digest(canonical: str) -> str:
    return hmac.new(settings.DUTYROOM_AUDIT_KEY, canonical.encode(), hashlib.sha256).hexdigest()


def anchor_path() -> Path:
    return Path(settings.DUTYROOM_AUDIT_ANCHOR)


def anchor_append_many(entries: list[tuple[int, str]], chunk: int = 50) -> None:
    """Append a line per entry, ``chunk`` lines per write: each write stays far below the size the kernel appends
    atomically to a regular file, so lines from concurrent processes never interleave mid-line."""
    if not entries:
        return
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        for start in range(0, len(entries), chunk):
            os.write(fd, "".join(f"{seq} {h}\n" for seq, h in entries[start : start + chunk]).encode())
    finally:
        os.close(fd)


def anchors() -> Iterator[tuple[int, str]]:
    """Every well-formed anchor line; a torn last line (crash mid-write) is skipped."""
    path = anchor_path()
    if not path.exists():
        return
    with path.open() as lines:
        for line in lines:
            parts = line.split()
            if len(parts) == 2 and parts[0].isdigit() and len(parts[1]) == 64:
                yield int(parts[0]), parts[1]


def anchor_present() -> bool:
    """Whether the anchor file exists and holds something: without it, a cut tail (entries and head row deleted
    together) cannot be told from a short chain, so ``dutyroom audit verify`` refuses to call the chain intact."""
    path = anchor_path()
    return path.exists() and path.stat().st_size > 0


def anchor_map() -> dict[int, str]:
    return dict(anchors())


def anchor_retire(reason: str) -> Path | None:
    """Move the anchor file aside (an operator re-creating an empty database); returns where it went."""
    path = anchor_path()
    if not path.exists() or path.stat().st_size == 0:
        return None
    target = path.with_name(f"{path.name}.retired-{os.getpid()}-{reason}")
    path.rename(target)
    return target
