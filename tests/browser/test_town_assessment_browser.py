"""A town's assessment as Chromium draws it (分级管理): 沙溪's duty officer sees its villages, community and
enterprise ranked on the clocks owed to the town, and nothing of another town; the city's duty officer switches
from the city's ranking to 沙溪's. Chinese and English, desktop and phone."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from dutyroom.common.clock import now as clock_now
from dutyroom.demo import levels_load
from tests.browser.conftest import PHONE
from tests.browser.test_assessment_charts_browser import WIDE, in_language
from tests.levels.test_town_assessment import t, village_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OpenPage = Callable[..., Page]
Screenshot = Callable[[Page, str], None]
WORDS = {
    "zh": {"village": "涂松村", "group": "村、社区", "city": "市级考评", "other_town": "城厢镇"},
    "en": {
        "village": "Tusong",
        "group": "Villages and communities",
        "city": "City assessment",
        "other_town": "Chengxiang",
    },
}


def fits(page: Page) -> bool:
    """Nothing wider than the screen: a wide table scrolls inside its panel, the page does not."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1400", "390"])
def test_the_town_and_the_city_each_see_their_level(
    open_page: OpenPage, screenshot: Screenshot, language: str, viewport: ViewportSize
) -> None:
    levels_load(clock_now())
    village_incident("shaxi-tusong", t(5), village_after=60, town_after=30)
    village_incident("shaxi-niqiao", t(6), village_after=10, town_after=30)
    words = WORDS[language]

    town = open_page("shaxi-duty", viewport)
    in_language(town, language)
    town.goto("/assessment/?period=2026-10")
    main = town.locator("main")
    expect(main).to_contain_text(words["group"])
    expect(main.locator("table.ranking").first).to_contain_text(words["village"])
    text = main.inner_text()
    assert words["other_town"] not in text, text[max(0, text.find(words["other_town"]) - 200) :][:400]
    expect(town.locator("nav.level-switch")).to_have_count(0)  # a town sees its own level only
    assert fits(town)
    screenshot(town, f"town-assessment-{language}-{viewport['width']}")

    city = open_page("duty-officer", viewport)
    in_language(city, language)
    city.goto("/assessment/?period=2026-10")
    expect(city.locator("main table.ranking").first).to_contain_text(words["other_town"])
    assert words["village"] not in city.locator("main table.ranking").first.inner_text()
    city.locator("nav.level-switch a").first.click()
    expect(city.locator("main table.ranking").first).to_contain_text(words["village"])
    assert fits(city)
    screenshot(city, f"city-sees-town-assessment-{language}-{viewport['width']}")
