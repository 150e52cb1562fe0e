"""API v1: waiving clocks, verification requests, listing, audit verification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from tests.api.test_incidents import incident_body, written

pytestmark = pytest.mark.django_db


def test_waiving_needs_the_duty_room_and_a_reason(api):
    created = api("shaxi-reporter").post("/incidents", incident_body()).json_body
    obligation_id = created["obligations"][0]["id"]
    assert api("shaxi-reporter").post(f"/obligations/{obligation_id}/waive", {"reason": "x"}).status_code == 403
    empty = api("duty-officer").post(f"/obligations/{obligation_id}/waive", {"reason": "  "})
    assert empty.status_code == 400 and empty.json_body["errors"][0]["field"] == "reason"
    waived = api("duty-officer").post(f"/obligations/{obligation_id}/waive", {"reason": "误报，已撤销"})
    assert waived.status_code == 200 and waived.json_body["state"] == "waived"
    assert api("duty-officer").post(f"/obligations/{obligation_id}/waive", {"reason": "again"}).status_code == 409


def test_verification_request_creates_a_30_minute_clock_met_by_the_reply(api):
    created = api("shaxi-reporter").post("/incidents", incident_body(report=written())).json_body
    officer = api("duty-officer")
    request = officer.post(
        "/verification-requests",
        {"unit": "shaxi", "authority": "suzhou", "question": "核实伤亡人数", "incident": created["id"]},
    )
    assert request.status_code == 201
    clock = request.json_body["obligation"]
    assert clock["kind"] == "verification_reply" and clock["unit"] == "shaxi"
    due = datetime.fromisoformat(clock["due_at"])
    assert timedelta(minutes=29) < due - datetime.now(UTC) <= timedelta(minutes=30)
    reply = api("shaxi-reporter").post(
        f"/incidents/{created['id']}/reports",
        {"kind": "verification_reply", "verification_request": request.json_body["id"], "summary": "核实：无死亡"},
    )
    assert reply.status_code == 201
    listed = api("shaxi-reporter").get("/obligations?kind=verification_reply").json_body
    assert [o["state"] for o in listed] == ["met"]


def test_verification_request_validation(api):
    response = api("duty-officer").post(
        "/verification-requests", {"unit": "nowhere", "authority": "mars", "question": ""}
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json_body["errors"]} >= {"authority"}
    assert (
        api("shaxi-reporter")
        .post("/verification-requests", {"unit": "shaxi", "authority": "city", "question": "?"})
        .status_code
        == 403
    )


def test_obligation_list_filters_and_scopes(api):
    api("shaxi-reporter").post("/incidents", incident_body())
    api("liuhe-reporter").post("/incidents", incident_body(location={"area": "liuhe"}))
    assert len(api("duty-officer").get("/obligations?kind=first_report").json_body) == 2
    mine = api("shaxi-reporter").get("/obligations").json_body
    assert {o["unit"] for o in mine} == {"shaxi"}
    bad = api("duty-officer").get("/obligations?state=late-ish")
    assert bad.status_code == 400 and bad.json_body["errors"][0]["field"] == "state"


def test_overdue_filter_reflects_the_clock_even_before_the_worker_runs(api):
    api("shaxi-reporter").post(
        "/incidents", incident_body(occurred_at=(datetime.now(UTC) - timedelta(minutes=50)).isoformat())
    )
    overdue = api("duty-officer").get("/obligations?state=overdue").json_body
    assert [o["kind"] for o in overdue] == ["first_report"]
    assert overdue[0]["late_by_seconds"] >= 299


def test_audit_chain_verifies_and_names_the_first_tampered_entry(api):
    api("shaxi-reporter").post("/incidents", incident_body(report=written()))
    admin = api("admin")
    assert api("duty-officer").get("/audit/verify").status_code == 403
    ok = admin.get("/audit/verify").json_body
    assert ok["ok"] is True and ok["entries"] > 3 and ok["first_bad"] is None
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'forged' WHERE seq = 3")
    broken = admin.get("/audit/verify").json_body
    assert broken == {**broken, "ok": False, "first_bad": 3}


def test_a_request_about_no_incident_is_answered_through_its_own_reply_endpoint(api):
    officer = api("duty-officer")
    asked = officer.post(
        "/verification-requests", {"unit": "shaxi", "authority": "jiangsu", "question": "网传沙溪镇化工厂爆炸，请核实"}
    ).json_body
    assert asked["incident"] is None
    assert (
        api("liuhe-reporter").post(f"/verification-requests/{asked['id']}/reply", {"summary": "x"}).status_code == 404
    )  # not asked, cannot see it
    empty = api("shaxi-reporter").post(f"/verification-requests/{asked['id']}/reply", {"summary": " "})
    assert empty.status_code == 400 and empty.json_body["errors"][0]["field"] == "summary"
    reply = api("shaxi-reporter").post(
        f"/verification-requests/{asked['id']}/reply", {"summary": "经核实，系谣言，无爆炸发生", "contact_name": "王五"}
    )
    assert reply.status_code == 201 and reply.json_body["incident"] is None
    detail = officer.get(f"/verification-requests/{asked['id']}").json_body
    assert detail["obligation"]["state"] == "met"
    confirmed = officer.post(f"/reports/{reply.json_body['id']}/receipt")
    assert confirmed.status_code == 200
    assert api("liuhe-reporter").get(f"/verification-requests/{asked['id']}").status_code == 404


def test_objects_of_another_unit_are_404(api):
    created = api("liuhe-reporter").post("/incidents", incident_body(location={"area": "liuhe"}, report=written()))
    body = created.json_body
    shaxi = api("shaxi-reporter")
    assert shaxi.get(f"/obligations/{body['obligations'][0]['id']}").status_code == 404
    assert shaxi.post(f"/obligations/{body['obligations'][0]['id']}/waive", {"reason": "x"}).status_code == 404
    assert shaxi.post(f"/reports/{body['reports'][0]['id']}/receipt").status_code == 404
    assert shaxi.post(f"/incidents/{body['id']}/handled").status_code == 404
    assert shaxi.patch(f"/incidents/{body['id']}", {"grade": "I"}).status_code == 404
    assert api("shaxi-reporter").get("/me").json_body == {
        "username": "shaxi-reporter",
        "role": "unit_reporter",
        "unit": "shaxi",
    }


def test_a_verification_reply_must_say_something(api):
    created = api("shaxi-reporter").post("/incidents", incident_body()).json_body
    asked = api("duty-officer").post(
        "/verification-requests",
        {"unit": "shaxi", "authority": "city", "question": "伤亡？", "incident": created["id"]},
    )
    empty = api("shaxi-reporter").post(
        f"/incidents/{created['id']}/reports",
        {"kind": "verification_reply", "verification_request": asked.json_body["id"]},
    )
    assert empty.status_code == 400 and empty.json_body["errors"][0]["field"] == "summary"
