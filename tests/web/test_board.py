"""The board (/) and its polling endpoint (/board.json)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client

from dutyroom.common.clock import now as clock_now
from dutyroom.common.timefmt import iso_local
from dutyroom.incidents.models import Incident

pytestmark = pytest.mark.django_db

Login = Callable[[str], Client]
MakeIncident = Callable[..., Incident]


@pytest.mark.parametrize("path", ["/", "/incidents/new/", "/incidents/1/", "/incidents/1/report/", "/board/fragment/"])
def test_pages_redirect_to_login_when_signed_out(demo_city: None, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/login/?next={path}")


def test_board_json_answers_401_not_a_login_page_when_signed_out(demo_city: None) -> None:
    response = Client().get("/board.json")
    assert response.status_code == 401
    assert response.json()["error_zh"] == "登录已过期，请重新登录"


def test_login_page_is_chinese_and_signing_in_goes_to_the_board(demo_city: None) -> None:
    client = Client()
    page = client.get("/login/")
    assert "用户名" in page.content.decode() and "密码" in page.content.decode()
    response = client.post("/login/", {"username": "duty-officer", "password": "dutyroom-demo"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "值班看板" in client.get("/").content.decode()


def test_wrong_password_shows_a_chinese_error(demo_city: None) -> None:
    response = Client().post("/login/", {"username": "duty-officer", "password": "wrong-password"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_board_shows_a_countdown_with_data_due_for_a_pending_obligation(
    login: Login, make_incident: MakeIncident
) -> None:
    incident = make_incident(minutes_ago=10)
    first = incident.obligations.get(kind="first_report")
    html = login("duty-officer").get("/").content.decode()
    due_ms = int(first.due_at.timestamp() * 1000)
    assert f'data-due="{due_ms}"' in html
    assert incident.title in html
    # 45 min from occurrence, 10 min ago → about 35:00 left, rendered server-side before the script ticks.
    assert re.search(r'class="countdown"[^>]*>3[45]:\d\d<', html)


def test_overdue_clock_reads_overdue_on_the_board_before_the_worker_marks_it(
    login: Login, make_incident: MakeIncident
) -> None:
    make_incident(minutes_ago=50)
    html = login("duty-officer").get("/").content.decode()
    assert "已超时 +0" in html
    assert "state-overdue" in html


def test_unit_user_sees_only_their_incidents_and_a_report_button(login: Login, make_incident: MakeIncident) -> None:
    mine = make_incident("shaxi-reporter", title="沙溪镇仓库火灾")
    theirs = make_incident("liuhe-reporter", title="浏河镇储罐泄漏")
    html = login("shaxi-reporter").get("/").content.decode()
    assert mine.title in html
    assert theirs.title not in html
    assert "报告新事件" in html


def test_board_json_lists_obligations_with_evaluated_states(login: Login, make_incident: MakeIncident) -> None:
    now = clock_now()
    on_time = make_incident(title="按时首报", minutes_ago=5, written=True, now=now)
    overdue = make_incident(title="超时未报", minutes_ago=60, now=now)
    body = login("duty-officer").get("/board.json").json()
    by_title = {i["title"]: i for i in body["incidents"]}
    states = {o["kind"]: o["state"] for o in by_title[on_time.title]["obligations"]}
    assert states["first_report"] == "met"
    assert states["receipt"] == "pending"
    assert {o["kind"]: o["state"] for o in by_title[overdue.title]["obligations"]}["first_report"] == "overdue"
    # The most urgent incident (its clock ran out first) comes first.
    assert body["incidents"][0]["title"] == overdue.title
    assert body["counters"]["overdue"] == 1
    assert body["counters"]["pending"] >= 1
    # the duty room's own receipt is counted in its 待签收 panel, not among the units' clocks
    assert body["receipts"] == 1
    assert abs(body["now_ms"] - now.timestamp() * 1000) < 60_000
    first = by_title[overdue.title]["obligations"][0]
    assert first["due_at"] == iso_local(overdue.occurred_at + timedelta(minutes=45))
    assert first["state_label"] == "已超时"


def test_board_json_fingerprint_is_stable_and_changes_with_a_new_incident(
    login: Login, make_incident: MakeIncident
) -> None:
    make_incident(title="第一起")
    client = login("duty-officer")
    first = client.get("/board.json").json()["fingerprint"]
    assert client.get("/board.json").json()["fingerprint"] == first
    page = client.get("/").content.decode()
    assert f'data-fingerprint="{first}"' in page
    make_incident("liuhe-reporter", title="第二起")
    assert client.get("/board.json").json()["fingerprint"] != first
    fragment = client.get("/board/fragment/").content.decode()
    assert "第二起" in fragment and "<html" not in fragment


def test_late_reports_today_are_counted(login: Login, make_incident: MakeIncident) -> None:
    now = clock_now()
    incident = make_incident(minutes_ago=50, now=now - timedelta(minutes=1))
    from dutyroom.accounts.models import User
    from dutyroom.reports.services import ReportInput, report_submit

    report_submit(
        actor=User.objects.get(username="shaxi-reporter"),
        incident=incident,
        data=ReportInput(kind="written", summary="迟到的首报"),
        now=now,
    )
    body = login("duty-officer").get("/board.json").json()
    assert body["counters"]["late_today"] == 1
    html = login("duty-officer").get("/").content.decode()
    assert "迟报" in html


def test_unit_board_counts_and_sorts_by_the_units_own_clocks(login: Login, make_incident: MakeIncident) -> None:
    reported = make_incident(title="已书面首报", minutes_ago=5, written=True)  # duty room's receipt clock: 5 min
    due_soon = make_incident(title="首报未交", minutes_ago=30)  # shaxi's own first report: 15 min left
    body = login("shaxi-reporter").get("/board.json").json()
    assert [i["title"] for i in body["incidents"]] == [due_soon.title, reported.title]
    assert body["counters"] == {"pending": 2, "overdue": 0, "late_today": 0}  # follow-up + first report
    html = login("shaxi-reporter").get("/").content.decode()
    assert "等待值班室" in html
    duty = login("duty-officer").get("/board.json").json()
    # for the duty room both are new (newest on top) and its own receipt waits in the 待签收 panel
    assert [i["title"] for i in duty["incidents"]] == [due_soon.title, reported.title]
    assert duty["counters"]["pending"] == 2 and duty["receipts"] == 1


def test_verification_request_without_incident_shows_on_the_board(login: Login) -> None:
    from dutyroom.accounts.models import User
    from dutyroom.reports.services import VerificationInput, verification_request_create

    verification_request_create(
        actor=User.objects.get(username="duty-officer"),
        data=VerificationInput(unit="shaxi", authority="suzhou", question="核实网传沙溪镇火情"),
        now=clock_now(),
    )
    for username in ("duty-officer", "shaxi-reporter"):
        html = login(username).get("/").content.decode()
        assert "核实请求（未关联事件）" in html and "核报反馈" in html
    body = login("shaxi-reporter").get("/board.json").json()
    assert [o["kind"] for o in body["obligations"]] == ["verification_reply"]
    assert "核实请求（未关联事件）" not in login("liuhe-reporter").get("/").content.decode()


def test_an_unchanged_board_json_answers_304_and_a_change_or_another_viewer_does_not(
    login: Login, make_incident: MakeIncident
) -> None:
    """A poller's refresh when nothing changed is a 304 on the live version, not the whole board."""
    from dutyroom.web.views import live

    make_incident(title="第一起")
    officer = login("duty-officer")
    first = officer.get("/board.json")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and "第一起" in first.content.decode()
    unchanged = officer.get("/board.json", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    leader = login("duty-leader")
    assert leader.get("/board.json", headers={"If-None-Match": etag}).status_code == 200  # not their body
    make_incident("liuhe-reporter", title="第二起")
    live.heads(fresh=True)  # the process shares one version read per 100 ms; a test does not wait for it
    changed = officer.get("/board.json", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "第二起" in changed.content.decode()
    assert changed.headers["ETag"] != etag
