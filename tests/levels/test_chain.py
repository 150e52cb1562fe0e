"""分级管理 end to end through the API: a village reports to its town's duty room, the town to the city.

沙溪 (demo) runs its own duty room and holds its units to 20 minutes for a first report; the city's rulebook
gives the town 45 minutes from occurrence. Runs on SQLite and on PostgreSQL (``DATABASE_URL``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dutyroom.accounts.models import Role
from dutyroom.accounts.services import user_add
from dutyroom.orgs.models import Unit
from tests.api.test_incidents import ago, incident_body, written

pytestmark = pytest.mark.django_db

VILLAGE = "shaxi-tusong"


def village_incident(api, minutes_ago: float, **extra):  # type: ignore[no-untyped-def]
    body = incident_body(
        title="涂松村河道小船翻覆",
        subtype="water_traffic",
        occurred_at=ago(minutes_ago),
        location={"area": VILLAGE, "address": "涂松村"},
        **extra,
    )
    response = api(f"{VILLAGE}-reporter").post("/incidents", body)
    assert response.status_code == 201, response.json_body
    return response.json_body


def first_reports(body: dict) -> dict[str, dict]:
    return {o["unit"]: o for o in body["obligations"] if o["kind"] == "first_report"}


def occurred(body: dict) -> datetime:
    return datetime.fromisoformat(body["occurred_at"])


def test_a_village_owes_its_town_in_20_minutes_and_the_town_owes_the_city_in_45(api):
    body = village_incident(api, 5)
    clocks = first_reports(body)
    assert set(clocks) == {VILLAGE, "shaxi"}
    assert clocks[VILLAGE]["owed_to"] == "shaxi"
    assert datetime.fromisoformat(clocks[VILLAGE]["due_at"]) - occurred(body) == timedelta(minutes=20)
    assert clocks["shaxi"]["owed_to"] == "duty-room"
    assert datetime.fromisoformat(clocks["shaxi"]["due_at"]) - occurred(body) == timedelta(minutes=45)


def test_a_village_late_leaves_the_town_owing_the_city_by_occurrence_plus_45(api):
    body = village_incident(api, 30)
    late = api(f"{VILLAGE}-reporter").post(f"/incidents/{body['id']}/reports", written())
    assert late.status_code == 201
    after = first_reports(api("duty-officer").get(f"/incidents/{body['id']}").json_body)
    assert after[VILLAGE]["state"] == "late"
    assert after["shaxi"]["state"] == "pending"  # the village's late report does not meet the town's clock
    assert datetime.fromisoformat(after["shaxi"]["due_at"]) - occurred(body) == timedelta(minutes=45)
    passed_on = api("shaxi-duty").post(f"/incidents/{body['id']}/reports", written(summary="镇值班室转报：小船翻覆"))
    assert passed_on.status_code == 201, passed_on.json_body
    final = first_reports(api("duty-officer").get(f"/incidents/{body['id']}").json_body)
    assert final["shaxi"]["state"] == "met" and final[VILLAGE]["state"] == "late"


def test_a_town_reporting_first_meets_its_own_clock_while_the_village_still_owes_the_town(api):
    body = village_incident(api, 3)
    town = api("shaxi-reporter").post(f"/incidents/{body['id']}/reports", written(summary="镇里已先行报告"))
    assert town.status_code == 201
    after = first_reports(api("shaxi-duty").get(f"/incidents/{body['id']}").json_body)
    assert after["shaxi"]["state"] == "met"
    assert after[VILLAGE]["state"] == "pending" and after[VILLAGE]["owed_to"] == "shaxi"


def test_receipts_are_confirmed_by_the_duty_room_the_report_went_to(api):
    body = village_incident(api, 3, report=written())
    village_report = body["reports"][0]["id"]
    receipts = [o for o in body["obligations"] if o["kind"] == "receipt"]
    assert [(o["unit"], o["owed_to"]) for o in receipts] == [("shaxi", "shaxi")]
    assert api("duty-officer").post(f"/reports/{village_report}/receipt").status_code == 403
    assert api(f"{VILLAGE}-reporter").post(f"/reports/{village_report}/receipt").status_code == 403
    assert api("shaxi-duty").post(f"/reports/{village_report}/receipt").status_code == 200

    town_report = api("shaxi-reporter").post(f"/incidents/{body['id']}/reports", written()).json_body["id"]
    assert api("shaxi-duty").post(f"/reports/{town_report}/receipt").status_code == 403
    assert api("duty-officer").post(f"/reports/{town_report}/receipt").status_code == 200
    clocks = api("duty-officer").get(f"/incidents/{body['id']}").json_body["obligations"]
    assert sorted((o["owed_to"], o["state"]) for o in clocks if o["kind"] == "receipt") == [
        ("duty-room", "met"),
        ("shaxi", "met"),
    ]


def test_a_village_sees_neither_another_villages_incident_nor_does_a_town_see_another_towns(api):
    chengxiang = Unit.objects.get(code="chengxiang")
    chengxiang.duty_room = True
    chengxiang.save()
    user_add(
        username="chengxiang-duty",
        role=Role.DUTY_OFFICER,
        unit_code="chengxiang",
        password=None,
        now=datetime.now().astimezone(),
    )
    body = village_incident(api, 3)
    path = f"/incidents/{body['id']}"
    assert api("shaxi-niqiao-reporter").get(path).status_code == 404
    assert api("chengxiang-duty").get(path).status_code == 404
    assert api("shaxi-duty").get(path).status_code == 200
    assert api("duty-officer").get(path).status_code == 200
    assert body["id"] not in [i["id"] for i in api("shaxi-niqiao-reporter").get("/incidents").json_body]
    assert body["id"] in [i["id"] for i in api("shaxi-duty").get("/incidents").json_body]
    # a town duty officer acts for the town, not the city: the city's own actions stay the city's
    assert api("shaxi-duty").patch(path, {"grade": "III"}).status_code == 403


def test_units_below_a_town_are_listed_with_where_they_report(api):
    listed = api("shaxi-duty").get("/units?parent=shaxi").json_body
    kinds = {u["code"]: u["kind"] for u in listed}
    assert {"shaxi-tusong", "shaxi-niqiao", "shaxi-yinxi", "shaxi-chem"} <= set(kinds)
    assert kinds["shaxi-chem"] == "enterprise"
    assert {u["reports_to"] for u in listed} == {"shaxi"}
    town = next(u for u in api("duty-officer").get("/units?kind=town").json_body if u["code"] == "shaxi")
    assert town["duty_room"] is True and town["reports_to"] == "duty-room" and town["parent"] == "duty-room"
    assert {u["code"] for u in api("liuhe-reporter").get("/units?parent=shaxi").json_body} == set()
    assert api("duty-officer").get("/units?kind=castle").status_code == 400


def test_units_are_added_by_the_admin_or_the_duty_room_of_the_parent_with_an_audit_entry(api):
    from dutyroom.audit.models import AuditEntry

    new = {"code": "shaxi-zhitang", "name": "直塘村村民委员会", "kind": "village", "parent": "shaxi"}
    assert api("shaxi-reporter").post("/units", new).status_code == 403
    assert api("liuhe-leader").post("/units", new).status_code == 403
    created = api("shaxi-duty").post("/units", new)
    assert created.status_code == 201, created.json_body
    assert created.json_body["reports_to"] == "shaxi" and created.json_body["duty_room"] is False
    assert AuditEntry.objects.filter(action="unit.create", unit_code="shaxi-zhitang").count() == 1
    again = api("admin").post("/units", new)
    assert again.status_code == 400 and again.json_body["errors"][0]["field"] == "code"
    other = api("shaxi-duty").post("/units", {**new, "code": "liuhe-x", "parent": "liuhe"})
    assert other.status_code == 403  # 沙溪's duty room manages only its own subtree
    assert api("admin").post("/units", {**new, "code": "liuhe-x", "parent": "liuhe"}).status_code == 201


def test_rules_show_who_set_each_limit_and_refuse_loosening_naming_the_key_and_the_limit(api):
    shown = api("shaxi-duty").get("/units/shaxi/rules").json_body["within_minutes"]
    assert shown["general.first"] == {"value": 20, "set_by": "shaxi"}
    assert shown["major.phone"]["value"] == 15 and shown["major.phone"]["set_by"].startswith("taicang-2017")
    looser = api("shaxi-duty").call("put", "/units/shaxi/rules", {"within_minutes": {"general.first": 50}})
    assert looser.status_code == 400
    error = looser.json_body["errors"][0]
    assert error["field"] == "within_minutes.general.first" and "45" in error["message"]
    village = api("admin").call("put", f"/units/{VILLAGE}/rules", {"within_minutes": {"general.first": 25}})
    assert village.status_code == 400 and "20" in village.json_body["errors"][0]["message"]
    assert (
        api("shaxi-reporter").call("put", "/units/shaxi/rules", {"within_minutes": {"general.first": 15}}).status_code
        == 403
    )
    tighter = api("shaxi-duty").call("put", "/units/shaxi/rules", {"within_minutes": {"general.first": 15}})
    assert tighter.status_code == 200 and tighter.json_body["within_minutes"]["general.first"]["value"] == 15


def test_a_change_of_the_towns_rules_never_moves_a_running_clock(api):
    before = village_incident(api, 2)
    due_before = first_reports(before)[VILLAGE]["due_at"]
    assert (
        api("shaxi-duty").call("put", "/units/shaxi/rules", {"within_minutes": {"general.first": 10}}).status_code
        == 200
    )
    api("duty-officer").patch(f"/incidents/{before['id']}", {"occurred_at": ago(3)})  # a re-plan keeps its rules
    kept = first_reports(api("duty-officer").get(f"/incidents/{before['id']}").json_body)[VILLAGE]
    assert datetime.fromisoformat(kept["due_at"]) - datetime.fromisoformat(kept["anchor_at"]) == timedelta(minutes=20)
    assert due_before != kept["due_at"]  # moved with the corrected occurrence, by the same 20 minutes
    after = first_reports(village_incident(api, 1))[VILLAGE]
    assert datetime.fromisoformat(after["due_at"]) - datetime.fromisoformat(after["anchor_at"]) == timedelta(minutes=10)


def test_a_town_without_its_own_duty_room_reports_to_the_city_as_before(api):
    body = api("liuhe-reporter").post("/incidents", incident_body(location={"area": "liuhe"})).json_body
    clocks = body["obligations"]
    assert [(o["unit"], o["owed_to"]) for o in clocks] == [("liuhe", "duty-room")]
    assert datetime.fromisoformat(clocks[0]["due_at"]) - occurred(body) == timedelta(minutes=45)
