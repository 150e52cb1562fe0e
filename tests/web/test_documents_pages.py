"""Pages: the duty officer produces a 专报 and a daily report from the UI; units see neither button nor file."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dutyroom.common.clock import now as clock_now
from dutyroom.common.timefmt import LOCAL
from dutyroom.documents.models import DailyReport, SpecialReport
from tests.documents.test_special_report import docx_text, pdf_text
from tests.web.conftest import incident_make

pytestmark = pytest.mark.django_db


def test_incident_page_offers_the_special_report_and_cap_to_the_duty_room(login):
    incident = incident_make(written=True)
    officer = login("duty-officer")
    page = officer.get(f"/incidents/{incident.pk}/").content.decode()
    assert f"/incidents/{incident.pk}/special-report.docx" in page
    assert f"/incidents/{incident.pk}/special-report.pdf" in page
    assert f"/incidents/{incident.pk}/cap.xml" in page
    word = officer.get(f"/incidents/{incident.pk}/special-report.docx")
    assert word.status_code == 200 and "值班信息专报" in docx_text(word.content)
    pdf = officer.get(f"/incidents/{incident.pk}/special-report.pdf")
    assert incident.title in pdf_text(pdf.content)
    assert SpecialReport.objects.filter(incident=incident).count() == 1  # printing twice takes one number
    cap = officer.get(f"/incidents/{incident.pk}/cap.xml")
    assert cap.status_code == 200 and b"urn:oasis:names:tc:emergency:cap:1.2" in cap.content


def test_unit_sees_no_special_report_button_until_one_is_issued(login):
    incident = incident_make(written=True)
    reporter = login("shaxi-reporter")
    assert "special-report.docx" not in reporter.get(f"/incidents/{incident.pk}/").content.decode()
    assert reporter.get(f"/incidents/{incident.pk}/special-report.docx").status_code == 403
    login("duty-officer").get(f"/incidents/{incident.pk}/special-report.docx")
    assert reporter.get(f"/incidents/{incident.pk}/special-report.docx").status_code == 200
    assert login("fuqiao-reporter").get(f"/incidents/{incident.pk}/special-report.docx").status_code == 404


def test_duty_officer_generates_and_downloads_the_daily_report(login):
    incident_make(written=True)
    officer = login("duty-officer")
    assert "/daily-reports/" in officer.get("/").content.decode()
    response = officer.post("/daily-reports/new/", {}, follow=True)
    assert response.status_code == 200
    report = DailyReport.objects.get()
    page = response.content.decode()
    assert report.label in page and f"/daily-reports/{report.pk}.docx" in page
    assert "沙溪镇居民楼火灾" in docx_text(officer.get(f"/daily-reports/{report.pk}.docx").content)
    assert login("shaxi-reporter").get("/daily-reports/").status_code == 404


def test_incident_page_shows_the_upper_levels_receipt_and_the_backlog(login):
    from datetime import timedelta

    from dutyroom.common.clock import now as clock_now
    from dutyroom.interop.models import ForwardedReport, Forwarding

    incident = incident_make(written=True, grade="III")
    report = incident.reports.get()
    now = clock_now()
    Forwarding.objects.create(
        target="suzhou", kind="incident", incident=incident, state="delivered", next_attempt_at=now, created_at=now
    )
    Forwarding.objects.create(
        target="suzhou",
        kind="incident",
        incident=incident,
        attempts=3,
        next_attempt_at=now + timedelta(seconds=4),
        created_at=now,
    )
    ForwardedReport.objects.create(report=report, received_at=now, received_by="苏州市")
    page = login("duty-officer").get(f"/incidents/{incident.pk}/").content.decode()
    assert "上报情况" in page and "苏州市已于" in page and "1 项待上报" in page


def test_duty_officer_records_an_instruction_and_the_unit_answers_it_on_the_page(login):
    incident = incident_make(written=True)
    officer = login("duty-officer")
    assert "登记领导批示" in officer.get(f"/incidents/{incident.pk}/").content.decode()
    response = officer.post(
        f"/incidents/{incident.pk}/instructions/",
        {
            "leader": "王市长",
            "text": "全力处置",
            "units": ["shaxi"],  # a leader's deadline is within 90 days
            "due_at": (clock_now() + timedelta(days=2)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M"),
        },
        follow=True,
    )
    page = response.content.decode()
    assert "王市长" in page and "全力处置" in page and "待反馈" in page
    reporter = login("shaxi-reporter")
    task = incident.instructions.get().tasks.get()
    assert f"/instruction-tasks/{task.pk}/feedback/" in reporter.get(f"/incidents/{incident.pk}/").content.decode()
    page = reporter.post(
        f"/instruction-tasks/{task.pk}/feedback/", {"text": "已全力处置完毕"}, follow=True
    ).content.decode()
    assert "已全力处置完毕" in page
