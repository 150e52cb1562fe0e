"""A town's duty room does for its own area what the city's does for the city: chase, waive, ask for
verification, take its grid workers' leads; and the town owes the city its own follow-ups on the incident."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.test_incidents import written
from tests.levels.test_chain import VILLAGE, village_incident

pytestmark = pytest.mark.django_db


def clock_of(body: dict, unit: str, kind: str) -> dict:
    return next(o for o in body["obligations"] if o["unit"] == unit and o["kind"] == kind)


def test_the_town_duty_room_chases_and_waives_its_villages_clocks_but_not_another_towns(api):
    body = village_incident(api, 5)
    village_clock = clock_of(body, VILLAGE, "first_report")["id"]
    town_clock = clock_of(body, "shaxi", "first_report")["id"]
    chased = api("shaxi-duty").post(f"/obligations/{village_clock}/chase")
    assert chased.status_code == 201, chased.json_body
    # the town's own clock is owed to the city: only the city chases or waives it
    assert api("shaxi-duty").post(f"/obligations/{town_clock}/chase").status_code == 403
    assert api("shaxi-duty").post(f"/obligations/{town_clock}/waive", {"reason": "x"}).status_code == 403
    assert api("duty-officer").post(f"/obligations/{town_clock}/chase").status_code == 201
    liuhe = (
        api("liuhe-reporter")
        .post(
            "/incidents",
            {
                "title": "浏河镇火灾",
                "category": "accident",
                "grade": "IV",
                "occurred_at": body["occurred_at"],
            },
        )
        .json_body
    )
    assert api("shaxi-duty").post(f"/obligations/{liuhe['obligations'][0]['id']}/chase").status_code == 404
    waived = api("shaxi-duty").post(f"/obligations/{village_clock}/waive", {"reason": "村里电话已报，镇里补录"})
    assert waived.status_code == 200 and waived.json_body["state"] == "waived"


def test_the_town_asks_its_village_for_verification_and_the_reply_is_owed_to_the_town(api):
    body = village_incident(api, 5)
    asked = api("shaxi-duty").post(
        "/verification-requests",
        {"unit": VILLAGE, "authority": "city", "question": "核实落水人数", "incident": body["id"]},
    )
    assert asked.status_code == 201, asked.json_body
    assert asked.json_body["obligation"]["owed_to"] == "shaxi"
    assert (
        api("shaxi-duty")
        .post("/verification-requests", {"unit": "liuhe", "authority": "city", "question": "?"})
        .status_code
        == 403
    )
    assert (
        api(f"{VILLAGE}-reporter")
        .post("/verification-requests", {"unit": VILLAGE, "authority": "city", "question": "?"})
        .status_code
        == 403
    )


def test_the_town_owes_the_city_its_own_follow_ups_once_it_has_reported(api):
    body = village_incident(api, 5, report=written())
    village_followup = clock_of(body, VILLAGE, "followup")
    assert village_followup["owed_to"] == "shaxi"
    api("shaxi-reporter").post(f"/incidents/{body['id']}/reports", written(summary="镇里转报"))
    after = api("duty-officer").get(f"/incidents/{body['id']}").json_body
    town_followup = clock_of(after, "shaxi", "followup")
    assert town_followup["owed_to"] == "duty-room" and town_followup["state"] == "pending"
    followup = api("shaxi-reporter").post(f"/incidents/{body['id']}/reports", {**written(), "kind": "followup"})
    assert followup.status_code == 201, followup.json_body
    again = api("duty-officer").get(f"/incidents/{body['id']}").json_body
    assert next(o["state"] for o in again["obligations"] if o["unit"] == "shaxi" and o["kind"] == "followup") == "met"


def test_the_towns_final_report_follows_its_villages_without_reopening_anything(api):
    body = village_incident(api, 5, report=written())
    assert api(f"{VILLAGE}-reporter").post(f"/incidents/{body['id']}/handled").status_code == 200
    handled = api("duty-officer").get(f"/incidents/{body['id']}").json_body
    finals = {o["unit"]: o["owed_to"] for o in handled["obligations"] if o["kind"] == "final_report"}
    assert finals == {VILLAGE: "shaxi", "shaxi": "duty-room"}
    assert (
        api(f"{VILLAGE}-reporter").post(f"/incidents/{body['id']}/reports", {**written(), "kind": "final"}).status_code
        == 201
    )
    town_final = api("shaxi-reporter").post(f"/incidents/{body['id']}/reports", {**written(), "kind": "final"})
    assert town_final.status_code == 201, town_final.json_body
    closed = api("duty-officer").get(f"/incidents/{body['id']}").json_body
    assert closed["state"] == "closed"
    assert {o["unit"]: o["state"] for o in closed["obligations"] if o["kind"] == "final_report"} == {
        VILLAGE: "met",
        "shaxi": "met",
    }


def test_a_grid_workers_lead_goes_to_its_towns_duty_room_first(api):
    lead = api("grid-shaxi").post("/leads", {"channel": "grid", "title": "沙溪镇河道有人落水", "area": "shaxi"})
    assert lead.status_code == 201 and lead.json_body["verifier_unit"] == "shaxi"
    assert api("shaxi-duty").get(f"/leads/{lead.json_body['id']}").status_code == 200
    assert api("liuhe-reporter").get(f"/leads/{lead.json_body['id']}").status_code == 404
    other = api("grid-liuhe").post("/leads", {"channel": "grid", "title": "浏河镇路面塌陷", "area": "liuhe"})
    assert other.json_body["verifier_unit"] == "duty-room"  # a town without its own duty room: as before
    decided = api("shaxi-duty").post(f"/leads/{lead.json_body['id']}/verify", {"outcome": "false"})
    assert decided.status_code == 200, decided.json_body


def test_the_town_duty_officer_keeps_out_of_the_citys_books_and_roster(api):
    from datetime import timedelta

    from dutyroom.accounts.models import User
    from dutyroom.common.clock import now as clock_now
    from dutyroom.common.errors import DomainError
    from dutyroom.duty.services import ShiftInput, shifts_save

    town = api("shaxi-duty")
    assert api("duty-officer").post("/handovers", {"note": "市值班室交班"}).status_code == 201
    assert town.post("/handovers", {"note": "镇值班室交班"}).status_code == 201  # into the town's own book
    assert [h["note"] for h in town.get("/handovers").json_body] == ["镇值班室交班"]
    assert [h["note"] for h in api("duty-officer").get("/handovers").json_body] == ["市值班室交班"]
    now = clock_now()
    shift = ShiftInput(
        starts_at=now, ends_at=now + timedelta(hours=24), duty_officer="shaxi-duty", duty_leader="duty-leader"
    )
    with pytest.raises(DomainError):  # a town's officer is no officer of the city's roster
        shifts_save(actor=User.objects.get(username="admin"), shifts=[shift], now=now)
    with pytest.raises(DomainError):  # nor does the town's officer roster the city
        shifts_save(
            actor=User.objects.get(username="shaxi-duty"),
            shifts=[
                ShiftInput(
                    starts_at=now,
                    ends_at=now + timedelta(hours=24),
                    duty_officer="duty-officer",
                    duty_leader="duty-leader",
                )
            ],
            now=now,
        )


def test_the_demo_loads_shaxis_levels_once(city):
    from datetime import UTC, datetime

    from dutyroom.demo import levels_load
    from dutyroom.orgs.models import Unit, UnitRules

    assert levels_load(datetime.now(UTC)) == (0, 0)
    assert Unit.objects.get(code="shaxi").duty_room
    assert Unit.objects.filter(parent__code="shaxi", kind__in=["village", "community"]).count() >= 3
    assert Unit.objects.filter(parent__code="shaxi", kind="enterprise").count() >= 1
    assert [r.within_minutes for r in UnitRules.objects.filter(unit__code="shaxi")] == [{"general.first": 20}]
    assert not Unit.objects.filter(duty_room=True).exclude(code="shaxi").exists()  # other towns as before


def test_the_towns_duty_officer_finds_a_task_set_for_the_town_in_its_list_and_answers_it(api):
    """A leader's 督办 names 沙溪: the town's duty room reports upward for it, so its officer's list holds the task
    (it could answer it through the incident, but the list said nothing)."""
    body = village_incident(api, 5)
    due = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    given = api("duty-officer").post(
        f"/incidents/{body['id']}/instructions",
        {"leader": "王市长", "text": "请沙溪镇核实伤亡情况", "units": ["shaxi"], "due_at": due},
    )
    assert given.status_code == 201, given.json_body
    task = given.json_body["tasks"][0]["id"]
    listed = api("shaxi-duty").get("/instruction-tasks")
    assert [t["id"] for t in listed.json_body] == [task]
    answered = api("shaxi-duty").post(f"/instruction-tasks/{task}/feedback", {"text": "已核实，无人员伤亡"})
    assert answered.status_code == 200 and answered.json_body["state"] == "met", answered.json_body
    # a village under the town was not tasked: its list stays empty
    assert api("shaxi-tusong-reporter").get("/instruction-tasks").json_body == []
