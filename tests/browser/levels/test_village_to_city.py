"""A village reports to its town, the town to the city (分级管理), in Chromium.

涂松村's reporter files a first report from a phone; 沙溪's duty officer signs for it on the town's board and
files the town's own report to the city; the city's duty officer opens the incident and reads the town's report
with the village's original under it. Both boards are kept at 1400 px and 390 px."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from dutyroom.incidents.models import Incident
from tests.browser.conftest import PHONE
from tests.browser.day.conftest import Step

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OpenPage = Callable[..., Page]
TITLE = "涂松村河道小船翻覆"
VILLAGE_TEXT = "村民小船在涂松村河道翻覆，两人落水，已被附近村民救起。"
TOWN_TEXT = "沙溪镇值班室转报：涂松村河道小船翻覆，两人落水已获救，无人员伤亡。"


def test_a_village_reports_to_its_town_the_town_to_the_city_and_the_city_sees_both_levels(
    person: OpenPage, step: Step, city_levels: str
) -> None:
    # 1. The village's reporter, on a phone, files the first report in writing.
    village = person("shaxi-tusong-reporter", PHONE)
    village.goto("/incidents/new/")
    village.fill("#id_title", TITLE)
    village.select_option("#id_category", "accident")
    village.fill("#id_summary", VILLAGE_TEXT)
    step(village, "village-first-report-form")
    village.get_by_role("button", name="提交报告").click()
    village.wait_for_url("**/incidents/*/")
    incident = Incident.objects.get(title=TITLE)
    assert incident.unit.code == "shaxi-tusong"
    step(village, "village-incident-page")

    # 2. 沙溪's duty officer sees it on the town's board, chases nothing yet, and signs for the report.
    town = person("shaxi-duty")
    expect(town.locator("h1")).to_contain_text("值班看板")
    receipts = town.locator("#receipts")
    expect(receipts).to_contain_text(TITLE)
    card = town.locator(f"#incident-{incident.pk}")
    village_clock = incident.obligations.get(unit__code="shaxi-tusong", kind="followup")
    town_clock = incident.obligations.get(unit__code="shaxi", kind="first_report")
    expect(card.locator(f"#clock-{village_clock.pk} .chase-form")).to_have_count(1)  # owed to 沙溪: its to chase
    expect(card.locator(f"#clock-{town_clock.pk} .chase-form")).to_have_count(0)  # owed to the city: not its
    step(town, "town-board")
    receipts.locator("li", has_text=TITLE).first.get_by_role("button", name="签收").click()
    town.wait_for_load_state()
    expect(town.locator("#receipts li", has_text=TITLE)).to_have_count(0)
    village_report = incident.reports.get(unit__code="shaxi-tusong")
    assert village_report.confirmed_by is not None and village_report.confirmed_by.username == "shaxi-duty"

    # 3. The town files its own report to the city on the same incident.
    town.goto(f"/incidents/{incident.pk}/")
    town.get_by_role("link", name="提交书面报告").click()
    town.wait_for_url(f"**/incidents/{incident.pk}/report/**")
    town.fill("#id_summary", TOWN_TEXT)
    step(town, "town-report-form")
    town.get_by_role("button", name="提交").click()
    town.wait_for_url(f"**/incidents/{incident.pk}/**")
    assert incident.reports.filter(unit__code="shaxi").exists()
    town.goto("/")
    step(town, "town-board-after-reporting")

    # 4. The city's duty officer: the board, then the incident with both levels.
    city = person("duty-officer")
    expect(city.locator(f"#incident-{incident.pk}")).to_be_visible()
    expect(city.locator("#receipts")).to_contain_text(TITLE)  # the town's report waits for the city's 签收
    step(city, "city-board")
    city.goto(f"/incidents/{incident.pk}/")
    expect(city.locator("#reports")).to_contain_text(TOWN_TEXT)
    expect(city.locator("#reports")).not_to_contain_text(VILLAGE_TEXT)
    expect(city.locator("#reports-below")).to_contain_text(VILLAGE_TEXT)
    expect(city.locator("#reports-below")).to_contain_text("涂松村")
    step(city, "city-incident-both-levels")

    # 5. The same pages in English: the town's board and the city's incident, in words, no codes.
    for page, path, name in (
        (town, "/", "town-board-english"),
        (city, f"/incidents/{incident.pk}/", "city-incident-english"),
    ):
        page.goto(path)
        page.locator(".lang-switch button").click()
        page.wait_for_load_state()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        step(page, name)
    expect(city.locator("#reports-below h2")).to_contain_text("Original reports from below")
    expect(town.locator("h1")).to_contain_text("Duty board")
