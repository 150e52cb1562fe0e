"""The report chain as EDXL-SitRep: Initial, Updates, Final, each naming the one before it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.django_db


def test_report_chain_maps_to_initial_update_final_with_preceding_reports(api):
    reporter = api("shaxi-reporter")
    occurred = (datetime.now(UTC) - timedelta(minutes=30)).isoformat()
    incident = reporter.post(
        "/incidents",
        {
            "title": "沙溪镇仓库火灾",
            "category": "accident",
            "grade": "IV",
            "occurred_at": occurred,
            "report": {"kind": "written", "summary": "起火", "signer": "李四"},
        },
    )
    incident_id = incident.json_body["id"]
    reporter.post(
        f"/incidents/{incident_id}/reports", {"kind": "followup", "summary": "扑灭", "casualties": {"injuries": 2}}
    )
    reporter.post(f"/incidents/{incident_id}/reports", {"kind": "final", "summary": "善后完毕"})
    body = api("duty-officer").get(f"/incidents/{incident_id}/sitrep").json_body
    chain = body["reports"]
    assert [r["reportVersion"] for r in chain] == ["Initial", "Update", "Final"]
    assert [r["reportNumber"] for r in chain] == [1, 2, 3]
    assert chain[0]["precedingMessageID"] is None
    assert chain[1]["precedingMessageID"] == chain[0]["messageID"]
    assert chain[2]["precedingMessageID"] == chain[1]["messageID"]
    assert {r["originatingMessageID"] for r in chain} == {chain[0]["messageID"]}
    assert chain[0]["authorizedBy"] == "李四" and chain[1]["followupNumber"] == 1
    assert chain[1]["casualtyAndIllnessSummary"]["injuries"] == 2
    assert body["incidentLifecyclePhase"] == "Closed"
    assert api("fuqiao-reporter").get(f"/incidents/{incident_id}/sitrep").status_code == 404


def test_sitrep_is_documented_in_the_openapi_schema(api):
    schema = api(None).get("/openapi.json").json_body
    assert "/api/v1/incidents/{incident_id}/sitrep" in schema["paths"]
    report = schema["components"]["schemas"]["SitRepReport"]
    assert report["properties"]["reportVersion"]["enum"] == ["Initial", "Update", "Final"]
    assert "precedingMessageID" in report["properties"]
