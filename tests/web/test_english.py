"""The English translation: Chinese first, English when the user picks it with the header's language switch.

The switch posts to Django's ``set_language`` (/i18n/setlang/), which sets the language cookie that
``chinese_first`` honours. Data (titles, unit names, the grading basis the rules core writes) stays Chinese;
enum, role and subtype labels are English (``dutyroom.web.labels``).
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.common.timefmt import LOCAL
from dutyroom.incidents.models import Incident
from dutyroom.reports.services import ReportInput, report_submit
from tests.web.test_forms import new_incident
from tests.web.test_verification import ask

pytestmark = pytest.mark.django_db

Login = Callable[[str], Client]
MakeIncident = Callable[..., Incident]

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"


def choose(client: Client, language: str, next_url: str = "/") -> None:
    """What the header's button does."""
    response = client.post("/i18n/setlang/", {"language": language, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url


def english(client: Client, next_url: str = "/") -> Client:
    choose(client, "en", next_url)
    return client


def test_the_board_is_chinese_with_an_english_button(login: Login) -> None:
    html = login("duty-officer").get("/").content.decode()
    assert '<html lang="zh-CN">' in html
    assert "值班看板" in html and "Duty board" not in html
    assert 'action="/i18n/setlang/"' in html
    assert 'name="language" value="en"' in html and ">English</button>" in html
    assert '<input type="hidden" name="next" value="/">' in html


def test_switching_to_english_translates_the_board(login: Login, make_incident: MakeIncident) -> None:
    make_incident(title="沙溪镇居民楼火灾", written=True)
    client = english(login("duty-officer"))
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    for text in (
        "Duty board",
        "Report a new incident",
        "Pending",
        "Overdue",
        "Late today",
        "View details",
        "Log phone report",
        "Verification requests",
        "Sign out",
    ):
        assert text in html, text
    for text in ("值班看板", "报告新事件", "待完成", "今日迟报", "查看详情", "登记电话报告", "退出"):
        assert text not in html, text
    assert "沙溪镇居民楼火灾" in html  # data is never translated
    assert 'name="language" value="zh-hans"' in html and ">中文</button>" in html


def test_the_incident_page_in_english(login: Login, make_incident: MakeIncident) -> None:
    incident = make_incident(written=True)
    client = english(login("duty-officer"), f"/incidents/{incident.pk}/")
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    for text in (
        "Reporting deadlines",
        "Reports",
        "Time of occurrence",
        "Responsible unit",
        "Suggested grade",
        "Receipt not confirmed",
        "Confirm receipt",
        "Issue verification request",
        "Change grade / flags / time of occurrence",
        "Injured",
        "Signer",
    ):
        assert text in html, text
    for text in ("报告时限", "报告记录", "事发时间", "责任单位", "建议分级", "未签收", "发起核实请求", "签发人"):
        assert text not in html, text
    assert f'<input type="hidden" name="next" value="/incidents/{incident.pk}/">' in html


def test_english_board_labels_grades_clocks_and_subtypes_in_english(login: Login, make_incident: MakeIncident) -> None:
    make_incident(title="沙溪镇居民楼火灾", sensitive=True)  # phone and written report clocks running
    make_incident(title="浮桥镇仓库火灾", minutes_ago=90, written=True)  # first report late; receipt, follow-up
    client = english(login("duty-officer"))
    html = client.get("/").content.decode()
    for text in (
        "Grade IV (ordinary)",
        "First report",
        "Receipt",
        "Phone report",
        "Written report",
        "First report · Late",
        "Accident / Fire",
        "Sensitive",
        "Duty officer",
    ):
        assert text in html, text
    assert "Pending" in html and "Overdue" in html
    for text in (
        "Ⅳ级",
        "一般",
        "首报",
        "签收确认",
        "电话报告",
        "书面报告",
        "迟报",
        "事故灾难",
        "火灾／",
        "／火灾",
        "敏感",
    ):
        assert text not in html, text
    assert "沙溪镇居民楼火灾" in html and "浮桥镇仓库火灾" in html  # data is never translated
    fragment = client.get("/board/fragment/").content.decode()  # what the poller swaps in
    assert "Grade IV (ordinary)" in fragment and "一般" not in fragment


def _with_followup(make_incident: MakeIncident) -> Incident:
    """A written report without figures (so the grading basis is the rules core's English one) and a follow-up."""
    incident = make_incident()
    reporter = User.objects.get(username="shaxi-reporter")
    for kind in ("written", "followup"):
        report_submit(
            actor=reporter, incident=incident, data=ReportInput(kind=kind, summary="消防已到场"), now=clock_now()
        )
    return incident


def test_english_incident_page_labels(login: Login, make_incident: MakeIncident) -> None:
    incident = _with_followup(make_incident)
    client = english(login("duty-officer"), f"/incidents/{incident.pk}/")
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    for text in (
        "Grade IV (ordinary)",
        "Grade I (extraordinarily serious)",  # the grade correction form's options
        "Being handled",
        "Internal",
        "Accident / Fire",
        "Written report",
        "Follow-up 1",
        "First report",
        '<span class="chip state-met">Met</span>',
        "Platform",
        "No figures reported yet",
    ):
        assert text in html, text
    for text in ("一般", "首报", "续报", "书面报告", "按时", "平台", "处置中", "内部", "事故灾难", "尚无伤亡"):
        assert text not in html, text


def test_chinese_incident_page_keeps_chinese_labels(login: Login, make_incident: MakeIncident) -> None:
    incident = _with_followup(make_incident)
    html = login("duty-officer").get(f"/incidents/{incident.pk}/").content.decode()
    for text in (
        "Ⅳ级 一般",
        "续报一",
        "书面报告",
        "首报",
        "按时",
        "平台",
        "处置中",
        "内部",
        "事故灾难／火灾",
        "值班员",
    ):
        assert text in html, text
    for text in ("Grade IV", "Follow-up 1", "Written report", "Platform", "Being handled", "Accident / Fire"):
        assert text not in html, text


def test_english_report_and_verification_forms(login: Login, make_incident: MakeIncident) -> None:
    incident = make_incident(written=True)
    ask(incident=incident)
    client = english(login("duty-officer"))
    html = client.get(f"/incidents/{incident.pk}/report/?kind=phone").content.decode()
    for text in ("Follow-up", "Final report", "Written report", "Phone report", "E-mail", "WeChat"):
        assert text in html, text
    for text in ("终报", "电子邮件", "微信"):
        assert text not in html, text
    html = client.get("/verification-requests/").content.decode()
    assert "Verification requested by Suzhou City" in html and "苏州市" not in html
    assert "Verification reply" in html and "核报反馈" not in html
    html = client.get("/verification-requests/new/").content.decode()
    assert ">State Council</option>" in html and "国务院" not in html
    reporter = english(login("shaxi-reporter"))
    html = reporter.get("/verification-requests/").content.decode()
    assert "Reporter (unit)" in html


def test_the_new_incident_form_in_english(login: Login) -> None:
    client = english(login("shaxi-reporter"), "/incidents/new/")
    html = client.get("/incidents/new/").content.decode()
    for text in (
        "Report a new incident",
        "Incident title",
        "Category",
        "Grade",
        "Time of occurrence",
        "Public-opinion hotspot",
        "Classification",
        "First report",
        "Measures taken",
        "Submit report",
    ):
        assert text in html, text
    for text in ("事件标题", "事件类别", "事发时间", "舆论热点", "密级", "首报内容", "提交报告"):
        assert text not in html, text
    # category, subtype, grade and classification choices too; the subtype groups are labelled with the
    # category options' own text, which the page's script matches to show the chosen category's subtypes
    for text in (
        '<option value="accident" selected>Accident</option>',
        '<optgroup label="Accident">',
        ">Fire</option>",
    ):
        assert text in html, text
    for text in (">Grade IV (ordinary)</option>", "Work secret</label>", ">Online public-opinion incident</option>"):
        assert text in html, text
    for text in ("事故灾难", "火灾", "一般", "工作秘密", "网络舆情事件"):
        assert text not in html, text


def test_switching_back_gives_chinese(login: Login) -> None:
    client = english(login("shaxi-reporter"))
    assert "Our unit's incidents" in client.get("/").content.decode()
    choose(client, "zh-hans", "/incidents/new/")
    html = client.get("/incidents/new/").content.decode()
    assert "事件标题" in html and "Incident title" not in html
    assert '<html lang="zh-CN">' in html and ">English</button>" in html


def test_form_errors_are_english_on_english_pages(login: Login) -> None:
    client = english(login("shaxi-reporter"), "/incidents/new/")
    future = (clock_now() + timedelta(hours=2)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")
    html = client.post("/incidents/new/", new_incident(title="", occurred_at=future)).content.decode()
    assert "Please correct the fields marked in red and submit again." in html
    assert "is required" in html and "不能为空" not in html  # the services' English message
    assert "time cannot be in the future" in html and "时间不能晚于当前时间" not in html
    assert Incident.objects.count() == 0
    html = client.post("/incidents/new/", new_incident(injuries="x", occurred_at="yesterday")).content.decode()
    assert "Enter a whole number." in html  # Django's own message, in Django's English
    assert "Enter a valid date and time, e.g. 2024-05-01 10:30" in html  # ours
    # a page re-rendered after a POST carries no "next": set_language goes back to the Referer instead
    assert 'name="next"' not in html


def test_the_login_page_has_the_switch_too(demo_city: None) -> None:
    client = Client()
    assert ">English</button>" in client.get("/login/").content.decode()
    choose(client, "en", "/login/")
    html = client.get("/login/").content.decode()
    assert "Sign in" in html and "Username" in html and "Password" in html
    assert "登录" not in html and ">中文</button>" in html


def test_the_catalogue_is_complete_and_compiled() -> None:
    """Every msgid of django.po has an English text in django.mo (run compilemessages after editing the .po)."""
    po = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po
    msgids = len(re.findall(r'^msgid "', po, flags=re.M))  # the header's empty msgid included
    with (CATALOGUE / "django.mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    translated = {key if isinstance(key, str) else key[0] for key, text in catalogue.items() if text}
    assert len(translated) == msgids
