"""A verification request in real Chromium: the duty room asks, the countdown ticks, the town answers on a phone."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from dutyroom.reports.models import VerificationRequest
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OpenPage = Callable[..., Page]
Screenshot = Callable[[Page, str], None]


def test_duty_room_asks_and_the_town_replies_from_its_phone(open_page: OpenPage, screenshot: Screenshot) -> None:
    duty = open_page("duty-officer")
    duty.click("nav.who >> text=核实请求")
    duty.click(".page-head >> text=发起核实请求")
    duty.select_option("#id_authority", "suzhou")
    duty.select_option("#id_unit", "shaxi")
    duty.fill("#id_question", "苏州市值班室来电：网传沙溪镇白云路一仓库起火冒烟，请核实是否属实、有无人员伤亡。")
    screenshot(duty, "verification-new-desktop")
    duty.click(".submit-bar button")
    expect(duty.locator(".message-success")).to_contain_text("核实请求已发出")
    request = VerificationRequest.objects.get()
    countdown = duty.locator(f"#verification-{request.pk} .countdown")
    before = countdown.inner_text()
    expect(countdown).not_to_have_text(before, timeout=3000)  # ticked by app.js like the board's clocks
    screenshot(duty, "verification-list-desktop")

    town = open_page("shaxi-reporter", PHONE)
    screenshot(town, "verification-board-phone")
    town.click(f'a[href="/verification-requests/{request.pk}/reply/"]')  # from the board's loose section
    town.click(".submit-bar button")
    expect(town.locator(".field-summary .error")).to_have_text("不能为空")
    town.fill("#id_summary", "经现场核实，系仓库外焚烧杂物产生烟雾，已扑灭，无人员伤亡。")
    town.fill("#id_signer", "李四")
    screenshot(town, "verification-reply-phone")
    town.click(".submit-bar button")
    expect(town.locator(".message-success")).to_contain_text("核报反馈已提交")
    expect(town.locator(f"#verification-{request.pk}")).to_contain_text("按时")
    screenshot(town, "verification-list-phone")
