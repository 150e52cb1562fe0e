"""The duty leader signs (签发) an upward report from the board on a phone with one press; the panel shows how
long it has waited, and nothing on it runs off a 390 px screen."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from dutyroom.common.clock import now as clock_now
from dutyroom.interop.models import Forwarding
from tests.browser.conftest import PHONE
from tests.web.conftest import incident_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OpenPage = Callable[..., Page]
Screenshot = Callable[[Page, str], None]


def test_the_duty_leader_signs_an_upward_report_from_the_board_on_a_phone(
    open_page: OpenPage, screenshot: Screenshot
) -> None:
    incident = incident_make(written=True, grade="III", title="沙溪镇化工厂储罐起火")
    now = clock_now()
    forwarding = Forwarding.objects.create(
        target="suzhou", kind="incident", incident=incident, state="awaiting", next_attempt_at=now, created_at=now
    )
    leader = open_page("duty-leader", PHONE)
    panel = leader.locator("#forwardings")
    expect(panel).to_contain_text("待签发的上报")
    expect(panel).to_contain_text("沙溪镇化工厂储罐起火")
    expect(panel.locator(".elapsed")).to_contain_text("已等待")
    assert leader.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(leader, "board-signoff-phone")
    panel.locator("button", has_text="签发").click()
    expect(leader.locator(".message-success")).to_contain_text("已签发")
    expect(leader.locator("#forwardings")).to_have_count(0)
    forwarding.refresh_from_db()
    assert forwarding.state == "pending" and forwarding.signed_by is not None
