"""Fixtures for the page tests: the demo city's units and users, signed-in clients, incidents made by services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.demo import units_load, users_load
from dutyroom.incidents.models import Incident
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.reports.services import ReportInput, report_submit


@pytest.fixture
def demo_city(db: None, settings: Any) -> None:
    """Units and one user per role, as `dutyroom init --demo` makes them (no sample incidents).

    Fifty demo users hashed with argon2 would take seconds per test; a fast hasher is fine for test data.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    units_load()
    users_load(clock_now())


@pytest.fixture
def login(demo_city: None) -> Callable[[str], Client]:
    """A test client signed in as the named demo user."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return make


def incident_make(
    username: str = "shaxi-reporter",
    *,
    minutes_ago: float = 10,
    title: str = "沙溪镇居民楼火灾",
    grade: str | None = "IV",
    written: bool = False,
    now: datetime | None = None,
    **extra: Any,
) -> Incident:
    """An incident opened through the service (as a unit would), optionally with its written first report."""
    now = now or clock_now()
    reporter = User.objects.get(username=username)
    incident = incident_create(
        actor=reporter,
        data=IncidentInput(
            title=title,
            category=extra.pop("category", "accident"),
            subtype=extra.pop("subtype", "fire"),
            grade=grade,
            occurred_at=now - timedelta(minutes=minutes_ago),
            **extra,
        ),
        now=now,
    )
    if written:
        report_submit(
            actor=reporter,
            incident=incident,
            data=ReportInput(kind="written", summary="现场处置中", casualties={"injuries": 2}, signer="李四"),
            now=now,
        )
    return incident


@pytest.fixture
def make_incident(demo_city: None) -> Callable[..., Incident]:
    return incident_make
