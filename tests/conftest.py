"""Shared fixtures: the demo city's units and users, API clients with real bearer tokens, a fixed clock.

The suite runs in parallel (pytest-xdist): each worker has its own test database (pytest-django suffixes its
name with the worker id, on SQLite and PostgreSQL alike), and every file a test writes lives under a directory of
its own, never under the shared ``var/``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

CHROMIUM = Path("/usr/bin/chromium")

# No per-example deadline: the tests assert behaviour, never speed, and a deadline only measures how busy the
# machine is (parallel workers on two shared cores made property tests fail at 288 ms against the default 200).
hypothesis_settings.register_profile("dutyroom", deadline=None)
hypothesis_settings.load_profile("dutyroom")


def in_ci() -> bool:
    """CI sets ``CI=true`` (.ci/run does too): there a missing real part is a failure, never a silent skip."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(present: bool, part: str) -> None:
    """Skip a test whose real part is missing on a developer's machine; fail it in CI, where a green run must
    mean every test ran."""
    if present:
        return
    if in_ci():
        pytest.fail(f"{part} is missing, and CI must run every test against the real thing", pytrace=False)
    pytest.skip(f"{part} is missing")


def cjk_font_installed() -> bool:
    """Documents print Chinese through fontconfig; without a CJK font every character is a box."""
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=30)
    return bool(found.stdout.strip())


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI, refuse to start without the parts whose tests would otherwise not prove anything: Chromium for the
    browser tests, a CJK font for the PDF documents, and the PostgreSQL server the PostgreSQL leg names."""
    if not in_ci() or hasattr(session.config, "workerinput"):  # the controller checks once for all workers
        return
    missing = [
        part
        for part, present in (
            ("Chromium at /usr/bin/chromium", CHROMIUM.exists()),
            ("a CJK font (fonts-noto-cjk)", cjk_font_installed()),
            ("the PostgreSQL server named by DATABASE_URL", postgresql_reachable()),
        )
        if not present
    ]
    if missing:
        raise pytest.UsageError("CI=true but missing: " + "; ".join(missing))


def postgresql_reachable() -> bool:
    """True on SQLite (nothing to reach); on PostgreSQL, whether its server answers."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return True
    from urllib.parse import urlparse

    import psycopg

    try:
        psycopg.connect(urlparse(url)._replace(path="/postgres").geturl(), connect_timeout=5).close()
    except psycopg.OperationalError:
        return False
    return True


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Schemathesis gives every operation's item the same node id (the test function's), and pytest-xdist tells
    items apart only by node id: in parallel it ran one operation of 82 and dropped the rest without a word.
    Each item's id now names its operation, as pytest's own parametrize would."""
    for item in items:
        if "[" in item.name and "[" not in item.nodeid:
            item._id = type(item.id).parse(f"{item.nodeid.rpartition('::')[0]}::{item.name}")


@pytest.fixture
def city(db: None) -> None:
    """Units and one user per role, as `dutyroom init --demo` makes them (without sample incidents)."""
    from dutyroom.demo import units_load, users_load

    units_load()
    users_load(datetime.now(UTC))


@pytest.fixture
def user(city: None) -> Callable[[str], Any]:
    from dutyroom.accounts.models import User

    return lambda name: User.objects.get(username=name)


class Api:
    """A JSON client for /api/v1 acting as one user, through a real bearer token."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        data = json.dumps(body) if body is not None else ""  # no body at all, not the text "None"
        response = getattr(self.client, method)(
            f"/api/v1{path}", data=data, content_type="application/json", headers=self._headers(headers)
        )
        is_json = response.get("Content-Type", "").startswith("application/json")
        response.json_body = response.json() if response.content and is_json else None
        return response

    def get(self, path: str, **kw: Any) -> Any:
        return self.call("get", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("post", path, body if body is not None else {}, **kw)

    def patch(self, path: str, body: Any, **kw: Any) -> Any:
        return self.call("patch", path, body, **kw)


@pytest.fixture
def api(city: None) -> Callable[[str | None], Api]:
    from dutyroom.accounts.models import User
    from dutyroom.accounts.tokens import token_create

    def make(username: str | None) -> Api:
        if username is None:
            return Api(None)
        person = User.objects.get(username=username)
        return Api(token_create(user=person, name="test", now=datetime.now(UTC)))

    return make


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Argon2 is deliberately slow; tests create dozens of users per case and need no brute-force resistance."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def bus_listener_closed_afterwards() -> Any:
    """A worker started by a test opens the bus's LISTEN connection (PostgreSQL); close it after the test, or
    the test database could not be dropped while it is open."""
    yield
    from dutyroom.common import bus

    bus.stop()


@pytest.fixture(autouse=True)
def no_second_factor(settings: Any) -> None:
    """Tests sign in with force_login; the TOTP step has its own tests (tests/security/test_otp.py)."""
    settings.DUTYROOM_OTP_ROLES = frozenset()


@pytest.fixture(autouse=True)
def audit_anchor_per_test(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test's database starts empty, so each gets its own audit anchor file (a stale one reads as truncation)."""
    settings.DUTYROOM_AUDIT_ANCHOR = tmp_path_factory.mktemp("anchor") / "audit-anchor.log"


@pytest.fixture(autouse=True)
def uploads_per_test(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Photo file names follow database ids, which parallel workers (each with its own database) reuse; a shared
    uploads directory would let one worker's lead show another's photo."""
    settings.DUTYROOM_UPLOADS_DIR = tmp_path_factory.mktemp("uploads")


@pytest.fixture(autouse=True)
def fresh_live_board_cache() -> None:
    """The board's fragment cache is per process and keyed by database ids, which a rolled-back test reuses."""
    from dutyroom.alerts.unread import unread_forget
    from dutyroom.web.views import live

    live._fragments.clear()
    live._heads.at = 0.0
    live._holders.version = ""
    unread_forget()  # the shared unread counts are keyed by that version too
