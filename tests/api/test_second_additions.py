"""Categories, incident search and the receipt rule (docs/api.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from tests.api.test_incidents import incident_body, written

pytestmark = pytest.mark.django_db


def test_categories_name_each_subtype_in_both_languages(api) -> None:
    answer = api("grid-shaxi").get("/categories")
    assert answer.status_code == 200 and answer["X-Total-Count"] == "4"
    by_code = {c["code"]: c for c in answer.json_body}
    assert set(by_code) == {"natural", "accident", "public_health", "social_security"}
    accident = by_code["accident"]
    assert accident["name"] == "事故灾难" and accident["name_en"]
    fire = next(s for s in accident["subtypes"] if s["code"] == "fire")
    assert fire == {"code": "fire", "name": "火灾", "name_en": "Fire"}
    for category in by_code.values():
        for subtype in category["subtypes"]:
            assert subtype["name_en"] != subtype["name"], subtype  # every subtype has an English name
    assert api(None).get("/categories").status_code == 401


def test_the_chinese_name_of_a_subtype_is_taken_for_its_code(api) -> None:
    created = api("shaxi-reporter").post("/incidents", incident_body(subtype="火灾"))
    assert created.status_code == 201, created.json_body
    assert created.json_body["subtype"] == "fire"
    patched = api("duty-officer").patch(
        f"/incidents/{created.json_body['id']}", {"subtype": "危险化学品事故", "reason": "现场核实"}
    )
    assert patched.status_code == 200, patched.json_body
    assert patched.json_body["subtype"] == "hazardous_chemicals"


def test_a_subtype_of_another_category_is_refused_by_name_too(api) -> None:
    refused = api("shaxi-reporter").post("/incidents", incident_body(subtype="地震灾害"))
    assert refused.status_code == 400
    assert "subtype" in {e["field"] for e in refused.json_body["errors"]}


def at(hours_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat()


def test_incident_search_by_text_category_grade_period_and_state(api) -> None:
    shaxi = api("shaxi-reporter")
    fire = shaxi.post(
        "/incidents",
        incident_body(title="沙溪镇厂房火灾", occurred_at=at(30), report=written(summary="仓库内堆放的纸箱起火")),
    ).json_body
    gas = shaxi.post(
        "/incidents",
        incident_body(
            title="沙溪镇燃气泄漏",
            subtype="production_safety",
            grade="III",
            occurred_at=at(2),
            location={"area": "shaxi", "address": "沙溪镇长江路8号"},
        ),
    ).json_body
    officer = api("duty-officer")
    officer.post(f"/incidents/{fire['id']}/handled")

    def ids(query: str) -> list[int]:
        answer = officer.get(f"/incidents?{query}")
        assert answer.status_code == 200, answer.json_body
        return [i["id"] for i in answer.json_body]

    assert ids(f"q={quote('纸箱')}") == [fire["id"]]  # a report's summary
    assert ids(f"q={quote('长江路')}") == [gas["id"]]  # the address
    assert ids(f"q={quote('燃气')}") == [gas["id"]]  # the title
    assert ids("grade=III") == [gas["id"]]
    assert ids("category=accident") == [gas["id"], fire["id"]]
    assert ids(f"from={quote(at(5))}") == [gas["id"]]
    assert ids(f"to={quote(at(5))}") == [fire["id"]]
    assert ids("state=handled") == [fire["id"]]
    assert ids("state=all") == ids("") == [gas["id"], fire["id"]]
    assert ids("state=open") == [gas["id"]]
    for bad in ("state=gone", "grade=V", "category=weather", "from=yesterday"):
        answer = officer.get(f"/incidents?{bad}")
        assert answer.status_code == 400
        assert bad.split("=")[0] in {e["field"] for e in answer.json_body["errors"]}


def test_closed_incidents_are_found_too(api) -> None:
    from dutyroom.incidents.models import Incident

    created = api("shaxi-reporter").post("/incidents", incident_body(title="已结案的火灾")).json_body
    Incident.objects.filter(pk=created["id"]).update(state="closed")
    officer = api("duty-officer")
    found = officer.get(f"/incidents?q={quote('已结案')}").json_body
    assert [i["id"] for i in found] == [created["id"]] and found[0]["state"] == "closed"
    assert [i["id"] for i in officer.get("/incidents?state=closed").json_body] == [created["id"]]


def test_a_search_never_finds_a_work_secret_incident_for_someone_who_may_not_read_it(api) -> None:
    api("shaxi-reporter").post("/incidents", incident_body(title="保密厂区爆燃", classification="work_secret"))
    assert [i["title"] for i in api("duty-officer").get(f"/incidents?q={quote('保密')}").json_body] == ["保密厂区爆燃"]
    assert api("assessor").get(f"/incidents?q={quote('保密')}").json_body == []
    assert api("liuhe-reporter").get(f"/incidents?q={quote('保密')}").json_body == []


def test_a_receipt_clock_cannot_be_chased(api) -> None:
    created = api("shaxi-reporter").post("/incidents", incident_body(report=written())).json_body
    receipt = next(o for o in created["obligations"] if o["kind"] == "receipt")
    answer = api("duty-officer").post(f"/obligations/{receipt['id']}/chase")
    assert answer.status_code == 409
    assert api("duty-officer").get(f"/chases?obligation={receipt['id']}").json_body == []
