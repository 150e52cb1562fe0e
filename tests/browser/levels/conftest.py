"""分级管理 in Chromium: the demo city with 沙溪's own duty room, its villages and its roster; every step kept
at a desk's width and a phone's under test-artifacts/screenshots/levels/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dutyroom.common.clock import now as clock_now
from dutyroom.demo import demo_password, levels_load
from dutyroom.duty.demo import roster_demo_load
from tests.browser.day.conftest import Step, clock, person, screenshot_steps

__all__ = ["clock", "person"]  # the day's fixtures: a signed-in person, the server's clock

LEVELS_SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots" / "levels"


@pytest.fixture
def city_levels(city_live: str) -> str:
    """The demo city with 沙溪 running its own duty room (its villages, reporters, rules and roster)."""
    levels_load(clock_now())
    roster_demo_load(clock_now(), demo_password())
    return city_live


@pytest.fixture
def step(request: Any) -> Step:
    """Screenshots of the scenario, in a folder named after its module."""
    return screenshot_steps(LEVELS_SCREENSHOTS / request.node.module.__name__.rsplit(".", 1)[-1].removeprefix("test_"))
