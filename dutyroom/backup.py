"""`dutyroom backup FILE` and `dutyroom restore FILE`: a consistent copy of the whole database, and back.

SQLite uses its online backup API (a consistent snapshot while the server keeps writing, page by page, so a
progress bar is honest). PostgreSQL uses ``pg_dump -Fc`` / ``pg_restore --clean`` (the custom format restores
in dependency order and can be inspected with ``pg_restore -l``).

What a backup does not hold: the audit key and the audit anchor file, which live outside the database on
purpose (dutyroom.audit.anchor). Keep the key with the backups' secrets; without it a restored chain cannot be
verified. After a restore the old anchor is moved aside, because every entry written after the backup was
taken is now gone and the old anchor would (rightly) call that truncation; the restore prints how many.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.db import connection

PAGES_PER_STEP = 256


class BackupError(Exception):
    """Something an operator can fix (a missing file, no pg_dump on PATH); printed as one line."""


def progress(done: int, total: int, label: str) -> None:
    """A one-line bar on stderr, redrawn in place (no output when stderr is not a terminal but at the end)."""
    total = max(total, 1)
    width = 30
    filled = min(width, width * done // total)
    if sys.stderr.isatty() or done >= total:
        end = "\n" if done >= total else ""
        print(
            f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {100 * min(done, total) // total:3d}%",
            end=end,
            file=sys.stderr,
            flush=True,
        )


def _sqlite_copy(source: str, target: str, label: str) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst, pages=PAGES_PER_STEP, progress=lambda _s, left, total: progress(total - left, total, label))
        progress(1, 1, label)


def _pg_args() -> tuple[list[str], dict[str, str]]:
    conf: dict[str, Any] = connection.settings_dict
    args = ["-d", conf["NAME"]]
    if conf.get("HOST"):
        args += ["-h", str(conf["HOST"])]
    if conf.get("PORT"):
        args += ["-p", str(conf["PORT"])]
    if conf.get("USER"):
        args += ["-U", str(conf["USER"])]
    environ = dict(os.environ)
    if conf.get("PASSWORD"):
        environ["PGPASSWORD"] = str(conf["PASSWORD"])
    return args, environ


def _tables() -> list[str]:
    return sorted(connection.introspection.table_names())


def _pg_run(tool: str, args: list[str], marker: str, label: str) -> None:
    """Run pg_dump/pg_restore verbosely, advancing the bar once per table it names."""
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not on PATH (install the PostgreSQL client of the server's version)")
    base, environ = _pg_args()
    total = len(_tables())
    done = 0
    with subprocess.Popen(
        [tool, *args, *base, "--verbose"], env=environ, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    ) as process:
        errors: list[str] = []
        assert process.stderr is not None
        for line in process.stderr:
            if marker in line:
                done += 1
                progress(min(done, total - 1), total, label)
            elif "error" in line.lower():
                errors.append(line.strip())
        if process.wait() != 0:
            raise BackupError(f"{tool} failed: {errors[0] if errors else 'exit code ' + str(process.returncode)}")
    progress(total, total, label)


def backup(target: Path) -> str:
    """Write a consistent copy of the database to ``target``; returns a one-line summary."""
    target = target.resolve()
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file (a backup never overwrites one)")
    target.parent.mkdir(parents=True, exist_ok=True)
    from dutyroom.audit.services import audit_seal

    audit_seal()  # the copy holds a chain, not pending entries (deferred appends, dutyroom.audit.services)
    if connection.vendor == "sqlite":
        _sqlite_copy(str(connection.settings_dict["NAME"]), str(target), "backup")
    else:
        _pg_run("pg_dump", ["-Fc", "-f", str(target)], "dumping contents of table", "backup")
    return f"backup written to {target} ({target.stat().st_size} bytes, {connection.vendor})"


def _seal_if_possible() -> None:
    """Seal the pending audit entries of the database about to be replaced; a database without tables (a restore
    onto a fresh machine) has none."""
    from django.db import DatabaseError

    from dutyroom.audit.services import audit_seal

    try:
        audit_seal()
    except DatabaseError:
        connection.close()


SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


def _check_file(source: Path) -> None:
    """Refuse, before anything is replaced, a file that is not a backup of this engine."""
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    with source.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if connection.vendor == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(
                f"{source.name} is not a SQLite database (not a `dutyroom backup` file of this "
                "installation); nothing was restored"
            )
        try:
            with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as db:
                has_chain = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'audit_auditentry'").fetchone()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source.name} cannot be read as a database ({error}); nothing was restored") from error
        if not has_chain:
            raise BackupError(f"{source.name} is a SQLite database but not a DutyRoom backup; nothing was restored")
    elif not head.startswith(PG_CUSTOM_MAGIC):
        raise BackupError(
            f"{source.name} is not a pg_dump custom-format archive (not a `dutyroom backup` file of "
            "this installation); nothing was restored"
        )


def _copy_in(source: Path) -> None:
    connection.close()
    if connection.vendor == "sqlite":
        _sqlite_copy(str(source), str(connection.settings_dict["NAME"]), "restore")
    else:
        _pg_run(
            "pg_restore",
            ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(source)],
            "processing data for table",
            "restore",
        )


def _has_tables() -> bool:
    from django.db import DatabaseError

    try:
        return bool(_tables())
    except DatabaseError:
        connection.close()
        return False


def _keep_current(workdir: Path) -> Path | None:
    """A copy of the database about to be replaced, put back if the backup turns out to be another instance's."""
    if not _has_tables():
        return None
    kept = workdir / ("before-restore.sqlite3" if connection.vendor == "sqlite" else "before-restore.dump")
    if connection.vendor == "sqlite":
        _sqlite_copy(str(connection.settings_dict["NAME"]), str(kept), "keep current")
    else:
        _pg_run("pg_dump", ["-Fc", "-f", str(kept)], "dumping contents of table", "keep current")
    return kept


