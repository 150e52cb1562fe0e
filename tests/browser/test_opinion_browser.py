"""The duty officer watches public opinion: a burst raises a warning, which is turned into a verification
lead; the stage report draws its trend with ECharts and downloads as a Word document."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import docx
import pytest
from playwright.sync_api import Page, expect

from dutyroom.leads.early_warnings import warnings_raise
from dutyroom.leads.models import EarlyWarning, Lead
from dutyroom.leads.services import LeadInput, LeadOrigin, lead_submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OpenPage = Callable[..., Page]
Screenshot = Callable[[Page, str], None]


def test_a_burst_warns_the_duty_room_which_sends_it_to_verification_and_downloads_the_stage_report(
    open_page: OpenPage, screenshot: Screenshot
) -> None:
    now = datetime.now(UTC)
    for hours in range(2, 30, 3):
        lead_submit(
            data=LeadInput(channel="media", title="沙溪镇举办龙舟赛"),
            origin=LeadOrigin(source="test"),
            now=now - timedelta(hours=hours),
        )
    for n in range(1, 8):
        lead_submit(
            data=LeadInput(channel="internet", title=f"网传浏河镇化工厂冒出浓烟，居民闻到异味（{n}）"),
            origin=LeadOrigin(source="test"),
            now=now - timedelta(minutes=n),
        )
    warnings_raise(now)
    warning = EarlyWarning.objects.get()  # one story, one warning: its words burst together
    assert "化工厂" in [warning.topic, *warning.related]

    duty = open_page("duty-officer")
    duty.goto("/leads/")
    duty.click('a[href="/leads/opinion/"]')
    card = duty.locator(f'[data-warning="{warning.pk}"]')
    expect(card).to_contain_text("化工厂")
    expect(card).to_contain_text("同时突增")
    expect(card).to_contain_text("7 条")
    screenshot(duty, "opinion-desk-warning")
    card.locator('button[value="verify"]').click()
    expect(duty.locator(".message-success")).to_contain_text("已转为核实线索")
    warning.refresh_from_db()
    assert warning.state == "verifying" and warning.lead is not None
    lead = Lead.objects.get(pk=warning.lead_id)
    assert sorted(v.unit.code for v in lead.verifiers.all()) == ["police", "propaganda"]

    duty.click('a[href="/leads/opinion/report/"]')
    duty.click("form.period-form button[type=submit]")
    chart = duty.locator("#trend-chart")
    expect(chart).to_have_attribute("data-drawn", "true")
    expect(chart.locator("svg")).to_be_visible()
    expect(duty.locator(".hot-words")).to_contain_text("化工厂")
    expect(duty.locator("#report-warnings")).to_contain_text("化工厂")
    screenshot(duty, "opinion-stage-report")
    with duty.expect_download() as download_info:
        duty.click("#download-docx")
    path = download_info.value.path()
    document = docx.Document(io.BytesIO(path.read_bytes()))
    assert "阶段性舆情报告" in document.paragraphs[0].text
    assert "化工厂" in {c.text for t in document.tables for r in t.rows for c in r.cells}
