"""A town's rules on every clock owed to its duty room, not only the first report (改进办法, 分级管理).

沙溪 (demo) holds its units to an hourly follow-up, a 3-minute receipt, a 15-minute verification reply and a
2-hour final report; the town's own clocks owed to the city keep the city's rules. Runs on SQLite and on
PostgreSQL (``DATABASE_URL``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.api.test_incidents import ago, written
from tests.levels.test_chain import VILLAGE, village_incident

pytestmark = pytest.mark.django_db

SHAXI_RULES = {"general.first": 20, "followup": 60, "receipt": 3, "verification": 15, "final": 120}


def set_rules(api, **within: int) -> None:  # type: ignore[no-untyped-def]
    body = {"within_minutes": {**SHAXI_RULES, **{k.replace("_", "."): v for k, v in within.items()}}}
    response = api("shaxi-duty").call("put", "/units/shaxi/rules", body)
    assert response.status_code == 200, response.json_body


def clocks(api, incident: int) -> list[dict]:  # type: ignore[no-untyped-def]
    return api("duty-officer").get(f"/incidents/{incident}").json_body["obligations"]


def limit(clock: dict) -> timedelta:
    return datetime.fromisoformat(clock["due_at"]) - datetime.fromisoformat(clock["anchor_at"])


def pending_followup(api, incident: int, unit: str) -> dict:  # type: ignore[no-untyped-def]
    [clock] = [
        o for o in clocks(api, incident) if o["kind"] == "followup" and o["unit"] == unit and o["state"] == "pending"
    ]
    return clock


def test_a_villages_followup_and_receipt_owed_to_shaxi_use_shaxis_tighter_limits(api):
    set_rules(api)
    body = village_incident(api, 3, report=written())
    followup = pending_followup(api, body["id"], VILLAGE)
    assert followup["owed_to"] == "shaxi"
    assert limit(followup) == timedelta(minutes=60)  # the city's rulebook says 24 h for an ungraded/Ⅳ incident
    assert followup["rule"].endswith("/followup+shaxi")
    [receipt] = [o for o in clocks(api, body["id"]) if o["kind"] == "receipt"]
    assert (receipt["unit"], receipt["owed_to"]) == ("shaxi", "shaxi")
    assert limit(receipt) == timedelta(minutes=3) and receipt["rule"].endswith("/receipt+shaxi")


def test_the_towns_own_clocks_owed_to_the_city_keep_the_citys_rules(api):
    set_rules(api)
    body = village_incident(api, 3, report=written())
    town = api("shaxi-duty").post(f"/incidents/{body['id']}/reports", written(summary="镇值班室转报"))
    assert town.status_code == 201, town.json_body
    followup = pending_followup(api, body["id"], "shaxi")
    assert followup["owed_to"] == "duty-room" and limit(followup) == timedelta(hours=24)
    [city_receipt] = [o for o in clocks(api, body["id"]) if o["kind"] == "receipt" and o["owed_to"] == "duty-room"]
    assert limit(city_receipt) == timedelta(minutes=5) and "+" not in city_receipt["rule"]


def test_the_next_followup_and_a_regrade_keep_the_limit_in_force_when_the_incident_opened(api):
    set_rules(api)
    body = village_incident(api, 3, report=written())
    set_rules(api, followup=30)  # a later change of 沙溪's rules
    again = api(f"{VILLAGE}-reporter").post(
        f"/incidents/{body['id']}/reports", written(kind="followup", summary="水上搜救仍在进行")
    )
    assert again.status_code == 201, again.json_body
    assert limit(pending_followup(api, body["id"], VILLAGE)) == timedelta(minutes=60)
    regraded = api("duty-officer").patch(f"/incidents/{body['id']}", {"grade": "II", "reason": "伤亡增加"})
    assert regraded.status_code == 200, regraded.json_body
    assert limit(pending_followup(api, body["id"], VILLAGE)) == timedelta(minutes=60)
    newer = village_incident(api, 1, report=written())
    assert limit(pending_followup(api, newer["id"], VILLAGE)) == timedelta(minutes=30)


def test_a_reply_to_shaxis_question_is_due_by_shaxis_rule_and_to_the_citys_by_the_citys(api):
    set_rules(api)
    body = village_incident(api, 3)
    ask = {"unit": VILLAGE, "authority": "city", "question": "请核实落水人数", "incident": body["id"]}
    assert api("shaxi-duty").post("/verification-requests", ask).status_code == 201
    assert api("duty-officer").post("/verification-requests", ask).status_code == 201
    own_limit = {"due_at": (datetime.fromisoformat(ago(-45))).isoformat()}
    assert api("shaxi-duty").post("/verification-requests", {**ask, **own_limit}).status_code == 201
    replies = sorted(
        ((o["owed_to"], limit(o)) for o in clocks(api, body["id"]) if o["kind"] == "verification_reply"),
        key=lambda pair: (pair[0], pair[1]),
    )
    assert [owed for owed, _ in replies] == ["duty-room", "shaxi", "shaxi"]
    assert replies[0][1] == timedelta(minutes=30)  # the city asked: the city's rule
    assert replies[1][1] == timedelta(minutes=15)  # 沙溪 asked: 沙溪's rule
    assert timedelta(minutes=44) < replies[2][1] <= timedelta(minutes=45)  # a limit the asker set is kept


def test_a_villages_final_owed_to_shaxi_is_due_by_shaxis_rule_and_the_towns_by_the_citys(api):
    set_rules(api)
    body = village_incident(api, 3, report=written())
    assert api("shaxi-duty").post(f"/incidents/{body['id']}/reports", written()).status_code == 201
    handled = api(f"{VILLAGE}-reporter").post(f"/incidents/{body['id']}/handled")
    assert handled.status_code == 200, handled.json_body
    finals = {o["unit"]: o for o in clocks(api, body["id"]) if o["kind"] == "final_report"}
    assert limit(finals[VILLAGE]) == timedelta(hours=2) and finals[VILLAGE]["owed_to"] == "shaxi"
    assert limit(finals["shaxi"]) == timedelta(hours=24) and finals["shaxi"]["owed_to"] == "duty-room"


def test_a_silent_village_owes_its_next_followup_at_shaxis_interval_too(api):
    """The deadline sweep starts the next period's clock when one runs out unmet: at the same tighter cadence."""
    from dutyroom.worker.loop import obligations_sweep

    set_rules(api)
    body = village_incident(api, 3, report=written())
    first = pending_followup(api, body["id"], VILLAGE)
    assert obligations_sweep(datetime.fromisoformat(first["due_at"]) + timedelta(seconds=1), batch=1000) > 0
    village = [o for o in clocks(api, body["id"]) if o["kind"] == "followup" and o["unit"] == VILLAGE]
    assert len(village) == 2  # the one that ran out and the next period's
    after = max(village, key=lambda o: o["id"])
    assert after["id"] != first["id"] and after["owed_to"] == "shaxi"
    assert after["anchor_at"] == first["due_at"] and limit(after) == timedelta(minutes=60)
    assert after["rule"].endswith("/followup+shaxi")