def restore(source: Path, *, force: bool = False) -> str:
    """Replace the database's content with the backup's; re-anchor the audit chain it holds.

    Stop the server first: a restore under live writers would interleave their rows with the backup's. A
    backup whose chain was written under another audit key (another instance's) is refused and the database
    put back as it was, unless ``force``: its history could not be verified here, ever.
    """
    import tempfile

    from dutyroom.audit.anchor import anchor_append_many, anchor_map, anchor_retire
    from dutyroom.audit.models import AuditEntry
    from dutyroom.audit.services import FOREIGN_KEY, audit_verify

    source = source.resolve()
    _check_file(source)
    _seal_if_possible()  # so the entries about to be lost are anchored, and counted below
    previously_anchored = max(anchor_map(), default=0)
    # beside the database it copies (the backup's directory may be read-only media)
    beside = Path(str(connection.settings_dict["NAME"])).parent if connection.vendor == "sqlite" else None
    with tempfile.TemporaryDirectory(prefix="dutyroom-restore-", dir=beside) as workdir:
        kept = _keep_current(Path(workdir))
        _copy_in(source)
        check = audit_verify(use_anchor=False)  # against the key alone: the backup's chain, before it is anchored
        if check.reason == FOREIGN_KEY and not force:
            if kept is not None:
                _copy_in(kept)
            raise BackupError(
                f"{source.name} was not restored: its audit chain was written with another audit key "
                "(another instance's backup, or this instance's key was lost); the database is as "
                "it was. Restore it anyway with `dutyroom restore --force`"
            )
    anchor_retire("restore")
    if check.ok:
        rows = AuditEntry.objects.filter(seq__isnull=False).order_by("seq").values_list("seq", "hash")
        batch: list[tuple[int, str]] = []
        for seq, entry_hash in rows.iterator(chunk_size=2000):
            if seq is not None and entry_hash is not None:
                batch.append((seq, entry_hash))
            if len(batch) >= 2000:
                anchor_append_many(batch)
                batch = []
        anchor_append_many(batch)
    restored = check.entries
    lost = max(0, previously_anchored - restored)
    verdict = "audit chain intact" if check.ok else f"audit chain BROKEN at entry {check.first_bad}: {check.reason}"
    summary = f"restored {source.name}: {restored} audit entries, {verdict}"
    if lost:
        summary += f"; {lost} audit entries written after this backup are gone"
    if not check.ok and not (force and check.reason == FOREIGN_KEY):
        raise BackupError(summary)
    return summary
