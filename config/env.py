"""Environment helpers: the only place configuration is read from the process environment.

Everything is settable by environment variables (see ``docs/api.md``): ``DATABASE_URL``,
``DUTYROOM_DATA_DIR``, ``DUTYROOM_SECRET_KEY``, ``DUTYROOM_RULEBOOK``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse


def data_dir() -> Path:
    """Where the SQLite file, the generated secret key and uploads live (default ``./var``)."""
    path = Path(os.environ.get("DUTYROOM_DATA_DIR", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key() -> str:
    """The Django secret key: from the environment, else generated once and kept in the data dir."""
    configured = os.environ.get("DUTYROOM_SECRET_KEY")
    if configured:
        return configured
    return _kept_secret(data_dir() / "secret_key", secrets.token_urlsafe(50))


def replica_config() -> dict[str, Any] | None:
    """``DATABASE_REPLICA_URL`` (a PostgreSQL streaming replica; any URL DATABASE_URL takes) as the ``replica``
    alias, or None. In tests it mirrors the primary's test database (Django's MIRROR)."""
    url = os.environ.get("DATABASE_REPLICA_URL", "").strip()
    if not url:
        return None
    config = database_config(url)
    config["TEST"] = {"MIRROR": "default"}
    return config


def database_config(url: str | None = None) -> dict[str, Any]:
    """Translate ``DATABASE_URL`` into Django's DATABASES entry; default SQLite in the data dir.

    SQLite runs in WAL mode with a busy timeout and IMMEDIATE transactions so the worker and web
    requests never fail with "database is locked" under normal load.
    """
    url = (os.environ.get("DATABASE_URL", "") if url is None else url).strip()
    if not url:
        return _sqlite(str(data_dir() / "dutyroom.sqlite3"))
    parsed = urlparse(url)
    if parsed.scheme in ("sqlite", "sqlite3"):
        path = unquote(parsed.path)
        if parsed.netloc:  # sqlite://relative/path
            path = parsed.netloc + path
        elif path.startswith("//"):
            path = path[1:]
        return _sqlite(path or str(data_dir() / "dutyroom.sqlite3"))
    if parsed.scheme in ("postgres", "postgresql", "pgsql"):
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        # No JIT: a page's and the worker's queries are index lookups of a few rows, and PostgreSQL compiles one to
        # machine code whenever its cost *estimate* passes 100,000, which a subquery over the unit tree does on a
        # town's board: 35 ms of compiling for 0.1 ms of work. A URL's own ``options=-c jit=on`` comes later and
        # wins (for a reporting replica, say).
        options["options"] = f"-c jit=off {options.get('options', '')}".strip()
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "dutyroom",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": options.pop("host", parsed.hostname or ""),
            "PORT": str(parsed.port or ""),
            "OPTIONS": options,
            # Persistent connections: opening one per request cost PostgreSQL more than the request itself
            # (35 req/s with CONN_MAX_AGE 0). Each gthread thread keeps one connection, so a process
            # holds at most `threads` of them; health checks drop a connection the server closed.
            "CONN_MAX_AGE": conn_max_age(),
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"NAME": options.pop("test_name", None)},
        }
    raise ValueError(f"DATABASE_URL: unsupported scheme {parsed.scheme!r} (use sqlite:/// or postgresql://)")


def conn_max_age() -> int | None:
    """Seconds a PostgreSQL connection is kept (``DUTYROOM_CONN_MAX_AGE``, default 600; ``none`` = forever)."""
    raw = os.environ.get("DUTYROOM_CONN_MAX_AGE", "600").strip().lower()
    return None if raw in ("none", "forever") else int(raw)


def _sqlite(path: str) -> dict[str, Any]:
    return {
        "ENGINE": "dutyroom.common.engine.sqlite",  # Django's SQLite backend with one queued writer per process
        "NAME": path,
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            # mmap_size: pages are read from the mapped file instead of copied by a system call each (a year's
            # assessment reads a million clocks: a third of its CPU went to those copies)
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000; "
            "PRAGMA mmap_size=1073741824;",
        },
        # A file, not memory, so worker threads and the live server share the test database as in production.
        "TEST": {"NAME": os.environ.get("DUTYROOM_TEST_SQLITE") or str(data_dir() / "test-dutyroom.sqlite3")},
    }


def rulebook_name() -> str:
    return os.environ.get("DUTYROOM_RULEBOOK", "taicang-2017")


def audit_key() -> bytes:
    """The key of the audit chain's HMAC, kept outside the database (``DUTYROOM_AUDIT_KEY`` or a 0600 file).

    Whoever can write the database but not read this key cannot recompute a chain after an edit.
    """
    configured = os.environ.get("DUTYROOM_AUDIT_KEY")
    if configured:
        return configured.encode()
    return _kept_secret(data_dir() / "audit_key", secrets.token_hex(32)).encode()


def _kept_secret(key_file: Path, fresh: str) -> str:
    """The secret in ``key_file``, created with ``fresh`` if absent. Several processes may start at once on a new
    data dir (the web server, the worker, parallel test workers): the file appears whole (written aside, then
    hard-linked into place, which fails if another got there first), so nobody reads a half-written or a
    different key."""
    if not key_file.exists():
        aside = key_file.with_name(f".{key_file.name}.{os.getpid()}.{secrets.token_hex(4)}")
        aside.write_text(fresh)
        aside.chmod(0o600)
        try:
            os.link(aside, key_file)
        except FileExistsError:
            pass
        finally:
            aside.unlink()
    return key_file.read_text().strip()


def audit_anchor_path() -> Path:
    """The append-only anchor file (one ``seq hash`` line per committed entry); ``DUTYROOM_AUDIT_ANCHOR``."""
    configured = os.environ.get("DUTYROOM_AUDIT_ANCHOR")
    return Path(configured).resolve() if configured else data_dir() / "audit-anchor.log"


def email_config() -> tuple[str, dict[str, object]]:
    """Django's mail settings from ``DUTYROOM_SMTP_URL``; without it mail goes to the console."""
    raw = os.environ.get("DUTYROOM_SMTP_URL", "")
    if not raw:
        return "django.core.mail.backends.console.EmailBackend", {}
    url = urlparse(raw)
    if url.scheme not in ("smtp", "smtps"):
        raise ValueError(f"DUTYROOM_SMTP_URL: scheme must be smtp or smtps, got {url.scheme!r}")
    query = parse_qs(url.query)
    return "django.core.mail.backends.smtp.EmailBackend", {
        "EMAIL_HOST": url.hostname or "localhost",
        "EMAIL_PORT": url.port or (465 if url.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(url.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(url.password or ""),
        "EMAIL_USE_SSL": url.scheme == "smtps",
        "EMAIL_USE_TLS": query.get("starttls", ["0"])[0] == "1",
        "EMAIL_TIMEOUT": 10,
    }


def served_base_url(host: str, port: int | str) -> str:
    """The address people reach ``dutyroom serve`` at when nobody said otherwise: what it binds. A wildcard
    bind (0.0.0.0, ::) is no address to click, so the machine's name stands in for it."""
    import socket

    if host in ("", "0.0.0.0", "::", "[::]"):
        host = socket.gethostname()
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 literal in a URL
    return f"http://{host}:{port}"


def base_url() -> str:
    """``DUTYROOM_BASE_URL`` (links in alerts and e-mails); unset, the address ``serve`` binds by default
    (``HOST``/``PORT``, as ``make run`` sets them). ``serve --host/--port`` refines it at start-up."""
    given = os.environ.get("DUTYROOM_BASE_URL", "").strip()
    if given:
        return given.rstrip("/")
    return served_base_url(os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000"))
