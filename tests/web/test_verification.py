"""Verification request pages: /verification-requests/ (list), new/ (duty room) and <id>/reply/ (asked unit)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.common.timefmt import LOCAL
from dutyroom.incidents.models import Incident
from dutyroom.reports.models import Report, VerificationRequest
from dutyroom.reports.services import VerificationInput, verification_request_create

pytestmark = pytest.mark.django_db

Login = Callable[[str], Client]
MakeIncident = Callable[..., Incident]


def ask(
    unit: str = "shaxi", incident: Incident | None = None, question: str = "核实网传沙溪镇火情"
) -> VerificationRequest:
    return verification_request_create(
        actor=User.objects.get(username="duty-officer"),
        data=VerificationInput(unit=unit, authority="suzhou", question=question, incident=incident),
        now=clock_now(),
    )


def reply_data(**overrides: str) -> dict[str, str]:
    data = {"summary": "经核实，系居民烧秸秆，无火情", "channel": "platform", "signer": "李四"}
    data.update(contact_name="王五", contact_phone="13800000000", **overrides)
    return data


def test_duty_officer_asks_unit_replies_on_time_and_others_see_nothing(login: Login) -> None:
    duty = login("duty-officer")
    form = duty.get("/verification-requests/new/").content.decode()
    assert '<option value="suzhou">苏州市</option>' in form and 'type="datetime-local"' in form
    assert "30 分钟" in form
    response = duty.post(
        "/verification-requests/new/", {"unit": "shaxi", "authority": "suzhou", "question": "核实网传沙溪镇火情"}
    )
    assert response.status_code == 302 and response["Location"] == "/verification-requests/"
    request = VerificationRequest.objects.get()
    assert request.incident is None and request.unit.code == "shaxi"
    assert request.due_at - request.created_at == timedelta(minutes=30)  # the rulebook's default
    page = duty.get(response["Location"]).content.decode()
    assert "核实请求已发出" in page and "核实网传沙溪镇火情" in page and "苏州市要求核实" in page
    assert f'class="countdown" data-due="{int(request.due_at.timestamp() * 1000)}"' in page
    assert "发起核实请求" in page and "/reply/" not in page  # the duty room asks; it does not answer

    shaxi = login("shaxi-reporter")
    listed = shaxi.get("/verification-requests/").content.decode()
    assert "核实网传沙溪镇火情" in listed and f"/verification-requests/{request.pk}/reply/" in listed
    assert "发起核实请求" not in listed
    board = shaxi.get("/").content.decode()
    assert f'href="/verification-requests/{request.pk}/reply/"' in board  # 反馈 straight from the board
    reply_page = shaxi.get(f"/verification-requests/{request.pk}/reply/").content.decode()
    assert "核实网传沙溪镇火情" in reply_page and 'class="countdown"' in reply_page
    assert 'value="沙溪镇人民政府 信息员"' in reply_page  # contact prefilled from the user
    response = shaxi.post(f"/verification-requests/{request.pk}/reply/", reply_data())
    assert response.status_code == 302 and response["Location"].startswith("/verification-requests/")
    reply = Report.objects.get()
    assert reply.kind == "verification_reply" and reply.incident is None and reply.verification_request == request
    listed = shaxi.get(response["Location"]).content.decode()
    assert "核报反馈已提交" in listed and "按时" in listed and "经核实，系居民烧秸秆" in listed
    assert "未签收" in listed and f"/verification-requests/{request.pk}/reply/" not in listed
    assert "按时" in duty.get("/verification-requests/").content.decode()

    liuhe = login("liuhe-reporter")
    assert "核实网传沙溪镇火情" not in liuhe.get("/verification-requests/").content.decode()
    assert liuhe.get(f"/verification-requests/{request.pk}/reply/").status_code == 404
    assert liuhe.post(f"/verification-requests/{request.pk}/reply/", reply_data()).status_code == 404
    assert Report.objects.count() == 1


def test_empty_summary_shows_a_chinese_error_and_creates_nothing(login: Login) -> None:
    request = ask()
    response = login("shaxi-reporter").post(
        f"/verification-requests/{request.pk}/reply/", reply_data(summary="   ", signer="李四四")
    )
    html = response.content.decode()
    assert response.status_code == 200 and "不能为空" in html and "请修改标红的项目后再提交" in html
    assert 'value="李四四"' in html  # what was typed is kept
    assert not Report.objects.exists()
    assert request.obligations.get().state == "pending"


def test_unit_users_cannot_ask(login: Login) -> None:
    client = login("shaxi-reporter")
    response = client.get("/verification-requests/new/")
    assert response.status_code == 403 and "只有值班室可以发起核实请求" in response.content.decode()
    response = client.post("/verification-requests/new/", {"unit": "shaxi", "authority": "city", "question": "?"})
    assert response.status_code == 403 and not VerificationRequest.objects.exists()


def test_only_the_asked_unit_replies(login: Login) -> None:
    request = ask()
    response = login("duty-officer").get(f"/verification-requests/{request.pk}/reply/")
    assert response.status_code == 403 and "只有被核实单位可以反馈" in response.content.decode()
    assert login("shaxi-reporter").get("/verification-requests/999999/reply/").status_code == 404


def test_request_about_an_incident_reply_appears_among_its_reports(login: Login, make_incident: MakeIncident) -> None:
    incident = make_incident(written=True)
    duty = login("duty-officer")
    incident_page = duty.get(f"/incidents/{incident.pk}/").content.decode()
    assert f'href="/verification-requests/new/?incident={incident.pk}"' in incident_page
    form = duty.get(f"/verification-requests/new/?incident={incident.pk}").content.decode()
    assert f'<option value="{incident.pk}" selected>' in form and '<option value="shaxi" selected>' in form
    due = (clock_now() + timedelta(minutes=20)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")
    response = duty.post(
        f"/verification-requests/new/?incident={incident.pk}",
        {
            "unit": "shaxi",
            "authority": "jiangsu",
            "question": "核实伤亡人数",
            "incident": str(incident.pk),
            "due_at": due,
        },
    )
    assert response.status_code == 302
    request = VerificationRequest.objects.get()
    assert request.incident == incident and request.due_at.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M") == due
    listed = duty.get("/verification-requests/").content.decode()
    assert f'href="/incidents/{incident.pk}/"' in listed and incident.title in listed

    shaxi = login("shaxi-reporter")
    response = shaxi.post(f"/verification-requests/{request.pk}/reply/", reply_data(summary="核实：轻伤 2 人，无死亡"))
    reply = Report.objects.get(kind="verification_reply")
    assert response["Location"] == f"/incidents/{incident.pk}/#report-{reply.pk}"
    assert reply.incident == incident and reply.verification_request == request
    page = shaxi.get(response["Location"]).content.decode()
    assert "核报反馈" in page and "核实：轻伤 2 人，无死亡" in page and f'id="report-{reply.pk}"' in page
    assert request.obligations.get(kind="verification_reply").state == "met"


def test_empty_incident_reply_is_refused_too(login: Login, make_incident: MakeIncident) -> None:
    """report_submit does not require a summary; the page does, for replies about an incident as well."""
    request = ask(incident=make_incident())
    response = login("shaxi-reporter").post(f"/verification-requests/{request.pk}/reply/", reply_data(summary=""))
    assert response.status_code == 200 and "不能为空" in response.content.decode()
    assert not Report.objects.filter(kind="verification_reply").exists()


def test_new_form_keeps_input_and_shows_service_errors(login: Login) -> None:
    past = (clock_now() - timedelta(minutes=5)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")
    response = login("duty-officer").post(
        "/verification-requests/new/", {"unit": "liuhe", "authority": "city", "question": "", "due_at": past}
    )
    html = response.content.decode()
    assert response.status_code == 200 and not VerificationRequest.objects.exists()
    assert "不能为空" in html and "反馈时限必须晚于当前时间" in html
    assert '<option value="liuhe" selected>' in html and f'value="{past}"' in html
    errors = re.findall(r'class="field field-(\w+) has-error"', html)
    assert set(errors) == {"question", "due_at"}


def test_open_requests_come_first_and_bad_incident_ids_are_ignored(login: Login) -> None:
    answered = ask(question="已答复的请求")
    login("shaxi-reporter").post(f"/verification-requests/{answered.pk}/reply/", reply_data())
    ask(question="待答复的请求")
    html = login("duty-officer").get("/verification-requests/").content.decode()
    assert html.index("待答复的请求") < html.index("已答复的请求")
    assert login("duty-officer").get("/verification-requests/new/?incident=abc").status_code == 200
    for bad in ("99999", "²", "99999999999999999999999"):
        assert login("duty-officer").get(f"/verification-requests/new/?incident={bad}").status_code == 200


def test_pages_render_in_english_too(login: Login) -> None:
    request = ask()
    for username, url, heading, chinese in (
        ("duty-officer", "/verification-requests/", "Verification requests", "核实请求"),
        ("duty-officer", "/verification-requests/new/", "Issue verification request", "发起核实请求"),
        ("shaxi-reporter", f"/verification-requests/{request.pk}/reply/", "Submit reply", "提交反馈"),
    ):
        client = login(username)
        client.cookies["django_language"] = "en"
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert '<html lang="en">' in html, url
        assert heading in html, (url, heading)
        assert chinese not in html, (url, chinese)  # the page's own words are translated, not left in Chinese
