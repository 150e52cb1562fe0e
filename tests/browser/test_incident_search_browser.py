"""The duty officer finds incidents on /incidents/ (closed ones too) at 1400 px and on a 390 px phone, in
Chinese and in English, and picks an incident by typing its words in the forms that take one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.incidents.models import Incident
from dutyroom.incidents.services import IncidentInput, incident_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE: ViewportSize = {"width": 1400, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
OpenPage = Callable[..., Page]
Screenshot = Callable[[Page, str], None]


def opened(title: str, unit: str = "shaxi", hours_ago: float = 1, grade: str = "IV") -> Incident:
    now = clock_now()
    return incident_create(
        actor=User.objects.get(username=f"{unit}-reporter"),
        now=now,
        data=IncidentInput(
            title=title, category="accident", subtype="fire", grade=grade, occurred_at=now - timedelta(hours=hours_ago)
        ),
    )


def to_english(page: Page) -> None:
    toggle = page.locator("#nav-toggle")
    if toggle.is_visible():  # on a phone the links, the language switch among them, fold behind 菜单
        toggle.click()
    page.click(".lang-switch button")
    expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.parametrize("viewport,size", [(WIDE, "1400"), (PHONE, "390")])
def test_the_duty_officer_finds_a_closed_incident_by_its_words(
    open_page: OpenPage, screenshot: Screenshot, viewport: ViewportSize, size: str
) -> None:
    closed = opened("沙溪镇白云路仓库火灾", hours_ago=50)
    Incident.objects.filter(pk=closed.pk).update(state="closed")
    opened("浏河镇码头起火", unit="liuhe", grade="III")
    page = open_page("duty-officer", viewport)
    page.goto("/incidents/")
    expect(page.locator("h1")).to_have_text("事件查询")
    expect(page.locator(".incident-result")).to_have_count(2)
    page.fill("#search-q", "白云路")
    page.select_option("#search-state", "closed")
    page.click(".incident-search button[type=submit]")
    results = page.locator(".incident-result")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("沙溪镇白云路仓库火灾")
    expect(results.first.locator(".incident-state")).to_have_text("已办结")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"incident-search-zh-{size}")
    to_english(page)
    expect(page.locator("h1")).to_have_text("Incidents")
    expect(page.locator("#search-q")).to_have_value("白云路")  # the search survives the language switch
    expect(page.locator(".incident-result")).to_have_count(1)
    expect(page.locator("label[for=search-from]")).to_have_text("Occurred from")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"incident-search-en-{size}")
    page.click(".incident-result a")
    expect(page).to_have_url(f"{page.url.split('/incidents/')[0]}/incidents/{closed.pk}/")


def test_the_navigation_leads_to_the_search(open_page: OpenPage) -> None:
    page = open_page("shaxi-reporter", WIDE)
    page.click("header >> text=事件查询")
    expect(page.locator("h1")).to_have_text("事件查询")


def test_a_finding_names_its_incident_by_typing_words_not_a_number(open_page: OpenPage, screenshot: Screenshot) -> None:
    fire = opened("沙溪镇白云路仓库火灾", hours_ago=3)
    opened("浏河镇码头起火", unit="liuhe")
    page = open_page("assessor", WIDE)
    page.goto("/findings/new/")
    search = page.locator(".picker-search")
    search.click()
    expect(page.locator(".picker-list li[role=option]")).to_have_count(2)  # the latest, with nothing typed
    search.fill("仓库")
    options = page.locator(".picker-list li[role=option]")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("沙溪镇白云路仓库火灾")
    screenshot(page, "incident-picker-zh-1400")
    options.first.click()
    expect(page.locator("#id_incident")).to_have_value(str(fire.pk))
    expect(page.locator(".picker-chosen")).to_contain_text("沙溪镇白云路仓库火灾")


def test_the_duty_log_picks_with_the_keyboard_on_a_phone_in_english(
    open_page: OpenPage, screenshot: Screenshot
) -> None:
    gas = opened("沙溪镇燃气泄漏", hours_ago=1)
    page = open_page("duty-officer", PHONE)
    page.goto("/duty-log/")
    to_english(page)
    search = page.locator(".picker-search")
    expect(search).to_have_attribute("placeholder", "Find by title, place or number")
    search.fill("燃气")
    expect(page.locator(".picker-list li[role=option]")).to_have_count(1)
    search.press("ArrowDown")
    search.press("Enter")  # picks; does not submit the half-filled entry
    expect(page.locator("input[name=incident]")).to_have_value(str(gas.pk))
    expect(page.locator(".picker-chosen")).to_contain_text("Chosen: ")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "incident-picker-en-390")
