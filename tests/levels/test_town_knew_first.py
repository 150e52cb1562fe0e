"""Who knew first at the town level (分级管理): a duty room that learned of an incident before a unit owing it a
report holds a candidate against that unit, at every level of the chain. Both engines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.common.timefmt import iso_local
from dutyroom.leads.knew_first import evidence_from_town_reports
from dutyroom.leads.models import LeadEvidence
from tests.api.test_incidents import written
from tests.levels.test_chain import VILLAGE, village_incident

pytestmark = pytest.mark.django_db


def candidates(incident: int) -> set[tuple[str, str, str, bool]]:
    """(unit, duty room it owed, kind, from a lead) of every candidate on the incident."""
    return {
        (e.unit.code, e.room or "duty-room", e.kind, e.lead_id is not None)
        for e in LeadEvidence.objects.filter(incident_id=incident).select_related("unit")
    }


def page(user: str, path: str) -> str:
    client = Client()
    client.force_login(User.objects.get(username=user))
    response = client.get(path)
    assert response.status_code == 200, (user, path, response.status_code)
    return response.content.decode()


def lead_to_city(api, title: str = "涂松村河边有人落水"):  # type: ignore[no-untyped-def]
    lead = api("duty-officer").post(
        "/leads",
        {
            "channel": "media",
            "title": title,
            "area": VILLAGE,
            "occurred_at": iso_local(clock_now() - timedelta(minutes=5)),
        },
    )
    assert lead.status_code == 201, lead.json_body
    return lead.json_body


def test_a_lead_the_town_verified_makes_its_silent_village_a_candidate_in_the_towns_assessment(api) -> None:  # type: ignore[no-untyped-def]
    lead = api("grid-shaxi").post("/leads", {"channel": "grid", "title": "涂松村河道有人落水", "area": "shaxi"})
    assert lead.status_code == 201 and lead.json_body["verifier_unit"] == "shaxi"
    verified = api("shaxi-duty").post(
        f"/leads/{lead.json_body['id']}/verify",
        {"outcome": "confirmed", "category": "accident", "unit": VILLAGE, "reason": "镇值班室电话核实属实"},
    )
    assert verified.status_code == 200, verified.json_body
    incident = verified.json_body["incident"]
    # the town learned first: its village is its candidate; the city learned nothing first, so no city candidate
    assert candidates(incident) == {(VILLAGE, "shaxi", "omitted", True)}
    town_findings = page("shaxi-duty", "/findings/")
    assert 'id="evidence-candidates"' in town_findings and f"unit={VILLAGE}" in town_findings
    assert 'id="evidence-candidates"' not in page("duty-officer", "/findings/")
    assert "沙溪镇值班室于" in page("shaxi-duty", f"/leads/{lead.json_body['id']}/")  # not "the city learned"
    # the board's 线索在先 label holds at both levels
    assert "线索在先" in page("shaxi-duty", "/") and "线索在先" in page("duty-officer", "/")


def test_a_lead_the_city_verified_first_makes_both_the_village_and_the_town_candidates_each_at_its_level(
    api,  # type: ignore[no-untyped-def]
) -> None:
    lead = lead_to_city(api)
    verified = api("duty-officer").post(
        f"/leads/{lead['id']}/verify", {"outcome": "confirmed", "category": "accident", "unit": VILLAGE}
    )
    assert verified.status_code == 200, verified.json_body
    incident = verified.json_body["incident"]
    assert candidates(incident) == {(VILLAGE, "shaxi", "omitted", True), ("shaxi", "duty-room", "omitted", True)}
    assert f"unit={VILLAGE}" in page("shaxi-duty", "/findings/")
    city = page("duty-officer", "/findings/")
    assert "unit=shaxi&" in city.replace("&amp;", "&") and f"unit={VILLAGE}" not in city
    # the incident page tags each level's own clock with the lead that came first
    assert page("duty-officer", f"/incidents/{incident}/").count(f"线索 #{lead['id']} 在先") == 2


def test_a_town_that_knew_from_its_village_but_did_not_pass_on_is_the_citys_candidate(api) -> None:  # type: ignore[no-untyped-def]
    body = village_incident(api, 3, report=written())
    lead = lead_to_city(api, "涂松村小船翻覆")
    joined = api("duty-officer").post(f"/leads/{lead['id']}/verify", {"outcome": "confirmed", "incident": body["id"]})
    assert joined.status_code == 200, joined.json_body
    # the village told its town before the lead; the town had not told the city
    assert candidates(body["id"]) == {("shaxi", "duty-room", "omitted", True)}


def test_a_town_reporting_before_its_village_makes_the_village_its_candidate_once(api) -> None:  # type: ignore[no-untyped-def]
    body = village_incident(api, 30)
    assert (
        api("shaxi-duty").post(f"/incidents/{body['id']}/reports", written(summary="镇值班室先行报告")).status_code
        == 201
    )
    assert evidence_from_town_reports(now=clock_now()) == 1
    assert evidence_from_town_reports(now=clock_now()) == 0  # idempotent: any number of workers
    assert candidates(body["id"]) == {(VILLAGE, "shaxi", "omitted", False)}
    town = page("shaxi-duty", "/findings/")
    assert "本级先行报告" in town and "线索在先" not in page("shaxi-duty", "/")  # no lead: no 线索在先 label
    evidence = LeadEvidence.objects.get(incident_id=body["id"])
    form = page(
        "shaxi-duty", f"/findings/new/?incident={body['id']}&unit={VILLAGE}&evidence={evidence.pk}&kind=omitted"
    )
    assert "先于该单位向上级报告了此事件" in form and "单位当时尚未报告" in form
    raised = api("shaxi-duty").post(
        "/findings", {"incident": body["id"], "unit": VILLAGE, "kind": "omitted", "evidence": "镇先于村报告，村未报"}
    )
    assert raised.status_code == 201, raised.json_body
    assert raised.json_body["assessed_by"] == "shaxi"
    evidence.refresh_from_db()
    assert evidence.state == "raised"


def test_a_village_that_reported_before_its_town_is_no_candidate(api) -> None:  # type: ignore[no-untyped-def]
    body = village_incident(api, 3, report=written())
    api("shaxi-duty").post(f"/incidents/{body['id']}/reports", written(summary="镇值班室转报"))
    assert evidence_from_town_reports(now=clock_now()) == 0
    assert candidates(body["id"]) == set()


def test_a_town_confirms_a_lead_as_an_incident_of_its_own_area_only(api) -> None:  # type: ignore[no-untyped-def]
    """The leads list's one-press 确认属实 is a town's too, and the incident it opens belongs to the town's area:
    naming a unit of another town is refused with the field named, and nothing is filed."""
    lead = api("grid-shaxi").post("/leads", {"channel": "grid", "title": "泥桥村仓库冒烟", "area": "shaxi"})
    assert lead.status_code == 201
    lead_id = lead.json_body["id"]
    listed = page("shaxi-duty", "/leads/")
    assert f"/leads/{lead_id}/confirm-new/" in listed
    form = page("shaxi-duty", f"/leads/{lead_id}/confirm-new/")
    assert 'value="shaxi-niqiao"' in form and 'value="liuhe"' not in form
    refused = api("shaxi-duty").post(
        f"/leads/{lead_id}/verify",
        {"outcome": "confirmed", "category": "accident", "unit": "liuhe", "reason": "镇值班室电话核实属实"},
    )
    assert refused.status_code == 400 and "unit" in str(refused.json_body), refused.json_body
    confirmed = api("shaxi-duty").post(
        f"/leads/{lead_id}/verify",
        {"outcome": "confirmed", "category": "accident", "unit": "shaxi-niqiao", "reason": "镇值班室电话核实属实"},
    )
    assert confirmed.status_code == 200, confirmed.json_body
    assert confirmed.json_body["incident"] is not None
