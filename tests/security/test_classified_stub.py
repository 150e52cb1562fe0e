"""秘密 and above never enters the system; a classified stub records that it happened, its grade, the unit and
when its reports arrived through the secure channel, and runs the same clocks as any incident."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.test_incidents import incident_body

pytestmark = pytest.mark.django_db


def stub(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "classified_stub": True,
        "category": "accident",
        "grade": "II",
        "unit": "shaxi",
        "title": "",
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=40)).isoformat(),
    }
    body.update(overrides)
    return body


def test_a_classified_stub_runs_the_clocks_from_the_secure_channel_delivery_time(api: Any) -> None:
    officer = api("duty-officer")
    delivered = (datetime.now(UTC) - timedelta(minutes=20)).replace(microsecond=0)
    created = officer.post("/incidents", stub(report={"kind": "written", "called_at": delivered.isoformat()}))
    assert created.status_code == 201, created.json_body
    incident = created.json_body
    assert incident["classified_stub"] and incident["classification"] == "work_secret"
    assert incident["title"] == "涉密事件（内容经保密渠道报送）"
    report = incident["reports"][0]
    assert report["summary"] == "" and report["unit"] == "shaxi"
    first = next(o for o in incident["obligations"] if o["kind"] == "written_report")  # grade II: 30 min
    assert first["state"] == "met" and datetime.fromisoformat(first["met_at"]) == delivered
    confirmed = officer.post(f"/reports/{report['id']}/receipt")
    assert confirmed.status_code == 200 and confirmed.json_body["confirmed_by"] == "duty-officer"
    later = officer.get(f"/incidents/{incident['id']}").json_body
    assert any(
        o["kind"] == "followup" and o["state"] == "pending" and o["unit"] == "shaxi" for o in later["obligations"]
    )  # the unit still owes its follow-ups, by the secure channel


def test_a_classified_stub_takes_no_content(api: Any) -> None:
    officer = api("duty-officer")
    named = officer.post("/incidents", stub(title="沙溪镇某单位爆炸"))
    assert named.status_code == 400 and named.json_body["errors"][0]["field"] == "classified_stub"
    assert "保密渠道" in named.json_body["errors"][0]["message_zh"]
    with_text = officer.post("/incidents", stub(report={"kind": "written", "summary": "详细情况……"}))
    assert with_text.status_code == 400 and with_text.json_body["errors"][0]["field"] == "report.summary"
    incident = officer.post("/incidents", stub()).json_body["id"]
    figures = officer.post(f"/incidents/{incident}/reports", {"kind": "followup", "casualties": {"deaths": 3}})
    assert figures.status_code == 400


def test_only_the_duty_room_records_stubs_and_their_reports(api: Any) -> None:
    reporter = api("shaxi-reporter")
    assert reporter.post("/incidents", stub(unit=None)).status_code == 403
    incident = api("duty-officer").post("/incidents", stub()).json_body["id"]
    assert reporter.post(f"/incidents/{incident}/reports", {"kind": "followup"}).status_code == 403


@pytest.mark.parametrize("level", ["secret", "confidential", "top_secret", "秘密", "机密", "绝密"])
def test_state_secrets_are_refused_with_the_secure_channel_named(api: Any, level: str) -> None:
    response = api("shaxi-reporter").post("/incidents", incident_body(classification=level))
    assert response.status_code == 400
    assert "保密渠道" in response.json_body["errors"][0]["message_zh"]
