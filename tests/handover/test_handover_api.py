"""Signing out and acknowledging a handover over the API: who may, once only, with times; errors; retries."""

from __future__ import annotations

import pytest

from dutyroom.audit.models import AuditEntry
from dutyroom.handover.models import Handover
from tests.handover.conftest import Desk

pytestmark = pytest.mark.django_db


def test_the_duty_officer_signs_out_with_every_open_item_and_the_time(desk: Desk, api) -> None:
    signed = api("duty-officer").post("/handovers", {"note": "沙溪火灾待签收，注意续报"})
    assert signed.status_code == 201, signed.json_body
    body = signed.json_body
    assert body["outgoing"] == "duty-officer" and body["signed_at"].endswith("+08:00")
    assert body["acknowledged_at"] is None and body["incoming"] is None
    assert {i["kind"] for i in body["items"]} == {"clock", "receipt", "verification", "lead", "instruction"}
    assert body["overdue_items"] >= 1
    assert AuditEntry.objects.filter(action="handover.sign", object_id=str(body["id"])).count() == 1
    assert api("duty-officer").get(f"/handovers/{body['id']}").json_body == body
    assert [h["id"] for h in api("assessor").get("/handovers").json_body] == [body["id"]]


@pytest.mark.parametrize("who", ["shaxi-reporter", "shaxi-leader", "grid-shaxi", "assessor"])
def test_only_the_duty_room_may_sign_out(city: None, api, who: str) -> None:
    refused = api(who).post("/handovers", {"note": "x"})
    assert refused.status_code == 403 and refused.json_body["detail"]
    assert not Handover.objects.exists()


def test_a_town_sees_no_handover_at_all(city: None, api) -> None:
    made = api("duty-officer").post("/handovers", {"note": "x"}).json_body["id"]
    assert api("shaxi-reporter").get("/handovers").status_code == 403
    assert api("shaxi-reporter").get(f"/handovers/{made}").status_code == 404
    assert api("shaxi-reporter").post(f"/handovers/{made}/acknowledge", {"note": ""}).status_code == 404


def test_another_officer_acknowledges_once_with_the_time_and_the_outgoing_cannot(city: None, api) -> None:
    made = api("duty-officer").post("/handovers", {"note": "交班"}).json_body["id"]
    own = api("duty-officer").post(f"/handovers/{made}/acknowledge", {"note": "自己接"})
    assert own.status_code == 403 and own.json_body["detail"]
    taken = api("duty-leader").post(f"/handovers/{made}/acknowledge", {"note": "已接班，清楚"})
    assert taken.status_code == 200, taken.json_body
    body = taken.json_body
    assert body["acknowledged_by"] == "duty-leader" and body["incoming"] == "duty-leader"
    assert body["acknowledged_at"].endswith("+08:00") and body["ack_note"] == "已接班，清楚"
    again = api("admin").post(f"/handovers/{made}/acknowledge", {"note": ""})
    assert again.status_code == 409 and again.json_body["detail"]
    assert Handover.objects.get(pk=made).acknowledged_by.username == "duty-leader"
    assert AuditEntry.objects.filter(action="handover.acknowledge").count() == 1


def test_a_named_incoming_officer_is_the_only_one_who_may_acknowledge(city: None, api) -> None:
    made = api("duty-officer").post("/handovers", {"note": "交班", "incoming": "duty-leader"})
    assert made.status_code == 201 and made.json_body["incoming"] == "duty-leader"
    assert api("admin").post(f"/handovers/{made.json_body['id']}/acknowledge", {}).status_code == 403
    assert api("duty-leader").post(f"/handovers/{made.json_body['id']}/acknowledge", {}).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"note": "a\u0000b"}, "note"),
        ({"note": "x" * 5001}, "note"),
        ({"incoming": "nobody-here"}, "incoming"),
        ({"incoming": "duty-officer"}, "incoming"),
        ({"incoming": "shaxi-reporter"}, "incoming"),
        ({"note": "x", "signed_at": "2026-01-01T08:00:00+08:00"}, "signed_at"),
    ],
)
def test_bad_handovers_name_the_field_in_both_languages(city: None, api, body: dict, field: str) -> None:
    refused = api("duty-officer").post("/handovers", body)
    assert refused.status_code == 400, refused.json_body
    named = {e["field"]: e for e in refused.json_body["errors"]}
    assert field in named and named[field]["message_zh"] and named[field]["message_en"]
    english = api("duty-officer").post("/handovers", body, headers={"Accept-Language": "en"})
    assert english.json_body["errors"][0]["message"] == english.json_body["errors"][0]["message_en"]
    assert not Handover.objects.exists()


def test_a_retried_sign_out_or_acknowledgement_creates_nothing_new(city: None, api) -> None:
    officer, leader = api("duty-officer"), api("duty-leader")
    first = officer.post("/handovers", {"note": "交班"}, headers={"Idempotency-Key": "h-1"})
    second = officer.post("/handovers", {"note": "交班"}, headers={"Idempotency-Key": "h-1"})
    assert first.status_code == second.status_code == 201 and first.json_body == second.json_body
    assert Handover.objects.count() == 1
    path = f"/handovers/{first.json_body['id']}/acknowledge"
    taken = leader.post(path, {"note": "接"}, headers={"Idempotency-Key": "a-1"})
    retried = leader.post(path, {"note": "接"}, headers={"Idempotency-Key": "a-1"})
    assert taken.status_code == retried.status_code == 200 and taken.json_body == retried.json_body
    assert leader.post(path, {"note": "接"}).status_code == 409  # without the key it is a second acknowledgement
    assert AuditEntry.objects.filter(action__startswith="handover.").count() == 2
