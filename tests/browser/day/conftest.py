"""The scripted day in the duty room: each act drives Chromium as the people of the day and keeps a picture of
every step at a desk's width and a phone's, so the day can be read back as a tour of the product."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from dutyroom.common import clock as clock_module
from dutyroom.common.clock import now as clock_now
from dutyroom.demo import demo_password
from dutyroom.duty.demo import roster_demo_load
from dutyroom.worker.jobs import JOBS, jobs_run

DAY_SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots" / "day"
WIDE = 1400
NARROW = 390

Step = Callable[[Page, str], None]


@pytest.fixture
def city_day(city_live: str) -> str:
    """The demo city with its roster: the city leader on duty today, as the day's alerts expect."""
    roster_demo_load(clock_now(), demo_password())
    return city_live


@pytest.fixture
def person(open_page: Callable[..., Page]) -> Callable[..., Page]:
    """A signed-in person whose page gives up on a missing element in seconds, to keep a failing act short."""

    def make(username: str, *args: Any) -> Page:
        page = open_page(username, *args)
        page.set_default_timeout(10_000)
        return page

    return make


def screenshot_steps(folder: Path) -> Step:
    """A ``step(page, name)`` that screenshots the page at 1400 px and at 390 px into ``folder``, numbered in
    order, then gives the page back its own width."""
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


@pytest.fixture
def step(request: Any) -> Step:
    """Screenshots of the act, in a folder named after its module."""
    return screenshot_steps(DAY_SCREENSHOTS / request.node.module.__name__.rsplit(".", 1)[-1].removeprefix("test_"))


_REAL_NOW = clock_module.now
_offset = [timedelta(0)]


def _moved_now() -> datetime:
    return _REAL_NOW() + _offset[0]


class Clock:
    """The server's clock moved forward, the one thing the day is allowed to do without the browser.

    The application reads the time only through ``dutyroom.common.clock.now``, which every module imports by
    name; moving the clock means rebinding that name wherever it was imported (the live server runs in this
    process, so its requests see the moved clock too). The rebinding is never undone, since a module imported
    while it holds keeps the moved function: instead the offset goes back to zero after each act.
    """

    def __init__(self) -> None:
        for module in list(sys.modules.values()):
            name = getattr(module, "__name__", "")
            if not name.startswith(("dutyroom", "tests")) or name == __name__:  # this module keeps the real one
                continue
            for attr, value in list(vars(module).items()):
                if value is _REAL_NOW:
                    setattr(module, attr, _moved_now)

    def advance(self, delta: timedelta) -> None:
        _offset[0] += delta


@pytest.fixture
def clock() -> Iterator[Clock]:
    yield Clock()
    _offset[0] = timedelta(0)


def worker_tick() -> None:
    """What the background worker does on its next wake-up: deliver the outbox, fan alerts out, run due jobs.

    The live server does not run the worker; twice, because one job's output (an alert) is the next one's input."""
    for _ in range(2):
        jobs_run(clock_now(), list(JOBS))
