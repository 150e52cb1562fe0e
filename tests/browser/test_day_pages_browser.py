"""The pages of a day in the duty room, in Chromium: a lead draft that survives an expired session, a photo too
big named in the form, a phone header that leaves the screen to the board, and a sample of pages read as a person
reads them (no codes, ISO times or seconds counts in the visible text)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from dutyroom.common.clock import now as clock_now
from dutyroom.demo import incidents_load
from dutyroom.leads.models import Lead
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OpenPage = Callable[..., Page]
Screenshot = Callable[[Page, str], None]
RAW = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d|(?<![\w.])\d+ ?s\b|\d+ ?秒|[a-z][\w-]*@\d|\buser:[\w-]+")


def test_a_lead_draft_survives_an_expired_session_until_the_new_lead_answers(
    open_page: OpenPage, screenshot: Screenshot, city_live: str
) -> None:
    grid = open_page("grid-shaxi", PHONE)
    expect(grid.locator("#lead-form")).to_be_visible()  # the grid worker's home is the lead form
    grid.fill("#id_title", "白云路菜场门口有人晕倒")
    grid.fill("#id_text", "已打 120")
    # the session expires while the worker types (the CSRF cookie stays): the server answers with the login page
    kept = [c for c in grid.context.cookies() if "session" not in c["name"]]
    grid.context.clear_cookies()
    grid.context.add_cookies(kept)  # type: ignore[arg-type]
    grid.locator(".thumb-bar button").click()
    expect(grid.locator("#draft-status")).to_contain_text("登录已过期")
    assert "白云路菜场门口有人晕倒" in grid.evaluate("JSON.stringify(localStorage)")
    assert not Lead.objects.exists()
    screenshot(grid, "lead-form-session-expired")

    grid.goto("/login/")
    grid.fill("#id_username", "grid-shaxi")
    grid.fill("#id_password", "dutyroom-demo")
    grid.click("main form button[type=submit]")
    expect(grid.locator("#id_title")).to_have_value("白云路菜场门口有人晕倒")  # the draft is back
    grid.locator(".thumb-bar button").click()
    expect(grid.locator("#lead-state")).to_have_text("待核实")
    assert Lead.objects.get().title == "白云路菜场门口有人晕倒"
    assert grid.evaluate("Object.keys(localStorage).length") == 0


def test_a_photo_over_5_mb_is_named_in_the_form_and_nothing_is_lost(open_page: OpenPage) -> None:
    grid = open_page("grid-shaxi", PHONE)
    grid.fill("#id_title", "河道漂浮大量死鱼")
    big = b"\xff\xd8\xff\xe0" + b"\x00" * (6 * 1024 * 1024)
    grid.set_input_files("#id_photos", files=[{"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": big}])
    grid.locator(".thumb-bar button").click()
    expect(grid.locator("#draft-status")).to_contain_text("IMG_2041.jpg")
    expect(grid.locator("#draft-status")).to_contain_text("5 MB")
    expect(grid.locator("#id_title")).to_have_value("河道漂浮大量死鱼")
    assert not Lead.objects.exists()


def test_on_a_phone_the_header_leaves_the_screen_to_the_board(open_page: OpenPage, screenshot: Screenshot) -> None:
    duty = open_page("duty-officer", PHONE)
    header = duty.locator("header.topbar").bounding_box()
    assert header is not None and header["height"] < 844 * 0.12
    duty.click("#nav-toggle")
    expect(duty.locator("#nav-links")).to_be_visible()
    expect(duty.locator("#nav-links a[href='/duty-log/']")).to_be_visible()
    screenshot(duty, "phone-menu-open")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_sample_of_pages_reads_as_words(open_page: OpenPage, city_live: str, language: str) -> None:
    incidents_load(clock_now() - timedelta(minutes=5))
    duty = open_page("duty-officer")
    if language == "en":
        duty.click("button[name=language][value=en]")
    for path in ("/", "/leads/", "/duty-log/", "/assessment/", "/handover/", "/incidents/3/"):
        duty.goto(path)
        text = duty.locator("main").inner_text()
        found = RAW.findall(text)
        assert not found, f"{path}: {found}"
