"""值班日报: generated on demand and by the worker each morning, kept, listed and downloadable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dutyroom.documents.jobs import daily_report_job
from dutyroom.documents.models import DailyReport
from tests.documents.test_special_report import docx_text, pdf_text

pytestmark = pytest.mark.django_db
LOCAL = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _after_one_in_the_morning(time_machine) -> None:
    """The day's work below happened 50 minutes ago: run between 00:00 and 00:50 Beijing time, it fell on
    yesterday and was missing from today's report. Before 01:00 the clock moves on to 01:00 (forward only, so
    tokens and sessions made just before stay valid)."""
    now = datetime.now(LOCAL)
    one = now.replace(hour=1, minute=0, second=0, microsecond=0)
    if now < one:
        time_machine.move_to(one, tick=True)


def a_day_with_work(api) -> tuple[int, int]:
    occurred = (datetime.now(UTC) - timedelta(minutes=50)).isoformat()
    reporter = api("shaxi-reporter")
    late = reporter.post(
        "/incidents",
        {
            "title": "沙溪镇厂房火灾",
            "category": "accident",
            "grade": "IV",
            "occurred_at": occurred,
            "report": {"kind": "written", "summary": "起火"},
        },
    ).json_body["id"]
    secret = reporter.post(
        "/incidents",
        {
            "title": "不应出现在日报里的标题",
            "category": "social_security",
            "occurred_at": occurred,
            "classification": "work_secret",
        },
    ).json_body["id"]
    api("duty-officer").post(
        "/verification-requests",
        {"unit": "shaxi", "authority": "suzhou", "question": "请核实起火原因", "incident": late},
    )
    return late, secret


def test_duty_officer_generates_todays_report_and_it_lists_incidents_clocks_and_requests(api):
    a_day_with_work(api)
    officer = api("duty-officer")
    made = officer.post("/daily-reports", {})
    assert made.status_code == 201, made.json_body
    today = datetime.now(LOCAL).date()
    assert made.json_body["day"] == today.isoformat() and made.json_body["number"].endswith("第1期")
    listed = officer.get("/daily-reports").json_body
    assert [r["id"] for r in listed] == [made.json_body["id"]]
    word = officer.get(f"/daily-reports/{made.json_body['id']}/document?format=docx")
    text = docx_text(word.content)
    for phrase in (
        "值班日报",
        "沙溪镇厂房火灾",
        "迟报5分钟",
        "核报情况",
        "请核实起火原因",
        "签收情况",
        "交接班",
        "［工作秘密］",
    ):
        assert phrase in text, phrase
    assert "不应出现在日报里的标题" not in text
    pdf = officer.get(f"/daily-reports/{made.json_body['id']}/document?format=pdf")
    assert "沙溪镇厂房火灾" in pdf_text(pdf.content)


def test_regenerating_a_day_keeps_its_number_and_counts_the_revision(api):
    officer = api("duty-officer")
    first = officer.post("/daily-reports", {}).json_body
    again = officer.post("/daily-reports", {}).json_body
    assert again["id"] == first["id"] and again["number"] == first["number"] and again["revision"] == 2


def test_units_cannot_read_or_make_daily_reports(api):
    assert api("shaxi-reporter").get("/daily-reports").status_code == 404
    assert api("shaxi-reporter").post("/daily-reports", {}).status_code == 404


def test_the_worker_writes_yesterdays_report_once_after_the_configured_time(city, settings):
    settings.DUTYROOM_DAILY_REPORT_AT = "07:30"
    before = datetime(2026, 3, 2, 7, 29, tzinfo=LOCAL)
    assert daily_report_job(before) == datetime(2026, 3, 2, 7, 30, tzinfo=LOCAL)
    assert not DailyReport.objects.exists()
    after = datetime(2026, 3, 2, 7, 31, tzinfo=LOCAL)
    assert daily_report_job(after) == datetime(2026, 3, 3, 7, 30, tzinfo=LOCAL)
    assert daily_report_job(after + timedelta(minutes=5)) is not None
    report = DailyReport.objects.get()
    assert report.day.isoformat() == "2026-03-01" and report.generated_by is None and report.revision == 1
