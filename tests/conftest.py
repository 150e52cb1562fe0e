"""Shared fixtures: the demo city's units and users, API clients with real bearer tokens, a fixed clock."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client


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
def fresh_live_board_cache() -> None:
    """The board's fragment cache is per process and keyed by database ids, which a rolled-back test reuses."""
    from dutyroom.alerts.unread import unread_forget
    from dutyroom.web.views import live

    live._fragments.clear()
    live._heads.at = 0.0
    live._holders.version = ""
    unread_forget()  # the shared unread counts are keyed by that version too
