"""Act 1, the morning: at 07:30 yesterday's 值班日报 is there for the day officer, and the night officer hands over
with two incidents still open, which the day officer acknowledges."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from dutyroom.accounts.services import user_add
from dutyroom.common.clock import now as clock_now
from dutyroom.demo import demo_password
from dutyroom.documents.jobs import daily_report_job
from dutyroom.documents.layout import LOCAL
from dutyroom.handover.models import Handover
from tests.browser.conftest import PHONE
from tests.browser.day.conftest import Clock, Step

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OpenPage = Callable[..., Page]
OPEN_ITEMS = ["沙溪镇印溪河道油污", "浮桥镇七浦塘堤岸渗漏"]


def report_in_writing(page: Page, title: str) -> None:
    page.goto("/incidents/new/")
    page.fill("#id_title", title)
    page.select_option("#id_category", "accident")
    page.fill("#id_summary", f"{title}，已派员到场处置，无人员伤亡。")
    page.get_by_role("button", name="提交报告").click()
    page.wait_for_url("**/incidents/*/")


def test_at_half_past_seven_the_daily_report_is_there_and_the_night_shift_hands_over(
    person: OpenPage, step: Step, clock: Clock, city_day: str
) -> None:
    # The night: two towns report incidents that are still being handled at dawn.
    now = clock_now()
    dawn = datetime.combine(now.astimezone(LOCAL).date(), datetime.min.time(), tzinfo=LOCAL) + timedelta(hours=6)
    clock.advance(dawn - now)
    user_add(
        username="night-officer",
        role="duty_officer",
        unit_code="duty-room",
        password=demo_password(),
        now=clock_now(),
        display_name="夜班值班员",
    )
    report_in_writing(person("shaxi-reporter", PHONE), OPEN_ITEMS[0])
    report_in_writing(person("fuqiao-reporter", PHONE), OPEN_ITEMS[1])

    # 07:30: the worker's morning job writes yesterday's report; the duty room finds it on its page.
    clock.advance(timedelta(hours=1, minutes=31))
    daily_report_job(clock_now())
    day = person("duty-officer")
    day.get_by_role("link", name="值班日报").first.click()
    day.wait_for_url("**/daily-reports/")
    yesterday = clock_now().astimezone(LOCAL).date() - timedelta(days=1)
    expect(day.locator("main table")).to_contain_text(f"{yesterday.month}月{yesterday.day}日")  # as people write it
    expect(day.locator("main table").get_by_role("link", name="Word").first).to_be_visible()
    expect(day.locator("main table")).to_contain_text("07:31")
    step(day, "daily-report-ready")

    # The night officer signs the handover: the two open incidents are listed for the day officer.
    night = person("night-officer")
    night.goto("/handover/")
    for title in OPEN_ITEMS:
        expect(night.locator("#open-items")).to_contain_text(title)
    night.fill("#id_note", "沙溪镇油污续报待收；浮桥镇堤岸渗漏需跟进水务处置。")
    night.select_option("#id_incoming", "duty-officer")
    step(night, "night-officer-hands-over")
    night.locator("#sign-form").get_by_role("button", name="签字交班").click()
    expect(night.locator(".message-success")).to_be_visible()
    handover = Handover.objects.get()

    # The day officer acknowledges it.
    day.goto("/handover/")
    pending = day.locator(f"#awaiting-{handover.pk}")
    expect(pending).to_contain_text("沙溪镇油污续报待收")
    step(day, "day-officer-sees-handover")
    pending.get_by_role("button", name="接班确认").click()
    expect(day.locator(".message-success")).to_contain_text("已确认接班")
    expect(day.locator(f"#handover-{handover.pk}")).to_contain_text("值班员")
    handover.refresh_from_db()
    assert handover.acknowledged_by is not None and handover.acknowledged_by.username == "duty-officer"
    step(day, "handover-acknowledged")
