"""A grid worker files a lead one-handed on a 375×667 phone, loses the connection, keeps the draft, sends it;
the duty officer confirms it on the verification page and it becomes an incident."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from dutyroom.leads.models import Lead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_PHONE: ViewportSize = {"width": 375, "height": 667}
OpenPage = Callable[..., Page]
Screenshot = Callable[[Page, str], None]


def test_grid_worker_keeps_a_draft_offline_and_the_duty_room_confirms_the_lead(
    open_page: OpenPage, screenshot: Screenshot
) -> None:
    grid = open_page("grid-shaxi", SMALL_PHONE)
    grid.goto("/leads/new/")
    grid.fill("#id_title", "沙溪镇白云路居民楼冒黑烟")
    grid.fill("#id_text", "三楼窗口有明火，已有群众撤出")
    grid.select_option("#id_area", "shaxi")
    grid.fill("#id_address", "白云路18号")
    send = grid.locator(".thumb-bar button")
    box = send.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 667 and box["width"] >= 300  # at the thumb, full width
    assert grid.evaluate("document.documentElement.scrollWidth") <= 375  # nothing sideways on a small phone
    screenshot(grid, "lead-form-phone-375")

    grid.context.set_offline(True)
    send.click()
    expect(grid.locator("#draft-status")).to_contain_text("网络中断")
    screenshot(grid, "lead-form-phone-offline")
    grid.context.set_offline(False)
    grid.goto("/leads/new/")  # a new visit finds the draft
    expect(grid.locator("#id_title")).to_have_value("沙溪镇白云路居民楼冒黑烟")
    expect(grid.locator("#draft-status")).to_contain_text("已恢复")
    grid.locator(".thumb-bar button").click()
    expect(grid.locator("#lead-state")).to_have_attribute("data-state", "new")  # the lead's page, with its clock
    expect(grid.locator("#lead-state")).to_have_text("待核实")
    lead = Lead.objects.get()
    assert lead.channel == "grid" and lead.area is not None and lead.area.code == "shaxi"
    assert grid.evaluate("Object.keys(localStorage).length") == 0  # the draft is gone once the server has it
    screenshot(grid, "lead-sent-phone")

    duty = open_page("duty-officer")
    duty.goto("/leads/")
    duty.click(f'a[href="/leads/{lead.pk}/"]')
    duty.select_option("#id_outcome", "confirmed")
    duty.fill("#id_reason", "城厢派出所电话核实属实")
    screenshot(duty, "lead-verify-desktop")
    duty.click("#verify-form button")
    expect(duty.locator(".message-success")).to_contain_text("核实结果已记录")
    expect(duty.locator("#lead-state")).to_have_text("属实")
    expect(duty.locator(".evidence")).to_be_visible()
    lead.refresh_from_db()
    assert lead.incident is not None and lead.incident.unit.code == "shaxi"


def test_a_lead_over_the_senders_limit_comes_back_in_the_form_as_typed_and_the_draft_stays(
    open_page: OpenPage, settings: Any
) -> None:
    settings.DUTYROOM_LEAD_LIMIT = 1
    grid = open_page("grid-shaxi", SMALL_PHONE)
    grid.goto("/leads/new/")
    grid.fill("#id_title", "沙溪镇白云路桥下积水")
    grid.locator(".thumb-bar button").click()
    expect(grid.locator("#lead-state")).to_have_text("待核实")

    grid.goto("/leads/new/")
    grid.fill("#id_title", "沙溪镇新华路倒树压住电线")
    grid.fill("#id_text", "路口两棵梧桐倒下，电线拖地")
    grid.locator(".thumb-bar button").click()
    expect(grid.locator("#lead-limit")).to_contain_text("报送过于频繁")
    expect(grid.locator("#id_title")).to_have_value("沙溪镇新华路倒树压住电线")
    expect(grid.locator("#id_text")).to_have_value("路口两棵梧桐倒下，电线拖地")
    draft = grid.evaluate("JSON.parse(Object.values(localStorage)[0]).title")
    assert draft == "沙溪镇新华路倒树压住电线"  # kept on the phone until the server takes the lead
    assert Lead.objects.count() == 1
