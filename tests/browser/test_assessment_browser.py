"""The assessment in real Chromium: ranking and charts, a unit's ledger, the appeal and the decision."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from dutyroom.accounts.models import User
from dutyroom.assessment.services import FindingInput, finding_raise
from dutyroom.common.clock import now as clock_now
from tests.assessment.conftest import OCT, october_build
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OpenPage = Callable[..., Page]
Screenshot = Callable[[Page, str], None]


def test_the_assessor_sees_the_ranking_with_charts_and_a_units_ledger(
    open_page: OpenPage, screenshot: Screenshot
) -> None:
    october_build()
    page = open_page("assessor")
    page.click("header >> text=考评")
    page.goto(f"/assessment/?period={OCT.code}")
    expect(page.locator("h1")).to_contain_text("2026年10月")
    expect(page.locator("table.ranking").first).to_contain_text("沙溪镇人民政府")
    for chart in ("chart-months", "chart-violations", "chart-delays"):
        expect(page.locator(f"#{chart}[data-ready='1'] svg")).to_have_count(1)  # ECharts drew it
    screenshot(page, "assessment-ranking")
    page.click("text=沙溪镇人民政府")
    expect(page.locator("#unit-score")).to_have_text("97")
    expect(page.locator("table.ledger")).to_contain_text("迟报 15 分钟")
    screenshot(page, "assessment-ledger")
    page.goto(f"/assessment/units/liuhe/?period={OCT.code}")
    expect(page.locator("tr.correction")).to_have_count(2)  # the waiver's reversal and the 瞒报 upheld late
    screenshot(page, "assessment-ledger-corrections")


def test_a_unit_appeals_and_the_assessor_rejects_the_finding(open_page: OpenPage, screenshot: Screenshot) -> None:
    made = october_build()
    finding = finding_raise(
        actor=User.objects.get(username="duty-officer"),
        incident=made["A"],
        now=clock_now(),
        data=FindingInput(unit="shaxi", kind="omitted", evidence="群众先于单位报告，伤亡情况未报"),
    )
    unit = open_page("shaxi-leader", PHONE)
    unit.goto("/findings/?state=open")
    expect(unit.locator(".countdown").first).not_to_be_empty()  # the appeal deadline counts down
    unit.goto(f"/findings/{finding.pk}/")
    unit.fill("#id_text", "首报已含伤亡情况，附通话记录")
    screenshot(unit, "finding-appeal-phone")
    unit.click("#appeal-form button[type=submit]")
    expect(unit.locator("#finding-state")).to_have_text("已申诉")
    assessor = open_page("assessor")
    assessor.goto(f"/findings/{finding.pk}/")
    assessor.fill("#id_reason", "申诉属实，首报已含伤亡")
    assessor.click("#decision-form button[value=false]")
    expect(assessor.locator("#finding-state")).to_have_text("不成立")
    screenshot(assessor, "finding-decided")
    assessor.goto(f"/incidents/{made['A'].pk}/")
    expect(assessor.locator("main")).to_contain_text("考评决定")
