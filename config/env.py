"""Environment helpers: the only place configuration is read from the process environment.

Everything is settable by environment variables (see ``shared/docs/api.md``): ``DATABASE_URL``,
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
    key_file = data_dir() / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def database_config() -> dict[str, Any]:
    """Translate ``DATABASE_URL`` into Django's DATABASES entry; default SQLite in the data dir.

    SQLite runs in WAL mode with a busy timeout and IMMEDIATE transactions so the worker and web
    requests never fail with "database is locked" under normal load.
    """
    url = os.environ.get("DATABASE_URL", "").strip()
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
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "dutyroom",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": options.pop("host", parsed.hostname or ""),
            "PORT": str(parsed.port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": 0,
            "TEST": {"NAME": options.pop("test_name", None)},
        }
    raise ValueError(f"DATABASE_URL: unsupported scheme {parsed.scheme!r} (use sqlite:/// or postgresql://)")


def _sqlite(path: str) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        },
        # A file, not memory, so worker threads and the live server share the test database as in production.
        "TEST": {"NAME": os.environ.get("DUTYROOM_TEST_SQLITE") or str(data_dir() / "test-dutyroom.sqlite3")},
    }


def rulebook_name() -> str:
    return os.environ.get("DUTYROOM_RULEBOOK", "taicang-2017")
