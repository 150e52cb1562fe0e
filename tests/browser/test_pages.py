"""Whole flows in real Chromium: live countdowns, a clock running out, the board refreshing, the phone form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.common.timefmt import LOCAL
from dutyroom.incidents.models import Incident
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.reports.services import ReportInput, report_submit
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OpenPage = Callable[..., Page]
Screenshot = Callable[[Page, str], None]


def incident_open(
    title: str,
    *,
    unit: str = "liuhe",
    occurred_ago: timedelta = timedelta(minutes=20),
    grade: str | None = "IV",
    written: bool = False,
    **extra: Any,
) -> Incident:
    now = clock_now()
    reporter = User.objects.get(username=f"{unit}-reporter")
    incident = incident_create(
        actor=reporter,
        now=now,
        data=IncidentInput(
            title=title,
            category="accident",
            subtype="hazardous_chemicals",
            grade=grade,
            occurred_at=now - occurred_ago,
            address="浏河镇新闸路",
            **extra,
        ),
    )
    if written:
        report_submit(
            actor=reporter,
            incident=incident,
            now=now,
            data=ReportInput(
                kind="written",
                summary=f"{title}，现场处置中。",
                casualties={"injuries": 3},
                signer="李四",
                contact_name="王五",
                contact_phone="13800000000",
                measures="已调派力量赶赴现场",
            ),
        )
    return incident


def test_board_countdown_ticks_and_new_incidents_appear_without_reload(
    open_page: OpenPage, screenshot: Screenshot
) -> None:
    incident = incident_open("浏河镇某化工企业储罐泄漏", may_escalate=True)
    incident_open("G15沈海高速太仓段多车追尾", unit="police", grade="III", written=True)
    page = open_page("duty-officer")
    page.evaluate("window.__sameDocument = true")
    first = incident.obligations.filter(due_at__gt=clock_now()).order_by("due_at").first()
    assert first is not None
    countdown = page.locator(f"#clock-{first.pk} .countdown")
    before = countdown.inner_text()
    expect(countdown).not_to_have_text(before, timeout=3000)  # ticks once a second in the page, no reload
    after = countdown.inner_text()
    assert after[:2].isdigit() and ":" in after
    screenshot(page, "board-desktop")

    incident_open("港区码头吊机倒塌", unit="port-zone", grade="II")
    expect(page.get_by_text("港区码头吊机倒塌")).to_be_visible(timeout=8000)
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"


def test_a_clock_turns_red_and_reads_overdue_without_reload(open_page: OpenPage) -> None:
    page = open_page("duty-officer")
    incident = incident_open("即将超时的事件", occurred_ago=timedelta(minutes=45) - timedelta(seconds=4))
    page.goto("/")
    page.evaluate("window.__sameDocument = true")
    first = incident.obligations.get(kind="first_report")
    clock = page.locator(f"#clock-{first.pk}")
    assert "已超时" not in clock.locator(".countdown").inner_text()
    expect(clock).to_have_attribute("data-state", "overdue", timeout=6000)
    expect(clock.locator(".countdown")).to_contain_text("已超时 +00:0")
    # retried: the next poll may swap the board in between finding the element and reading its style
    expect(clock.locator(".countdown")).to_have_css("color", "rgb(198, 40, 40)")
    # The counters come from the server: the next poll sees the state change and swaps the board in.
    expect(page.locator("[data-counter=overdue]")).to_have_text("1", timeout=8000)
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"


def test_unit_reporter_files_a_new_incident_on_a_phone(open_page: OpenPage, screenshot: Screenshot) -> None:
    incident_open("沙溪镇某厂房冒烟", unit="shaxi", written=True)
    incident_open("沙溪镇河道油污", unit="shaxi", occurred_ago=timedelta(minutes=30))
    page = open_page("shaxi-reporter", PHONE)
    expect(page.get_by_text("沙溪镇河道油污")).to_be_visible()
    screenshot(page, "board-phone")
    page.get_by_role("link", name="报告新事件").click()
    page.wait_for_url("**/incidents/new/")
    occurred = (clock_now() - timedelta(minutes=12)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")
    # First a mistake: no title. The page answers in Chinese next to the field and keeps what was typed.
    page.fill("#id_occurred_at", occurred)
    page.fill("#id_summary", "3 楼住户厨房起火，消防已到场扑救，无人员被困。")
    page.get_by_role("button", name="提交报告").click()
    expect(page.locator(".field-title .error")).to_have_text("不能为空")
    expect(page.locator("#id_summary")).to_have_value("3 楼住户厨房起火，消防已到场扑救，无人员被困。")
    screenshot(page, "incident-new-phone-errors")
    page.fill("#id_title", "沙溪镇某小区居民楼火灾")
    page.select_option("#id_category", "accident")
    page.select_option("#id_subtype", "fire")
    page.select_option("#id_grade", "IV")
    expect(page.locator("#id_occurred_at")).to_have_value(occurred)
    page.select_option("#id_area", "shaxi")
    page.fill("#id_address", "沙溪镇白云路 88 号")
    page.fill("#id_injuries", "1")
    page.fill("#id_measures", "疏散同楼居民 40 人")
    page.fill("#id_signer", "李四")
    page.fill("#id_contact_phone", "13800000000")
    screenshot(page, "incident-new-phone")
    page.get_by_role("button", name="提交报告").click()
    page.wait_for_url("**/incidents/*/")
    expect(page.locator("h1")).to_have_text("沙溪镇某小区居民楼火灾")
    expect(page.get_by_text("事件已报告")).to_be_visible()
    incident = Incident.objects.get(title="沙溪镇某小区居民楼火灾")
    assert incident.obligations.get(kind="first_report").state == "met"
    assert incident.reports.get().injuries == 1
    screenshot(page, "incident-phone")


def test_duty_officer_confirms_receipt_on_the_incident_page(open_page: OpenPage, screenshot: Screenshot) -> None:
    incident = incident_open("沙溪镇居民楼火灾", unit="shaxi", written=True, sensitive=True)
    page = open_page("duty-officer")
    page.goto(f"/incidents/{incident.pk}/")
    expect(page.get_by_text("未签收")).to_be_visible()
    screenshot(page, "incident-desktop")
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("button", name="签收").click()
    expect(page.locator(".receipt .state-met")).to_contain_text("已签收")
    expect(page.get_by_text("已签收：沙溪镇居民楼火灾")).to_be_visible()
    if page.evaluate("Boolean(window.htmx)"):  # with htmx on STATICFILES_DIRS the action swaps #main in place
        assert page.evaluate("window.__sameDocument") is True
    assert incident.reports.get().confirmed_at is not None
    page.goto("/incidents/new/")
    screenshot(page, "incident-new-desktop")
