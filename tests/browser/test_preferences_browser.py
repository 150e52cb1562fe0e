"""Alert preferences in real Chromium: the board's mute switch is stored per person, so a second browser opens
muted; the preferences page shows a bad mobile number beside its box; the unit-defaults page. Screenshots."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from dutyroom.accounts.models import User
from dutyroom.alerts.preferences import sound_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OpenPage = Callable[..., Page]
Screenshot = Callable[[Page, str], None]


def test_muting_on_one_browser_mutes_the_next(open_page: OpenPage, screenshot: Screenshot) -> None:
    first = open_page("duty-officer")
    switch = first.locator("#sound-toggle")
    expect(switch).to_have_attribute("aria-pressed", "false")
    switch.click()
    expect(switch).to_have_attribute("data-saved", "1")  # the server answered the POST
    expect(switch).to_have_attribute("aria-pressed", "true")
    assert sound_on(User.objects.get(username="duty-officer")) is False
    first.reload()
    expect(first.locator("#sound-toggle")).to_have_attribute("aria-pressed", "true")
    second = open_page("duty-officer")  # a new browser context: no cookies, no localStorage of the first
    expect(second.locator("#sound-toggle")).to_have_attribute("aria-pressed", "true")
    expect(second.locator("body")).to_have_attribute("data-sound", "0")
    screenshot(second, "prefs-board-muted")
    second.locator("#sound-toggle").click()
    expect(second.locator("#sound-toggle")).to_have_attribute("aria-pressed", "false")
    expect(second.locator("#sound-toggle")).to_have_attribute("data-saved", "1")
    assert sound_on(User.objects.get(username="duty-officer")) is True


def test_the_preferences_page_saves_and_shows_a_bad_mobile_beside_its_box(
    open_page: OpenPage, screenshot: Screenshot
) -> None:
    page = open_page("shaxi-reporter")
    page.click("#my-alerts-link")
    page.wait_for_url("**/me/alerts/")
    page.fill("#id_email", "li@example.test")
    page.fill("#id_phone", "12345")
    page.click("#pref-form button[type=submit]")
    expect(page.locator(".field-phone.has-error .error")).to_contain_text("手机号码无效")
    expect(page.locator("#id_phone")).to_be_focused()
    screenshot(page, "prefs-page-error")
    page.fill("#id_phone", "138 0000 0001")
    page.locator("input[name=topic-overdue][value=sms]").uncheck()
    page.click("#pref-form button[type=submit]")
    expect(page.locator(".message-success")).to_be_visible()
    expect(page.locator("input[name=topic-overdue][value=sms]")).not_to_be_checked()
    expect(page.locator("input[name=topic-overdue][value=inapp]")).to_be_disabled()
    screenshot(page, "prefs-page")
    assert User.objects.get(username="shaxi-reporter").phone == "13800000001"


def test_the_duty_room_sets_a_units_defaults(open_page: OpenPage, screenshot: Screenshot) -> None:
    page = open_page("duty-officer")
    page.goto("/me/alerts/")
    page.click("#unit-defaults a[href='/units/shaxi/alerts/']")
    page.wait_for_url("**/units/shaxi/alerts/")
    page.locator("input[name=topic-lead][value=inapp]").uncheck()
    page.click("#unit-pref-form button[type=submit]")
    expect(page.locator(".message-success")).to_be_visible()
    expect(page.locator("input[name=topic-lead][value=inapp]")).not_to_be_checked()
    screenshot(page, "prefs-unit-defaults")
