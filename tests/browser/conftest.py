"""Real Chromium (Debian's /usr/bin/chromium) against pytest-django's live server.

Playwright's sync API runs an event loop in this thread, which makes Django refuse ORM calls from it
unless told they are safe; they are (the test thread is not serving requests), hence the variable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from dutyroom.common.clock import now as clock_now
from dutyroom.demo import demo_password, units_load, users_load
from tests.conftest import require

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    require(Path(CHROMIUM).exists(), "Chromium at /usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def city_live(transactional_db: None, live_server: Any, settings: Any) -> str:
    """The demo city's units and users in the live server's database; returns the server's URL.

    Fifty demo users hashed with argon2 would take seconds per test; a fast hasher is fine for test data.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    units_load()
    users_load(clock_now())
    return str(live_server.url)


@pytest.fixture
def open_page(chromium: Browser, city_live: str) -> Iterator[Callable[..., Page]]:
    """Sign a demo user in on a fresh context (desktop or phone viewport); fails the test on any JS error."""
    contexts = []
    errors: list[str] = []

    def make(username: str, viewport: ViewportSize = DESKTOP) -> Page:
        context = chromium.new_context(
            viewport=viewport,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            base_url=city_live,
            is_mobile=viewport == PHONE,
            has_touch=viewport == PHONE,
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", demo_password())
        page.click("main form button[type=submit]")  # not the header's language switch
        # home is the board, or for a grid worker the lead form
        page.wait_for_url(lambda url: url in (f"{city_live}/", f"{city_live}/leads/new/"))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def screenshot() -> Callable[[Page, str], None]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
