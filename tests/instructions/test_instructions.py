"""批示 and 督办: a leader's instruction goes to the named units with a feedback clock; feedback meets it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from dutyroom.alerts.models import AlertEvent
from dutyroom.notifications.models import OutboxEvent
from dutyroom.obligations.models import Obligation
from dutyroom.worker.loop import obligations_sweep

pytestmark = pytest.mark.django_db


def incident(api) -> int:
    occurred = (datetime.now(UTC) - timedelta(minutes=30)).isoformat()
    return (
        api("shaxi-reporter")
        .post(
            "/incidents",
            {
                "title": "沙溪镇化工厂爆炸",
                "category": "accident",
                "grade": "III",
                "occurred_at": occurred,
                "report": {"kind": "written", "summary": "储罐爆炸"},
            },
        )
        .json_body["id"]
    )


def instruct(api, incident_id: int, minutes: int = 120, units=("shaxi", "emergency")):
    due = (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()
    return api("duty-officer").post(
        f"/incidents/{incident_id}/instructions",
        {"leader": "王市长", "text": "全力搜救，查明原因，2小时内报告进展。", "units": list(units), "due_at": due},
    )


def test_instruction_gives_each_named_unit_a_feedback_clock_and_an_alert(api):
    incident_id = incident(api)
    response = instruct(api, incident_id)
    assert response.status_code == 201, response.json_body
    body = response.json_body
    assert body["leader"] == "王市长" and [t["unit"] for t in body["tasks"]] == ["shaxi", "emergency"]
    assert {t["state"] for t in body["tasks"]} == {"pending"}
    clocks = Obligation.objects.filter(incident_id=incident_id, kind="instruction_feedback")
    assert sorted(c.unit.code for c in clocks) == ["emergency", "shaxi"]
    assert OutboxEvent.objects.filter(topic="instruction.assigned", unit__code="emergency").exists()
    listed = api("duty-officer").get(f"/incidents/{incident_id}")
    assert "instruction_feedback" in {o["kind"] for o in listed.json_body["obligations"]}


def test_feedback_in_time_meets_the_clock_and_is_shown(api):
    incident_id = incident(api)
    task = instruct(api, incident_id).json_body["tasks"][0]
    answer = api("shaxi-reporter").post(f"/instruction-tasks/{task['id']}/feedback", {"text": "搜救完毕，原因调查中"})
    assert answer.status_code == 200, answer.json_body
    assert answer.json_body["state"] == "met" and answer.json_body["feedback"] == "搜救完毕，原因调查中"
    shown = api("duty-officer").get(f"/incidents/{incident_id}/instructions").json_body
    assert shown[0]["tasks"][0]["feedback_at"].endswith("+08:00")


def test_missing_feedback_turns_overdue_with_an_alert_and_late_feedback_counts_minutes(api):
    incident_id = incident(api)
    task = instruct(api, incident_id, minutes=10, units=("shaxi",)).json_body["tasks"][0]
    later = datetime.now(UTC) + timedelta(minutes=25)
    with time_machine.travel(later, tick=False):
        assert obligations_sweep(later) >= 1
        # 15 minutes late: the ladder's latest rung due (the escalation) speaks for the ones it passed over
        assert AlertEvent.objects.filter(obligation_id=task["obligation"], topic__in=("overdue", "escalation")).exists()
        answer = api("shaxi-reporter").post(f"/instruction-tasks/{task['id']}/feedback", {"text": "已落实"})
    assert answer.json_body["state"] == "late"
    assert 14 * 60 <= answer.json_body["late_by_seconds"] <= 16 * 60


def test_only_the_duty_room_records_and_only_the_tasked_unit_answers(api):
    incident_id = incident(api)
    assert instruct(api, incident_id).status_code == 201
    refused = api("shaxi-reporter").post(
        f"/incidents/{incident_id}/instructions",
        {
            "leader": "王市长",
            "text": "x",
            "units": ["shaxi"],
            "due_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        },
    )
    assert refused.status_code == 403
    task = api("duty-officer").get(f"/incidents/{incident_id}/instructions").json_body[0]["tasks"][1]  # emergency
    assert api("shaxi-reporter").post(f"/instruction-tasks/{task['id']}/feedback", {"text": "x"}).status_code == 403
    assert api("fuqiao-reporter").post(f"/instruction-tasks/{task['id']}/feedback", {"text": "x"}).status_code == 404


def test_bad_instructions_name_each_field(api):
    incident_id = incident(api)
    response = api("duty-officer").post(
        f"/incidents/{incident_id}/instructions",
        {
            "leader": "王市长",
            "text": "x",
            "units": ["nowhere"],
            "due_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "due_at" in str(response.json_body) and "units" in str(response.json_body)


def test_special_report_and_daily_report_include_instructions_and_feedback(api):
    from tests.documents.test_special_report import docx_text

    incident_id = incident(api)
    task = instruct(api, incident_id).json_body["tasks"][0]
    api("shaxi-reporter").post(f"/instruction-tasks/{task['id']}/feedback", {"text": "搜救完毕，原因调查中"})
    officer = api("duty-officer")
    special = docx_text(officer.get(f"/incidents/{incident_id}/document?format=docx").content)
    assert "领导批示及落实情况" in special and "王市长批示：全力搜救" in special
    assert "搜救完毕，原因调查中" in special and "应急管理局：尚未反馈" in special
    daily = officer.post("/daily-reports", {}).json_body
    text = docx_text(officer.get(f"/daily-reports/{daily['id']}/document?format=docx").content)
    assert "王市长批示：全力搜救" in text and "未反馈：市应急管理局" in text
