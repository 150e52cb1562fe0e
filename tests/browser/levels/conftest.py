"""分级管理 in Chromium: the demo city with 沙溪's own duty room, its villages and its roster; every step kept
at a desk's width and a phone's under test-artifacts/screenshots/levels/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from dutyroom.common.clock import now as clock_now
from dutyroom.demo import demo_password, levels_load
from dutyroom.duty.demo import roster_demo_load
from tests.browser.day.conftest import NARROW, WIDE, Step, clock, person

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
    """Screenshot the page at 1400 px and at 390 px, then give it back its own width."""
    folder = LEVELS_SCREENSHOTS / request.node.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    folder.mkdir(parents=True, exist_ok=True)
    counter = [0]

    def take(page: Page, name: str) -> None:
        counter[0] += 1
        size = page.viewport_size or {"width": WIDE, "height": 900}
        for width in (WIDE, NARROW):
            page.set_viewport_size({"width": width, "height": size["height"]})
            page.screenshot(path=str(folder / f"{counter[0]:02d}-{name}-{width}.png"), full_page=True)
        page.set_viewport_size(size)

    return take
