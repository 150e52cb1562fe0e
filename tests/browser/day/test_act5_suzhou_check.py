"""Act 5: Suzhou asks the city to check (核报) an incident; the duty room passes the question to the town, the
town answers within the time, and the answer is in the next 专报."""

from __future__ import annotations

import io
from collections.abc import Callable

import docx
import pytest
from playwright.sync_api import Page, expect

from dutyroom.incidents.models import Incident
from dutyroom.obligations.models import Obligation
from dutyroom.reports.models import VerificationRequest
from tests.browser.conftest import PHONE
from tests.browser.day.conftest import Step

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OpenPage = Callable[..., Page]
TITLE = "浏河镇长江口渔船碰撞"
ANSWER = "经核实：两船碰撞无人落水，1 艘渔船轻微进水已拖回港，无油污泄漏。"


def test_a_check_from_suzhou_is_answered_on_time_and_the_answer_is_in_the_special_report(
    person: OpenPage, step: Step, city_day: str
) -> None:
    town = person("liuhe-reporter", PHONE)
    town.goto("/incidents/new/")
    town.fill("#id_title", TITLE)
    town.select_option("#id_category", "accident")
    town.fill("#id_summary", "两艘渔船在长江口水域碰撞，海事已到场。")
    town.get_by_role("button", name="提交报告").click()
    town.wait_for_url("**/incidents/*/")
    incident = Incident.objects.get(title=TITLE)

    # 1. Suzhou phones the duty room asking for a check; the duty officer passes it to the town.
    duty = person("duty-officer")
    duty.goto("/verification-requests/new/")
    duty.select_option("#id_unit", "liuhe")
    duty.select_option("#id_authority", "suzhou")
    duty.select_option("#id_incident", str(incident.pk))
    duty.fill("#id_question", "苏州市值班室要求核报：是否有人员落水、是否有油污泄漏？")
    step(duty, "duty-passes-suzhou-check")
    duty.get_by_role("button", name="发出核实请求").click()
    duty.wait_for_url("**/verification-requests/**")
    request = VerificationRequest.objects.get()
    step(duty, "check-sent")

    # 2. The town sees the question and answers it before its due time.
    town.goto("/verification-requests/")
    expect(town.locator("main")).to_contain_text("是否有人员落水")
    step(town, "town-sees-check")
    town.goto(f"/verification-requests/{request.pk}/reply/")
    town.fill("#id_summary", ANSWER)
    step(town, "town-answers-check")
    town.get_by_role("button", name="提交反馈").click()
    town.wait_for_load_state()
    expect(town.locator("main")).to_contain_text(ANSWER)
    assert Obligation.objects.get(verification_request=request, kind="verification_reply").state == "met"  # on time
    step(town, "town-answered")

    # 3. The answer is in the 专报.
    duty.goto(f"/incidents/{incident.pk}/")
    with duty.expect_download() as word:
        duty.get_by_role("link", name="值班信息专报（Word）").click()
    document = docx.Document(io.BytesIO(word.value.path().read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "苏州市" in text and "核报" in text
    assert ANSWER in text
    step(duty, "special-report-with-answer")
