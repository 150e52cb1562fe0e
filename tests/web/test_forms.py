"""The new-incident form (/incidents/new/) and the report form (/incidents/<id>/report/)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from dutyroom.common.clock import now as clock_now
from dutyroom.common.timefmt import LOCAL
from dutyroom.incidents.models import Incident
from dutyroom.reports.models import Report

pytestmark = pytest.mark.django_db

Login = Callable[[str], Client]
MakeIncident = Callable[..., Incident]


def local_input(minutes_ago: float) -> str:
    """What a datetime-local input sends, in Asia/Shanghai wall time."""
    return (clock_now() - timedelta(minutes=minutes_ago)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")


def new_incident(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "沙溪镇某小区居民楼火灾",
        "category": "accident",
        "subtype": "fire",
        "grade": "IV",
        "occurred_at": local_input(20),
        "learned_at": local_input(15),
        "area": "shaxi",
        "address": "沙溪镇白云路 88 号",
        "classification": "internal",
        "summary": "3 楼起火，消防已到场",
        "injuries": "2",
        "deaths": "",
        "direct_loss_cny": "",
        "measures": "疏散群众",
        "signer": "李四",
        "contact_name": "王五",
        "contact_phone": "13800000000",
    }
    data.update(overrides)
    return data


def test_new_incident_form_renders_subtypes_of_the_rulebook(login: Login) -> None:
    html = login("shaxi-reporter").get("/incidents/new/").content.decode()
    assert '<optgroup label="事故灾难">' in html
    assert '<option value="fire">火灾</option>' in html
    assert 'type="datetime-local"' in html
    assert 'name="unit"' not in html  # a unit reports for itself


def test_new_incident_creates_incident_written_report_and_met_first_report(login: Login) -> None:
    client = login("shaxi-reporter")
    response = client.post("/incidents/new/", new_incident())
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/incidents/{incident.pk}/"
    assert (
        incident.unit.code == "shaxi"
        and incident.area is not None
        and incident.area.code == "shaxi"
        and incident.subtype == "fire"
    )
    report = Report.objects.get(incident=incident)
    assert report.kind == "written" and report.injuries == 2 and report.has_figures
    assert report.signer == "李四" and report.contact_phone == "13800000000"
    first = incident.obligations.get(kind="first_report")
    assert first.state == "met" and first.met_by_id == report.pk
    # occurred_at was typed as Shanghai wall time.
    assert incident.occurred_at.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M") == new_incident()["occurred_at"]
    page = client.get(response["Location"]).content.decode()
    assert "事件已报告" in page and "按时" in page


def test_invalid_new_incident_shows_chinese_errors_keeps_input_and_creates_nothing(login: Login) -> None:
    future = (clock_now() + timedelta(hours=2)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")
    response = login("shaxi-reporter").post(
        "/incidents/new/", new_incident(title="", occurred_at=future, learned_at="")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "不能为空" in html  # title
    assert "时间不能晚于当前时间" in html  # occurred_at
    assert "请修改标红的项目" in html
    assert "3 楼起火，消防已到场" in html  # what the user typed is kept
    assert f'value="{future}"' in html
    assert Incident.objects.count() == 0 and Report.objects.count() == 0


def test_unparseable_figures_and_times_are_field_errors_not_500(login: Login) -> None:
    response = login("shaxi-reporter").post(
        "/incidents/new/", new_incident(occurred_at="昨天", injuries="-1", direct_loss_cny="abc")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "请输入有效的日期和时间" in html
    assert "确保该值大于或等于0" in html
    assert Incident.objects.count() == 0


def test_subtype_must_belong_to_the_category(login: Login) -> None:
    response = login("shaxi-reporter").post("/incidents/new/", new_incident(category="natural", subtype="fire"))
    assert "所选事件类型不属于该事件类别" in response.content.decode()
    assert Incident.objects.count() == 0


def test_state_secret_classification_is_refused(login: Login) -> None:
    response = login("shaxi-reporter").post("/incidents/new/", new_incident(classification="secret"))
    assert response.status_code == 200
    assert Incident.objects.count() == 0


def test_a_failing_first_report_rolls_the_incident_back(login: Login) -> None:
    response = login("shaxi-reporter").post("/incidents/new/", new_incident(contact_phone="1" * 60))
    assert response.status_code == 200
    assert "不能超过 40 个字符" in response.content.decode()
    assert Incident.objects.count() == 0


def test_duty_room_chooses_the_responsible_unit(login: Login) -> None:
    client = login("duty-officer")
    assert 'name="unit"' in client.get("/incidents/new/").content.decode()
    response = client.post("/incidents/new/", new_incident(unit="liuhe"))
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.unit.code == "liuhe"
    assert Report.objects.get().unit.code == "liuhe"


def test_informant_cannot_open_the_form(login: Login) -> None:
    response = login("grid-shaxi").get("/incidents/new/")
    assert response.status_code == 403
    assert "网格员请提交线索" in response.content.decode()


def test_followups_are_numbered(login: Login, make_incident: MakeIncident) -> None:
    incident = make_incident(written=True)
    client = login("shaxi-reporter")
    form = client.get(f"/incidents/{incident.pk}/report/").content.decode()
    assert 'value="followup" ' in form and "checked" in form
    for text in ("伤员已送医", "火势已控制"):
        response = client.post(
            f"/incidents/{incident.pk}/report/",
            {"kind": "followup", "channel": "platform", "summary": text, "injuries": "3"},
        )
        assert response.status_code == 302
    numbers = list(incident.reports.filter(kind="followup").values_list("number", flat=True))
    assert numbers == [1, 2]
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "续报一" in html and "续报二" in html


def test_unit_user_cannot_log_a_phone_report(login: Login, make_incident: MakeIncident) -> None:
    incident = make_incident()
    response = login("shaxi-reporter").post(f"/incidents/{incident.pk}/report/", {"kind": "phone"})
    assert response.status_code == 200
    assert "phone 不是可用的选项" in response.content.decode() or "选择一个有效的选项" in response.content.decode()
    assert incident.reports.count() == 0


def test_duty_room_logs_a_phone_report_with_the_call_time(login: Login, make_incident: MakeIncident) -> None:
    incident = make_incident(minutes_ago=30)
    response = login("duty-officer").post(
        f"/incidents/{incident.pk}/report/",
        {
            "kind": "phone",
            "unit": "shaxi",
            "called_at": local_input(3),
            "contact_name": "张三",
            "contact_phone": "0512-53500000",
            "summary": "电话报告火情",
        },
    )
    assert response.status_code == 302
    report = incident.reports.get()
    assert report.kind == "phone" and report.channel == "phone" and report.called_at is not None
    assert incident.obligations.get(kind="first_report").state == "met"


def test_phone_report_too_far_back_is_a_field_error(login: Login, make_incident: MakeIncident) -> None:
    incident = make_incident(minutes_ago=30)
    response = login("duty-officer").post(
        f"/incidents/{incident.pk}/report/", {"kind": "phone", "unit": "shaxi", "called_at": local_input(300)}
    )
    assert response.status_code == 200
    assert "来电时间最多只能补记 2 小时以内" in response.content.decode()
    assert incident.reports.count() == 0


def test_final_report_closes_the_incident(login: Login, make_incident: MakeIncident) -> None:
    incident = make_incident(written=True)
    response = login("shaxi-reporter").post(
        f"/incidents/{incident.pk}/report/", {"kind": "final", "channel": "platform", "summary": "处置完毕"}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.state == "closed"


def test_errors_stay_chinese_for_an_english_browser(login: Login) -> None:
    client = login("shaxi-reporter")
    english = {"accept-language": "en-US,en;q=0.9"}
    service = client.post("/incidents/new/", new_incident(title=""), headers=english).content.decode()
    assert "不能为空" in service and "is required" not in service
    django = client.post("/incidents/new/", new_incident(injuries="x"), headers=english).content.decode()
    assert "输入整数" in django and "Enter a whole number" not in django
