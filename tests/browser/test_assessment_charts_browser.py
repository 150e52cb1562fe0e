"""The assessment page as drawn by Chromium, in Chinese and English, on a desktop and on a phone: every chart
has data and every bar its label; the English page leaves no Chinese grade, finding or month behind."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from playwright.sync_api import Page, ViewportSize, expect

from tests.assessment.conftest import OCT, october_build
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OpenPage = Callable[..., Page]
Screenshot = Callable[[Page, str], None]
WIDE: ViewportSize = {"width": 1400, "height": 900}
LABELS = {
    "zh": {
        "chart-months": [f"{m}月" for m in range(1, 13)],
        "chart-violations": ["迟报", "缺报", "漏报", "谎报", "瞒报", "违规渠道"],
        "chart-delays": ["按时", "≤15分", "≤30分", "≤1时", "≤2时", ">2时", "缺报"],
    },
    "en": {
        "chart-months": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
        "chart-violations": ["late", "missing", "omitted", "false", "concealed", "channel"],
        "chart-delays": ["on time", "≤15m", "≤30m", "≤1h", "≤2h", ">2h", "missing"],
    },
}


def in_language(page: Page, language: str) -> None:
    page.context.add_cookies(
        [
            {
                "name": settings.LANGUAGE_COOKIE_NAME,
                "value": language,
                "url": page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2],
            }
        ]
    )


def chart_texts(page: Page, chart: str) -> list[str]:
    expect(page.locator(f"#{chart}[data-ready='1'] svg")).to_have_count(1)
    return [t.strip() for t in page.locator(f"#{chart} svg text").all_text_contents()]


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1400", "390"])
def test_every_chart_has_data_and_every_bar_a_label(
    open_page: OpenPage, screenshot: Screenshot, language: str, viewport: ViewportSize
) -> None:
    october_build()
    page = open_page("assessor", viewport)
    in_language(page, language)
    page.goto(f"/assessment/?period={OCT.code}")
    expect(page.locator("h1")).to_contain_text("2026年10月" if language == "zh" else "October 2026")
    for chart, labels in LABELS[language].items():
        texts = chart_texts(page, chart)
        missing = [label for label in labels if label not in texts]
        assert not missing, f"{chart}: axis labels dropped: {missing}"
    # October's first reports: 2 on time of 6 due (G's two over WeChat earn no credit), a bar labelled with it
    months = chart_texts(page, "chart-months")
    assert "33.3%" in months
    assert page.locator("#chart-months svg path[fill]").count() > 0
    violations = chart_texts(page, "chart-violations")
    assert sum(1 for t in violations if re.fullmatch(r"\d+", t)) >= 6 + 1  # the y axis and a value on every bar
    screenshot(page, f"assessment-charts-{language}-{viewport['width']}")


def test_the_english_pages_translate_grades_findings_and_the_month(open_page: OpenPage) -> None:
    october_build()
    page = open_page("assessor", WIDE)
    in_language(page, "en")
    page.goto(f"/assessment/?period={OCT.code}")
    main = page.locator("main").inner_text()
    assert "Excellent" in main and "Good" in main
    for chinese in ("优秀", "良好", "2026年", "月"):
        assert chinese not in main, chinese
    page.goto(f"/assessment/units/shaxi/?period={OCT.code}")
    head = page.locator(".page-head").inner_text()
    assert "October 2026" in head and "Good" in head and "criticised" in head and "优秀" not in head
    page.goto("/findings/")
    table = page.locator("table.findings").inner_text()
    words = table.lower()  # labels are capitalised where they start a cell ("Omitted report", "Upheld")
    assert "omitted" in words and "rejected" in words and "upheld" in words
    for chinese in ("漏报", "不成立", "成立", "谎报"):
        assert chinese not in table, chinese
