"""Leads through the API: intake, verification on the clock, duplicates, watch hits, who knew first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dutyroom.leads.lexicon import figures

CAP_SAMPLES = Path(__file__).resolve().parents[1] / "data" / "cap"  # real agencies' messages (README there)


def iso(minutes_ago: int = 0) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


def test_a_grid_worker_files_a_lead_and_the_duty_room_gets_a_30_minute_verification_clock(api):
    grid = api("grid-shaxi")
    response = grid.post(
        "/leads",
        {
            "channel": "grid",
            "title": "沙溪镇白云路居民楼冒烟",
            "text": "三楼窗口冒黑烟",
            "area": "shaxi",
            "address": "白云路12号",
            "occurred_at": iso(5),
        },
    )
    assert response.status_code == 201, response.json_body
    lead = response.json_body
    assert lead["state"] == "new" and lead["verifier_unit"] == "duty-room"
    assert lead["received_at"].endswith("+08:00")
    clock = lead["verifiers"][0]["obligation"]
    assert clock["kind"] == "lead_verification" and clock["state"] == "pending"
    due = datetime.fromisoformat(clock["due_at"])
    received = datetime.fromisoformat(lead["received_at"])
    assert timedelta(minutes=29) < due - received <= timedelta(minutes=30)


def test_internet_leads_go_to_propaganda_and_police_verifiers(api):
    lead = api("duty-officer").post("/leads", {"channel": "internet", "title": "网传浏河镇化工厂爆炸"}).json_body
    assert lead["verifier_unit"] == "propaganda"
    assert sorted(v["unit"] for v in lead["verifiers"]) == ["police", "propaganda"]
    assert api("police-reporter").get(f"/leads/{lead['id']}").status_code == 200
    assert api("health-reporter").get(f"/leads/{lead['id']}").status_code == 404
    mine = api("propaganda-reporter").get("/leads?mine=true").json_body
    assert [m["id"] for m in mine] == [lead["id"]]


def test_client_cannot_set_received_at_and_bad_fields_are_named(api):
    grid = api("grid-shaxi")
    response = grid.post("/leads", {"channel": "pigeon", "title": "", "received_at": iso()})
    assert response.status_code == 400
    fields = {e["field"] for e in response.json_body["errors"]}
    assert {"channel", "received_at"} <= fields
    response = grid.post("/leads", {"channel": "grid", "title": " ", "area": "atlantis"})
    assert {e["field"] for e in response.json_body["errors"]} == {"title", "area"}


def test_police_confirms_a_media_lead_which_opens_an_incident_and_records_who_knew_first(api):
    lead = (
        api("duty-officer")
        .post(
            "/leads",
            {"channel": "media", "title": "浏河镇新闸路化工企业储罐泄漏", "area": "liuhe", "occurred_at": iso(20)},
        )
        .json_body
    )
    police = api("police-reporter")
    assert police.post(f"/leads/{lead['id']}/start").json_body["state"] == "verifying"
    result = police.post(
        f"/leads/{lead['id']}/verify",
        {"outcome": "confirmed", "category": "accident", "reason": "派出所民警现场核实属实"},
    )
    assert result.status_code == 200, result.json_body
    body = result.json_body
    assert body["state"] == "confirmed" and body["incident"]
    assert all(v["obligation"]["state"] == "met" for v in body["verifiers"])
    evidence = body["evidence"]
    assert evidence["unit"] == "liuhe" and evidence["kind"] == "omitted" and evidence["first_report_at"] is None
    incident = api("duty-officer").get(f"/incidents/{body['incident']}").json_body
    assert incident["unit"] == "liuhe"
    assert any(o["kind"] == "first_report" for o in incident["obligations"])
    again = police.post(f"/leads/{lead['id']}/verify", {"outcome": "false"})
    assert again.status_code == 409


def test_a_unit_outside_the_verifiers_may_see_its_territory_lead_but_not_verify_it(api):
    body = {"channel": "grid", "title": "沙溪镇河道有人落水", "area": "shaxi"}
    lead = api("grid-shaxi").post("/leads", body).json_body
    town = api("shaxi-reporter")
    assert town.get(f"/leads/{lead['id']}").status_code == 200
    assert town.post(f"/leads/{lead['id']}/verify", {"outcome": "false"}).status_code == 403


def test_a_confirmed_lead_joins_an_open_incident_and_a_later_unit_report_shows_the_lead_came_first(api):
    officer = api("duty-officer")
    incident = officer.post(
        "/incidents",
        {
            "title": "沙溪镇居民楼火灾",
            "category": "accident",
            "unit": "shaxi",
            "occurred_at": iso(10),
            "location": {"area": "shaxi"},
        },
    ).json_body
    lead = (
        api("grid-shaxi")
        .post("/leads", {"channel": "grid", "title": "沙溪镇白云路居民楼起火", "area": "shaxi", "occurred_at": iso(9)})
        .json_body
    )
    assert lead["duplicates"] and lead["duplicates"][0]["incident"] == incident["id"]
    assert 0 < lead["duplicates"][0]["score"] <= 1
    body = officer.post(f"/leads/{lead['id']}/verify", {"outcome": "confirmed", "incident": incident["id"]}).json_body
    assert body["incident"] == incident["id"]
    api("shaxi-reporter").post(f"/incidents/{incident['id']}/reports", {"kind": "written", "summary": "火灾已扑灭"})
    evidence = officer.get(f"/leads/{lead['id']}").json_body["evidence"]
    assert evidence["kind"] == "late" and evidence["lead_first_by_seconds"] >= 0


def test_duty_officer_confirms_a_proposed_duplicate_which_closes_the_lead(api):
    grid = api("grid-liuhe")
    first = grid.post(
        "/leads", {"channel": "grid", "title": "浏河镇郑和路多车追尾", "text": "3人受伤", "area": "liuhe"}
    ).json_body
    second = (
        api("duty-officer")
        .post("/leads", {"channel": "public", "title": "浏河镇郑和路车祸多车追尾", "text": "5人受伤", "area": "liuhe"})
        .json_body
    )
    proposal = second["duplicates"][0]
    assert proposal["lead"] == first["id"]
    decided = api("duty-officer").post(f"/lead-duplicates/{proposal['id']}/decision", {"duplicate": True}).json_body
    assert decided["state"] == "duplicate" and decided["duplicate_of"] == first["id"]


def test_watch_terms_match_after_normalising_width_case_and_invisible_characters(api):
    officer = api("duty-officer")
    assert officer.post("/watch-terms", {"term": "ＰＸ项目", "kind": "topic"}).status_code == 201
    assert officer.post("/watch-terms", {"term": "px项目", "kind": "topic"}).status_code == 409
    period = officer.post(
        "/watch-terms",
        {
            "term": "进博会",
            "kind": "event",
            "starts_at": iso(60),
            "ends_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        },
    )
    assert period.json_body["period_active"] is True
    lead = (
        api("grid-shaxi")
        .post("/leads", {"channel": "grid", "title": "群众议论Px\u200b项目", "text": "进博会期间有人聚集"})
        .json_body
    )
    hits = {h["term"]: h for h in lead["watch_hits"]}
    assert hits["ＰＸ项目"]["level"] == 1 and hits["进博会"]["level"] == 2
    assert lead["watch_level"] == 2
    assert api("grid-shaxi").post("/watch-terms", {"term": "化工", "kind": "keyword"}).status_code == 403
    assert api("grid-shaxi").get("/watch-terms").status_code == 403
    term_id = period.json_body["id"]
    assert officer.call("delete", f"/watch-terms/{term_id}").status_code == 204
    assert [t["term"] for t in officer.get("/watch-terms").json_body] == ["ＰＸ项目"]


def _post_cap(api_user, body: bytes):
    return api_user.client.post(
        "/api/v1/leads/cap", data=body, content_type="application/cap+xml", headers=api_user._headers(None)
    )


VALID = [
    "australia.cap",
    "australia_bom.cap",
    "canada.cap",
    "earthquake.cap",
    "iceland_met_office.cap",
    "no_optional_fields.cap",
    "sweden.cap",
    "wcatwc-warning.cap",
    "weather.cap",
]
INVALID = ["canada_errors.cap", "invalid.cap", "invalid_xmlns.cap", "noaa_errors.cap"]


@pytest.mark.parametrize("name", VALID)
def test_every_valid_cap_sample_imports_one_lead_per_info_block(api, name):
    body = (CAP_SAMPLES / name).read_bytes()
    response = _post_cap(api("duty-officer"), body)
    assert response.status_code == 201, response.content
    infos = max(1, body.count(b"<info>") + body.count(b"<cap:info>"))
    assert len(response.json()) == infos
    assert all(lead["channel"] == "cap_feed" and lead["raw_type"].startswith("cap-1.") for lead in response.json())


@pytest.mark.parametrize("name", INVALID)
def test_invalid_cap_is_refused_with_the_reason(api, name):
    response = _post_cap(api("duty-officer"), (CAP_SAMPLES / name).read_bytes())
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"


def test_cap_with_an_entity_bomb_or_external_entity_is_refused(api):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&x;</alert>'
    )
    response = _post_cap(api("duty-officer"), bomb)
    assert response.status_code == 400 and "DOCTYPE" in response.json()["errors"][0]["message_en"]


@pytest.mark.parametrize("text", ["三四十人聚集在镇政府门口", "十五六个人被困", "五六人受伤"])
def test_a_lead_that_gives_a_figure_as_a_range_is_taken_in_and_the_range_is_left_as_written(api, text):
    """People write a rough figure as one word (三四十人 for thirty or forty): it is no plain number, and it must
    never stop the lead from being taken in."""
    response = api("grid-shaxi").post(
        "/leads", {"channel": "grid", "title": "沙溪镇有情况", "text": text, "area": "shaxi"}
    )
    assert response.status_code == 201, response.json_body
    assert not any(c.isdigit() for c in figures(text))  # no made-up figure (三四十 is not 34)
    assert figures("两个人受伤，二十三人被困") == "2人受伤，23人被困"
