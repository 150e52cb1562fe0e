"""The demo city with 沙溪's own duty room (``levels_load``), as `dutyroom init --demo` makes it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest


@pytest.fixture
def city(db: None) -> None:
    from dutyroom.demo import levels_load, units_load, users_load

    units_load()
    users_load(datetime.now(UTC))
    levels_load(datetime.now(UTC))
