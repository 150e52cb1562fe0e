"""Handover in real Chromium: the duty officer signs out on /handover/, a second duty officer signs in,
acknowledges with one click, then opens /duty-log/ and adds an entry; screenshots of each page (one on a phone)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from dutyroom.accounts.services import user_add
from dutyroom.common.clock import now as clock_now
from dutyroom.handover.models import DutyLogEntry, Handover
from tests.browser.conftest import PHONE
from tests.browser.test_pages import incident_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OpenPage = Callable[..., Page]
Screenshot = Callable[[Page, str], None]


def test_sign_out_acknowledge_and_log_in_chromium(open_page: OpenPage, screenshot: Screenshot) -> None:
    from dutyroom.demo import demo_password

    incident_open("浏河镇化工厂泄漏")
    user_add(
        username="duty-officer-2",
        role="duty_officer",
        unit_code="duty-room",
        password=demo_password(),
        now=clock_now(),
        display_name="值班员乙",
    )
    outgoing = open_page("duty-officer")
    outgoing.click("nav >> text=交接班")
    outgoing.wait_for_url("**/handover/")
    expect(outgoing.locator("#open-items")).to_contain_text("浏河镇化工厂泄漏")
    outgoing.fill("#id_note", "浏河镇泄漏首报已到，续报待收")
    screenshot(outgoing, "handover-open-items")
    outgoing.click("#sign-form button[type=submit]")
    expect(outgoing.locator(".message-success")).to_be_visible()
    expect(outgoing.locator("#recent")).to_contain_text("待确认")
    handover = Handover.objects.get()

    incoming = open_page("duty-officer-2", PHONE)
    incoming.goto("/handover/")
    pending = incoming.locator(f"#awaiting-{handover.pk}")
    expect(pending).to_contain_text("浏河镇泄漏首报已到，续报待收")
    screenshot(incoming, "handover-pending-phone")
    pending.get_by_role("button", name="接班确认").click()
    expect(incoming.locator(".message-success")).to_contain_text("已确认接班")
    expect(incoming.locator(f"#handover-{handover.pk}")).to_contain_text("值班员乙")
    handover.refresh_from_db()
    assert handover.acknowledged_by is not None and handover.acknowledged_by.username == "duty-officer-2"

    incoming.goto("/duty-log/")
    incoming.fill("#id_text", "沙溪镇来电：厂房火灾已扑灭")
    incoming.select_option("select[name=kind]", "call")
    incoming.click("#log-form button[type=submit]")
    expect(incoming.locator(".log-entry")).to_contain_text("沙溪镇来电：厂房火灾已扑灭")
    expect(incoming.locator(".log-system").first).to_be_visible()  # the handover's own events beside it
    assert DutyLogEntry.objects.count() == 1
    screenshot(incoming, "duty-log-phone")
    outgoing.goto("/duty-log/")
    screenshot(outgoing, "duty-log")
