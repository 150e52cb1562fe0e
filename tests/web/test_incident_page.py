"""The incident page and its actions: 签收, 豁免, 修改分级/标记, 标记处置结束."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client

from dutyroom.common.timefmt import LOCAL
from dutyroom.incidents.models import Incident
from dutyroom.obligations.models import Obligation
from dutyroom.reports.models import Report

pytestmark = pytest.mark.django_db

Login = Callable[[str], Client]
MakeIncident = Callable[..., Incident]


def test_incident_page_shows_header_clocks_and_reports(login: Login, make_incident: MakeIncident) -> None:
    incident = make_incident(minutes_ago=10, written=True, address="沙溪镇白云路 88 号")
    html = login("duty-officer").get(f"/incidents/{incident.pk}/").content.decode()
    for text in (
        incident.title,
        "事故灾难",
        "火灾",
        "Ⅳ级 一般",
        "沙溪镇白云路 88 号",
        "书面报告",
        "签收",
        "未签收",
        "建议分级",
        "李四",
    ):
        assert text in html, text
    local = incident.occurred_at.astimezone(LOCAL)
    assert f"{local.month}月{local.day}日 {local:%H:%M}" in html  # a person's date, not a machine stamp
    receipt = incident.obligations.get(kind="receipt")
    assert f'data-due="{int(receipt.due_at.timestamp() * 1000)}"' in html


def test_unit_user_gets_404_for_another_units_incident(login: Login, make_incident: MakeIncident) -> None:
    other = make_incident("liuhe-reporter", title="浏河镇储罐泄漏")
    response = login("shaxi-reporter").get(f"/incidents/{other.pk}/")
    assert response.status_code == 404
    assert "不存在或无权查看" in response.content.decode()
    assert other.title not in response.content.decode()


def test_missing_incident_is_the_same_404(login: Login) -> None:
    response = login("shaxi-reporter").get("/incidents/999999/")
    assert response.status_code == 404
    assert "不存在或无权查看" in response.content.decode()


def test_unit_user_cannot_act_on_another_units_report(login: Login, make_incident: MakeIncident) -> None:
    other = make_incident("liuhe-reporter", written=True)
    report = other.reports.get()
    assert login("shaxi-reporter").post(f"/reports/{report.pk}/receipt/").status_code == 404
    assert login("shaxi-reporter").post(f"/incidents/{other.pk}/handled/").status_code == 404


def test_duty_officer_confirms_receipt(login: Login, make_incident: MakeIncident) -> None:
    incident = make_incident(written=True)
    report = incident.reports.get()
    client = login("duty-officer")
    response = client.post(f"/reports/{report.pk}/receipt/", follow=True)
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.confirmed_at is not None and report.confirmed_by is not None
    assert report.confirmed_by.username == "duty-officer"
    assert incident.obligations.get(kind="receipt").state == "met"
    assert "已签收" in response.content.decode()
    again = client.post(f"/reports/{report.pk}/receipt/", follow=True)
    assert "该报告已签收" in again.content.decode()


def test_unit_user_sees_no_receipt_button_and_cannot_confirm(login: Login, make_incident: MakeIncident) -> None:
    incident = make_incident(written=True)
    client = login("shaxi-reporter")
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "/receipt/" not in html
    report = incident.reports.get()
    response = client.post(f"/reports/{report.pk}/receipt/", follow=True)
    assert "值班室可以签收" in response.content.decode()  # only the duty room the report went to
    report.refresh_from_db()
    assert report.confirmed_at is None


def test_waive_requires_a_reason(login: Login, make_incident: MakeIncident) -> None:
    incident = make_incident()
    first = incident.obligations.get(kind="first_report")
    client = login("duty-officer")
    response = client.post(f"/obligations/{first.pk}/waive/", {f"waive-{first.pk}-reason": "  "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "不能为空" in html
    first.refresh_from_db()
    assert first.state == "pending"
    response = client.post(
        f"/obligations/{first.pk}/waive/", {f"waive-{first.pk}-reason": "系统测试，非真实事件"}, follow=True
    )
    first.refresh_from_db()
    assert first.state == "waived" and first.waived_reason == "系统测试，非真实事件"
    assert "已豁免" in response.content.decode()


def test_unit_user_cannot_waive(login: Login, make_incident: MakeIncident) -> None:
    incident = make_incident()
    first = incident.obligations.get(kind="first_report")
    response = login("shaxi-reporter").post(
        f"/obligations/{first.pk}/waive/", {f"waive-{first.pk}-reason": "x"}, follow=True
    )
    assert "只有值班室可以豁免时限" in response.content.decode()
    first.refresh_from_db()
    assert first.state == "pending"


def _edit(incident: Incident, **overrides: str) -> dict[str, str]:
    data = {
        "edit-grade": incident.grade or "",
        "edit-occurred_at": incident.occurred_at.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M"),
        "edit-reason": "",
    }
    data.update({f"edit-{k}": v for k, v in overrides.items()})
    return data


def test_duty_officer_raises_the_grade_and_new_clocks_start(login: Login, make_incident: MakeIncident) -> None:
    incident = make_incident(grade="IV")
    client = login("duty-officer")
    response = client.post(f"/incidents/{incident.pk}/edit/", _edit(incident, grade="II", sensitive="on"), follow=True)
    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.grade == "II" and incident.sensitive
    kinds = set(Obligation.objects.filter(incident=incident).values_list("kind", flat=True))
    assert {"phone_report", "written_report"} <= kinds
    assert "已保存修改" in response.content.decode()


def test_correcting_occurred_at_needs_a_reason(login: Login, make_incident: MakeIncident) -> None:
    incident = make_incident(minutes_ago=10)
    earlier = (incident.occurred_at - timedelta(minutes=30)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")
    client = login("duty-officer")
    response = client.post(f"/incidents/{incident.pk}/edit/", _edit(incident, occurred_at=earlier))
    assert response.status_code == 200
    assert "更正事发时间必须填写原因" in response.content.decode()
    original = incident.occurred_at
    incident.refresh_from_db()
    assert incident.occurred_at == original
    client.post(f"/incidents/{incident.pk}/edit/", _edit(incident, occurred_at=earlier, reason="核实监控录像"))
    incident.refresh_from_db()
    assert incident.occurred_at.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M") == earlier
    first = incident.obligations.get(kind="first_report")
    assert first.due_at == incident.occurred_at + timedelta(minutes=45)


def test_future_occurred_at_correction_shows_the_service_error(login: Login, make_incident: MakeIncident) -> None:
    incident = make_incident()
    future = (incident.occurred_at + timedelta(days=1)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")
    response = login("duty-officer").post(
        f"/incidents/{incident.pk}/edit/", _edit(incident, occurred_at=future, reason="更正")
    )
    assert response.status_code == 200
    assert "时间不能晚于当前时间" in response.content.decode()


def test_unit_marks_its_incident_handled_and_the_final_clock_starts(login: Login, make_incident: MakeIncident) -> None:
    incident = make_incident(written=True)
    client = login("shaxi-reporter")
    assert "标记处置结束" in client.get(f"/incidents/{incident.pk}/").content.decode()
    response = client.post(f"/incidents/{incident.pk}/handled/", follow=True)
    incident.refresh_from_db()
    assert incident.state == "handled"
    assert incident.obligations.filter(kind="final_report", state="pending").exists()
    assert "终报时限开始计时" in response.content.decode()
    again = client.post(f"/incidents/{incident.pk}/handled/", follow=True)
    assert "事件已标记处置结束" in again.content.decode()


def test_get_on_an_action_is_not_allowed(login: Login, make_incident: MakeIncident) -> None:
    incident = make_incident(written=True)
    report = Report.objects.get(incident=incident)
    assert login("duty-officer").get(f"/reports/{report.pk}/receipt/").status_code == 405
