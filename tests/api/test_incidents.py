"""API v1: incidents and their clocks, as a client sees them (docs/api.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dutyroom.incidents.models import Incident
from dutyroom.reports.models import Report

pytestmark = pytest.mark.django_db


def ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


def incident_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "title": "沙溪镇厂房火灾",
        "category": "accident",
        "subtype": "fire",
        "grade": "IV",
        "occurred_at": ago(10),
        "location": {"area": "shaxi", "address": "沙溪镇白云路1号"},
    }
    body.update(overrides)
    return body


def written(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "kind": "written",
        "summary": "厂房起火，已扑灭",
        "signer": "李四",
        "contact_name": "王五",
        "contact_phone": "13800000000",
    }
    body.update(overrides)
    return body


def obligations_by_kind(body: dict) -> dict[str, dict]:
    return {o["kind"]: o for o in body["obligations"]}


def test_first_report_in_one_step_meets_the_45_minute_clock_and_opens_a_receipt_clock(api):
    response = api("shaxi-reporter").post("/incidents", incident_body(report=written()))
    assert response.status_code == 201, response.json_body
    body = response.json_body
    clocks = obligations_by_kind(body)
    assert clocks["first_report"]["state"] == "met"
    assert clocks["first_report"]["late_by_seconds"] == 0
    assert clocks["receipt"]["state"] == "pending"
    assert clocks["receipt"]["unit"] == "duty-room"
    assert clocks["first_report"]["rule"].startswith("taicang-2017@2/")
    assert body["unit"] == "shaxi" and body["rulebook"] == "taicang-2017@2"
    assert body["occurred_at"].endswith("+08:00")
    assert body["reports"][0]["received_at"].endswith("+08:00")
    assert body["grade_basis"]


def test_report_filed_after_the_deadline_is_late_by_the_computed_seconds(api):
    response = api("shaxi-reporter").post("/incidents", incident_body(occurred_at=ago(50), report=written()))
    first = obligations_by_kind(response.json_body)["first_report"]
    assert first["state"] == "late"
    assert 290 <= first["late_by_seconds"] <= 310


def test_incident_without_report_shows_a_pending_clock_due_45_minutes_after_occurrence(api):
    occurred = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    response = api("shaxi-reporter").post("/incidents", incident_body(occurred_at=occurred.isoformat()))
    first = obligations_by_kind(response.json_body)["first_report"]
    assert first["state"] == "pending"
    assert datetime.fromisoformat(first["due_at"]) == occurred + timedelta(minutes=45)


def test_major_incident_gets_15_minute_phone_and_30_minute_written_clocks(api):
    response = api("shaxi-reporter").post("/incidents", incident_body(grade="II"))
    clocks = obligations_by_kind(response.json_body)
    assert set(clocks) == {"phone_report", "written_report"}
    occurred = datetime.fromisoformat(response.json_body["occurred_at"])
    assert datetime.fromisoformat(clocks["phone_report"]["due_at"]) - occurred == timedelta(minutes=15)
    assert datetime.fromisoformat(clocks["written_report"]["due_at"]) - occurred == timedelta(minutes=30)


def test_naive_time_is_a_400_naming_the_field(api):
    response = api("shaxi-reporter").post("/incidents", incident_body(occurred_at="2026-11-28T09:00:00"))
    assert response.status_code == 400
    fields = {e["field"]: e for e in response.json_body["errors"]}
    assert "occurred_at" in fields
    assert "时区" in fields["occurred_at"]["message"]


def test_every_bad_field_is_named_at_once_and_nothing_is_created(api):
    response = api("shaxi-reporter").post(
        "/incidents",
        incident_body(category="weather", grade="V", report=written(casualties={"deaths": -1}), received_at=ago(0)),
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json_body["errors"]}
    assert {"category", "grade", "report.casualties.deaths", "received_at"} <= fields
    assert Incident.objects.count() == 0


def test_state_secret_classification_is_refused(api):
    response = api("shaxi-reporter").post("/incidents", incident_body(classification="secret"))
    assert response.status_code == 400
    assert response.json_body["errors"][0]["field"] == "classification"
    assert Incident.objects.count() == 0


def test_future_occurrence_time_is_refused(api):
    response = api("shaxi-reporter").post("/incidents", incident_body(occurred_at=ago(-60)))
    assert response.status_code == 400
    assert response.json_body["errors"][0]["field"] == "occurred_at"


def test_english_messages_on_request(api):
    response = api("shaxi-reporter").post(
        "/incidents", incident_body(occurred_at="yesterday"), headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert "ISO 8601" in response.json_body["errors"][0]["message"]


def test_missing_or_bad_token_is_401(api):
    assert api(None).get("/incidents").status_code == 401
    client = api(None)
    client.token = "dr_not-a-real-token"
    assert client.get("/incidents").status_code == 401


def test_openapi_is_readable_without_a_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/incidents" in response.json()["paths"]


def test_a_unit_cannot_see_another_units_incident(api):
    created = api("liuhe-reporter").post("/incidents", incident_body(location={"area": "liuhe"})).json_body
    shaxi = api("shaxi-reporter")
    assert shaxi.get(f"/incidents/{created['id']}").status_code == 404
    assert shaxi.get("/incidents").json_body == []
    assert shaxi.post(f"/incidents/{created['id']}/reports", written()).status_code == 404
    assert api("duty-officer").get(f"/incidents/{created['id']}").status_code == 200


def test_a_unit_cannot_report_in_another_units_name(api):
    response = api("shaxi-reporter").post("/incidents", incident_body(unit="liuhe"))
    assert response.status_code == 400
    assert response.json_body["errors"][0]["field"] == "unit"


def test_idempotency_key_returns_the_first_result_and_creates_nothing_new(api):
    client = api("shaxi-reporter")
    body = incident_body(report=written())
    first = client.post("/incidents", body, headers={"Idempotency-Key": "abc-1"})
    again = client.post("/incidents", body, headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert first.json_body["id"] == again.json_body["id"]
    assert Incident.objects.count() == 1 and Report.objects.count() == 1
    other = client.post("/incidents", incident_body(title="另一事件"), headers={"Idempotency-Key": "abc-1"})
    assert other.status_code == 409


def test_duty_room_raises_grade_and_new_clocks_start_at_the_moment_of_regrading(api):
    created = api("shaxi-reporter").post("/incidents", incident_body(occurred_at=ago(20), report=written()))
    incident_id = created.json_body["id"]
    assert api("shaxi-reporter").patch(f"/incidents/{incident_id}", {"grade": "II"}).status_code == 403
    before = datetime.now(UTC)
    response = api("duty-officer").patch(f"/incidents/{incident_id}", {"grade": "II", "reason": "死亡人数上升"})
    assert response.status_code == 200
    clocks = obligations_by_kind(response.json_body)
    assert clocks["first_report"]["state"] == "met"  # raising the grade never un-meets a met clock
    phone_due = datetime.fromisoformat(clocks["phone_report"]["due_at"])
    assert (
        before + timedelta(minutes=15) - timedelta(seconds=2) <= phone_due <= datetime.now(UTC) + timedelta(minutes=15)
    )


def test_correcting_the_occurrence_time_recomputes_lateness(api):
    created = api("shaxi-reporter").post("/incidents", incident_body(occurred_at=ago(30), report=written()))
    incident_id = created.json_body["id"]
    assert obligations_by_kind(created.json_body)["first_report"]["state"] == "met"
    response = api("duty-officer").patch(f"/incidents/{incident_id}", {"occurred_at": ago(60), "reason": "核实"})
    first = obligations_by_kind(response.json_body)["first_report"]
    assert first["state"] == "late"
    assert 880 <= first["late_by_seconds"] <= 920


def test_followups_are_numbered_and_final_report_closes_the_incident(api):
    client = api("shaxi-reporter")
    incident_id = client.post("/incidents", incident_body(report=written())).json_body["id"]
    one = client.post(f"/incidents/{incident_id}/reports", {"kind": "followup", "summary": "续报一"})
    two = client.post(f"/incidents/{incident_id}/reports", {"kind": "followup", "summary": "续报二"})
    assert (one.json_body["number"], two.json_body["number"]) == (1, 2)
    assert client.post(f"/incidents/{incident_id}/handled").status_code == 200
    assert client.post(f"/incidents/{incident_id}/handled").status_code == 409
    final_clock = obligations_by_kind(client.get(f"/incidents/{incident_id}").json_body)["final_report"]
    assert final_clock["state"] == "pending"
    client.post(f"/incidents/{incident_id}/reports", {"kind": "final", "summary": "终报"})
    body = client.get(f"/incidents/{incident_id}").json_body
    assert body["state"] == "closed"
    assert obligations_by_kind(body)["final_report"]["state"] == "met"


def test_phone_reports_are_logged_by_the_duty_room_within_two_hours(api):
    incident_id = api("shaxi-reporter").post("/incidents", incident_body(grade="I")).json_body["id"]
    assert api("shaxi-reporter").post(f"/incidents/{incident_id}/reports", {"kind": "phone"}).status_code == 403
    officer = api("duty-officer")
    too_old = officer.post(f"/incidents/{incident_id}/reports", {"kind": "phone", "called_at": ago(180)})
    assert too_old.status_code == 400 and too_old.json_body["errors"][0]["field"] == "called_at"
    logged = officer.post(
        f"/incidents/{incident_id}/reports",
        {"kind": "phone", "called_at": ago(2), "contact_name": "张三", "contact_phone": "110"},
    )
    assert logged.status_code == 201
    clocks = obligations_by_kind(officer.get(f"/incidents/{incident_id}").json_body)
    assert clocks["phone_report"]["state"] == "met"
    assert clocks["written_report"]["state"] == "pending"
    assert "receipt" not in clocks  # a phone report needs no receipt


def test_duty_room_confirms_receipt_once(api):
    created = api("shaxi-reporter").post("/incidents", incident_body(report=written())).json_body
    report_id = created["reports"][0]["id"]
    assert api("shaxi-reporter").post(f"/reports/{report_id}/receipt").status_code == 403
    confirmed = api("duty-officer").post(f"/reports/{report_id}/receipt")
    assert confirmed.status_code == 200
    assert confirmed.json_body["confirmed_by"] == "duty-officer" and confirmed.json_body["confirmed_at"]
    assert api("duty-officer").post(f"/reports/{report_id}/receipt").status_code == 409
    clocks = obligations_by_kind(api("duty-officer").get(f"/incidents/{created['id']}").json_body)
    assert clocks["receipt"]["state"] == "met"


def test_forbidden_channel_for_a_major_incident_is_recorded(api):
    created = api("shaxi-reporter").post("/incidents", incident_body(grade="II", report=written(channel="wechat")))
    assert created.status_code == 201
    assert created.json_body["reports"][0]["forbidden_channel"] is True


def test_every_read_of_a_work_secret_incident_is_audited(api):
    from dutyroom.audit.models import AuditEntry

    created = api("shaxi-reporter").post("/incidents", incident_body(classification="work_secret")).json_body
    assert api("shaxi-reporter").get(f"/incidents/{created['id']}").status_code == 200
    assert api("duty-officer").get(f"/incidents/{created['id']}").status_code == 200
    assert api("shaxi-leader").get(f"/incidents/{created['id']}").status_code == 200
    assert api("assessor").get(f"/incidents/{created['id']}").status_code == 404  # need-to-know
    reads = AuditEntry.objects.filter(action="incident.read", incident_id=created["id"])
    assert sorted(e.actor_label for e in reads) == ["duty-officer", "shaxi-leader", "shaxi-reporter"]
