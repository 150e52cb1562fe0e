"""API: inbox, chase (催报), webhooks, roster/now, as docs/api.md lists them."""

from __future__ import annotations

from datetime import datetime

import pytest

from dutyroom.alerts.fanout import outbox_fanout
from dutyroom.common.clock import now as clock_now
from tests.api.test_incidents import incident_body, written

pytestmark = pytest.mark.django_db


def first_clock(api) -> int:
    created = api("shaxi-reporter").post("/incidents", incident_body()).json_body
    return created["obligations"][0]["id"]


def test_the_duty_room_chases_a_pending_clock_and_the_unit_hears_at_once(api):
    obligation = first_clock(api)
    chased = api("duty-officer").post(f"/obligations/{obligation}/chase")
    assert chased.status_code == 201
    assert chased.json_body["obligation"] == obligation and chased.json_body["by"] == "duty-officer"
    assert datetime.fromisoformat(chased.json_body["at"]).utcoffset().total_seconds() == 8 * 3600
    inbox = api("shaxi-reporter").get("/notifications").json_body
    assert [n["topic"] for n in inbox] == ["chase"] and inbox[0]["obligation"] == obligation
    assert [n["topic"] for n in api("shaxi-leader").get("/notifications").json_body] == ["chase"]
    assert api("shaxi-reporter").get("/chases").json_body[0]["unit"] == "shaxi"


def test_chasing_needs_the_duty_room_and_an_open_clock(api):
    obligation = first_clock(api)
    assert api("shaxi-reporter").post(f"/obligations/{obligation}/chase").status_code == 403
    assert api("liuhe-reporter").post(f"/obligations/{obligation}/chase").status_code == 404
    api("duty-officer").post(f"/obligations/{obligation}/waive", {"reason": "误报"})
    gone = api("duty-officer").post(f"/obligations/{obligation}/chase")
    assert gone.status_code == 409


def test_a_met_clock_cannot_be_chased(api):
    created = api("shaxi-reporter").post("/incidents", incident_body(report=written())).json_body
    met = next(o for o in created["obligations"] if o["kind"] == "first_report")
    assert api("duty-officer").post(f"/obligations/{met['id']}/chase").status_code == 409


def test_notifications_filter_and_mark_read(api):
    first_clock(api)
    outbox_fanout(clock_now())  # new_incident to the duty officer(s)
    officer = api("duty-officer")
    listed = officer.get("/notifications?unread=true").json_body
    assert [n["topic"] for n in listed] == ["new_incident"] and listed[0]["read_at"] is None
    assert set(listed[0]) == {"id", "topic", "incident", "obligation", "text", "created_at", "read_at"}
    read = officer.post(f"/notifications/{listed[0]['id']}/read")
    assert read.status_code == 200 and read.json_body["read_at"]
    assert officer.get("/notifications?unread=true").json_body == []
    assert officer.get("/notifications?topic=chase").json_body == []
    assert officer.get("/notifications?topic=nonsense").status_code == 400
    assert api("shaxi-reporter").post(f"/notifications/{listed[0]['id']}/read").status_code == 404


def test_webhooks_are_for_admins(api):
    body = {"url": "http://127.0.0.1:9/hook", "secret": "0123456789", "topics": ["overdue", "chase"]}
    assert api("duty-officer").post("/webhooks", body).status_code == 403
    created = api("admin").post("/webhooks", body)
    assert created.status_code == 201 and "secret" not in created.json_body
    hook_id = created.json_body["id"]
    assert [h["id"] for h in api("admin").get("/webhooks").json_body] == [hook_id]
    assert api("admin").get(f"/webhooks/{hook_id}/deliveries").json_body == []
    assert api("duty-officer").get(f"/webhooks/{hook_id}/deliveries").status_code == 404
    assert api("admin").call("delete", f"/webhooks/{hook_id}").status_code == 204
    assert api("admin").get("/webhooks").json_body == []


def test_a_webhook_with_a_bad_url_or_topic_is_refused_naming_the_field(api):
    bad = api("admin").post("/webhooks", {"url": "ftp://x", "secret": "short", "topics": ["weather"]})
    assert bad.status_code == 400
    fields = {e["field"] for e in bad.json_body["errors"]}
    assert "topics.0" in fields or "topics[0]" in fields or "url" in fields


def test_roster_now_names_who_is_on_duty(api, on_duty):
    assert api("shaxi-reporter").get("/roster/now").json_body["duty_officer"] is None
    on_duty(city_leader="assessor")
    now = api("shaxi-reporter").get("/roster/now").json_body
    assert now["duty_officer"] == "duty-officer" and now["duty_leader"] == "duty-leader"
    assert now["city_leader"] == "assessor"
    assert datetime.fromisoformat(now["shift"]["starts_at"]) < datetime.fromisoformat(now["shift"]["ends_at"])
    assert api(None).get("/roster/now").status_code == 401


def test_a_person_sets_their_channels_and_contact_details(api):
    me = api("shaxi-reporter")
    assert me.get("/me/alert-preferences").json_body["channels"] == [], "no address, no e-mail or SMS"
    saved = me.call(
        "put",
        "/me/alert-preferences",
        {"email": "li@example.test", "phone": "13800000001", "channels": ["sms"], "sound": False},
    )
    assert saved.status_code == 200
    assert saved.json_body["channels"] == ["sms"] and saved.json_body["sound"] is False
    bad = me.call("put", "/me/alert-preferences", {"email": "nope", "channels": ["fax"]})
    assert bad.status_code == 400
