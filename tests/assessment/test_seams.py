"""Where the assessment met the rest of the product and contradicted itself: a forbidden channel earning on-time
credit, a missing report that still reads 优秀, commendation and criticism naming one unit, findings raised
before their clock was due or against a unit the incident does not concern."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine

from dutyroom.accounts.models import User
from dutyroom.assessment.access import assessed_units
from dutyroom.assessment.notice import notice_content
from dutyroom.assessment.scores import assessment_for
from dutyroom.assessment.services import AdoptionInput, adoption_record
from dutyroom.common.clock import now as clock_now
from dutyroom.common.timefmt import LOCAL
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.models import Unit
from dutyroom.rules.periods import parse_period
from tests.assessment.conftest import incident, who

pytestmark = pytest.mark.django_db
Api = Callable[[str | None], Any]
NOV = parse_period("2026-11")


def n(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=LOCAL)


def rows(now: datetime, with_points: bool = False) -> dict[str, Any]:
    return {r.unit.code: r for r in assessment_for(NOV, assessed_units(), now, with_points=with_points).rows}


@pytest.fixture
def november(city: None) -> dict[str, Any]:
    """shaxi reports a sensitive incident in time but over WeChat; liuhe is adopted by the State Council for one
    incident and never reports a sensitive one; chengxiang reports in time over the platform."""
    wechat = incident("shaxi", "沙溪镇村民聚集", n(3), written_after=5, channel="wechat", sensitive=True, final=False)
    adopted = incident("liuhe", "浏河镇码头火灾", n(4), written_after=10)
    adoption_record(
        actor=who("assessor"), incident=adopted, now=n(5), data=AdoptionInput(unit="liuhe", by="state_council")
    )
    incident("chengxiang", "城厢镇厂房火灾", n(6), written_after=10)
    silent = incident("liuhe", "浏河镇群众聚集", n(20), sensitive=True)  # never reported
    clocks = Obligation.objects.filter(incident=silent, kind__in=["phone_report", "written_report", "first_report"])
    return {
        "wechat": wechat,
        "silent": silent,
        "first_due": min(c.due_at for c in clocks),
        "last_due": max(c.due_at for c in clocks),
    }


def test_a_report_over_a_forbidden_channel_earns_no_on_time_credit(november: dict[str, Any]) -> None:
    shaxi = rows(n(25))["shaxi"]
    assert shaxi.first_reports["on_time"] == 0
    assert shaxi.forbidden_channel_reports == 2  # the phone and written clocks of a sensitive incident
    assert shaxi.on_time_rate == 0
    notice = notice_content(
        assessment_for(NOV, assessed_units(), n(25), with_points=True), number="1", issuer="x", now=n(30)
    )
    assert not any(name.startswith("沙溪镇") for name in notice.commended)


def test_a_missing_first_report_costs_points_the_moment_it_is_overdue_and_is_never_excellent(
    november: dict[str, Any],
) -> None:
    before = rows(november["first_due"] - timedelta(minutes=1))["liuhe"]
    assert before.score == 105 and before.first_reports["missing"] == 0 and before.grade.label == "优秀"
    # no worker has run and no finding was raised: the clock's own due time is what counts
    after = rows(november["last_due"] + timedelta(minutes=1), with_points=True)["liuhe"]
    assert after.first_reports["missing"] == 2 and after.score == 103
    assert any(line.kind == "first_report_missing" for line in after.points)
    # a unit criticised for it is not rated 优秀 in the same period, whatever its score
    assert after.criticised and after.grade.label == "良好" and after.grade_withheld.label == "优秀"


def test_commendation_and_criticism_come_from_the_same_rows_and_never_name_one_unit(november: dict[str, Any]) -> None:
    table = assessment_for(NOV, assessed_units(), november["last_due"] + timedelta(minutes=1), with_points=True)
    notice = notice_content(table, number="1", issuer="x", now=n(30))
    criticised = {name.split("（")[0] for name, _facts in notice.criticised}
    liuhe, chengxiang = (Unit.objects.get(code=code).name for code in ("liuhe", "chengxiang"))
    assert liuhe in criticised
    assert not criticised & set(notice.commended)
    # the best-scoring unit that is neither criticised nor reported over WeChat is the one commended
    assert notice.commended == [chengxiang]
    cells = {row[1]: row for _title, group in notice.groups for row in group}
    assert cells[liuhe][0] == "1" and cells[liuhe][3] != "优秀"  # the table beside the lists agrees with them


def make_incident(unit: str = "shaxi", minutes_ago: int = 10) -> int:
    now = clock_now()
    made = incident_create(
        actor=User.objects.get(username=f"{unit}-reporter"),
        now=now,
        data=IncidentInput(
            title="沙溪镇仓库火灾",
            category="accident",
            subtype="fire",
            grade="IV",
            occurred_at=now - timedelta(minutes=minutes_ago),
        ),
    )
    return made.pk


@pytest.mark.parametrize("kind", ["late", "omitted"])
def test_a_late_or_omitted_finding_waits_for_the_clock_it_rests_on(api: Api, kind: str) -> None:
    incident_id = make_incident()
    due = Obligation.objects.filter(incident_id=incident_id, unit__code="shaxi").order_by("due_at").first().due_at
    body = {"incident": incident_id, "unit": "shaxi", "kind": kind, "evidence": "截至时限未见报告"}
    early = api("assessor").post("/findings", body)
    assert early.status_code == 409
    local = due.astimezone(LOCAL)
    assert f"该时限 {local.month}月{local.day}日 {local:%H:%M} 才到期" in early.json_body["detail"]
    assert datetime.fromisoformat(early.json_body["due_at"]) == due.replace(microsecond=0)
    assert not re.search(r"\d{4}-\d\d-\d\dT", early.json_body["detail"])  # words, not an ISO timestamp
    with time_machine.travel(due + timedelta(minutes=1)):
        raised = api("assessor").post("/findings", body)
    assert raised.status_code == 201, raised.json_body
    assert raised.json_body["kind"] == kind


def test_a_late_finding_upheld_does_not_cost_the_late_clock_twice(api: Api) -> None:
    incident_id = make_incident(minutes_ago=120)
    api("shaxi-reporter").post(f"/incidents/{incident_id}/reports", {"kind": "written", "summary": "迟到的首报"})
    period = clock_now().astimezone(LOCAL).strftime("%Y-%m")
    before = next(r for r in api("assessor").get(f"/assessment?period={period}").json_body if r["unit"] == "shaxi")
    finding = (
        api("assessor")
        .post("/findings", {"incident": incident_id, "unit": "shaxi", "kind": "late", "evidence": "首报超时"})
        .json_body["id"]
    )
    with time_machine.travel(clock_now() + timedelta(days=15)):
        assert (
            api("assessor").post(f"/findings/{finding}/decision", {"upheld": True, "reason": "查实"}).status_code == 200
        )
        after = next(r for r in api("assessor").get(f"/assessment?period={period}").json_body if r["unit"] == "shaxi")
    assert before["first_reports"]["late"] == 1
    late_lines = [p for p in after["points"] if "late" in p["kind"]]
    assert [p["kind"] for p in late_lines] == ["first_report_late"] and late_lines[0]["delta"] == -1


def test_findings_and_adoptions_are_refused_for_a_unit_the_incident_does_not_concern(api: Api) -> None:
    shaxis = make_incident(minutes_ago=180)
    adoption = api("duty-officer").post("/adoptions", {"incident": shaxis, "unit": "liuhe", "by": "state_council"})
    assert adoption.status_code == 400
    assert [e["field"] for e in adoption.json_body["errors"]] == ["unit"]
    finding = api("assessor").post("/findings", {"incident": shaxis, "unit": "liuhe", "kind": "false", "evidence": "x"})
    assert finding.status_code == 400 and [e["field"] for e in finding.json_body["errors"]] == ["unit"]
    # a unit that reported on it, even as information only (here by phone to the duty room), may be credited
    filed = api("duty-officer").post(
        f"/incidents/{shaxis}/reports", {"kind": "phone", "unit": "liuhe", "summary": "浏河镇来电：已派员协助处置"}
    )
    assert filed.status_code == 201, filed.json_body
    again = api("duty-officer").post("/adoptions", {"incident": shaxis, "unit": "liuhe", "by": "state_council"})
    assert again.status_code == 201, again.json_body
