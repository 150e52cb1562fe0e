"""The assessment API (api.md, Assessment and its additions): findings, appeal, decision, adoptions, the table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from dutyroom.accounts.models import User
from dutyroom.audit.models import AuditEntry
from dutyroom.common.clock import now as clock_now
from dutyroom.common.timefmt import LOCAL
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.notifications.models import OutboxEvent

pytestmark = pytest.mark.django_db
Api = Callable[[str | None], Any]


def make_incident(unit: str = "shaxi", **extra: Any) -> int:
    now = clock_now()
    made = incident_create(
        actor=User.objects.get(username=f"{unit}-reporter"),
        now=now,
        data=IncidentInput(
            title="沙溪镇仓库火灾",
            category="accident",
            subtype="fire",
            grade="IV",
            occurred_at=now - timedelta(hours=3),
            **extra,
        ),
    )  # its first-report clock has passed: 漏报 may be raised
    return made.pk


def raise_one(api: Api, incident: int, **extra: Any) -> Any:
    body = {"incident": incident, "unit": "shaxi", "kind": "omitted", "evidence": "群众先于单位报告", **extra}
    return api("assessor").post("/findings", body)


def test_the_assessor_raises_a_finding_and_the_unit_is_told(api: Api) -> None:
    incident = make_incident()
    response = raise_one(api, incident)
    assert response.status_code == 201, response.json_body
    body = response.json_body
    assert (body["state"], body["unit"], body["kind"], body["appeal_open"]) == ("open", "shaxi", "omitted", True)
    assert body["appeal_due_at"].endswith("T00:00:00+08:00")  # the window closes at local midnight
    assert OutboxEvent.objects.filter(topic="finding", unit__code="shaxi").count() == 1
    assert AuditEntry.objects.filter(action="finding.raise", incident_id=incident).count() == 1


def test_raising_needs_the_duty_room_or_the_assessor_and_valid_fields(api: Api) -> None:
    incident = make_incident()
    assert raise_one(api, incident).status_code == 201
    assert (
        api("shaxi-leader")
        .post("/findings", {"incident": incident, "unit": "shaxi", "kind": "omitted", "evidence": "x"})
        .status_code
        == 403
    )
    bad = api("duty-officer").post(
        "/findings", {"incident": incident, "unit": "nowhere", "kind": "tardy", "evidence": ""}
    )
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json_body["errors"]} == {"kind"}
    bad = api("duty-officer").post(
        "/findings", {"incident": incident, "unit": "nowhere", "kind": "false", "evidence": " "}
    )
    assert {e["field"] for e in bad.json_body["errors"]} == {"unit", "evidence"}


def test_a_drill_cannot_be_held_against_a_unit(api: Api) -> None:
    assert raise_one(api, make_incident(exercise=True)).status_code == 409


def test_appeal_then_decision_and_every_step_is_on_the_incident_history(api: Api) -> None:
    incident = make_incident()
    finding = raise_one(api, incident).json_body["id"]
    assert api("liuhe-leader").post(f"/findings/{finding}/appeal", {"text": "x"}).status_code == 404  # not theirs
    assert (
        api("assessor").post(f"/findings/{finding}/decision", {"upheld": True, "reason": "查实"}).status_code == 409
    )  # window still open
    appealed = api("shaxi-leader").post(f"/findings/{finding}/appeal", {"text": "已按时报告，附通话记录"})
    assert appealed.status_code == 200 and appealed.json_body["state"] == "appealed"
    assert api("shaxi-reporter").post(f"/findings/{finding}/appeal", {"text": "再次申诉"}).status_code == 409
    assert (
        api("duty-officer").post(f"/findings/{finding}/decision", {"upheld": True, "reason": "x"}).status_code == 403
    )  # the assessor decides
    decided = api("assessor").post(f"/findings/{finding}/decision", {"upheld": False, "reason": "申诉属实"})
    assert decided.status_code == 200
    assert decided.json_body["state"] == "rejected" and decided.json_body["decision"]["reason"] == "申诉属实"
    assert api("assessor").post(f"/findings/{finding}/decision", {"upheld": True, "reason": "改判"}).status_code == 409
    actions = list(
        AuditEntry.objects.filter(incident_id=incident, object_type="finding")
        .values_list("action", flat=True)
        .order_by("seq")
    )
    assert actions == ["finding.raise", "finding.appeal", "finding.decide"]


def test_an_appeal_after_the_window_is_refused_and_then_the_assessor_may_decide(api: Api) -> None:
    finding = raise_one(api, make_incident()).json_body["id"]
    with time_machine.travel(clock_now() + timedelta(days=15)):
        assert api("shaxi-leader").post(f"/findings/{finding}/appeal", {"text": "迟到的申诉"}).status_code == 409
        decided = api("assessor").post(f"/findings/{finding}/decision", {"upheld": True, "reason": "逾期未申诉"})
        assert decided.status_code == 200 and decided.json_body["state"] == "upheld"


def test_a_unit_sees_only_its_own_findings_and_its_own_row(api: Api) -> None:
    raise_one(api, make_incident())
    raise_one(api, make_incident("liuhe"), unit="liuhe")
    assert {f["unit"] for f in api("assessor").get("/findings").json_body} == {"shaxi", "liuhe"}
    assert {f["unit"] for f in api("shaxi-reporter").get("/findings").json_body} == {"shaxi"}
    assert api("shaxi-reporter").get("/findings?state=open&unit=shaxi").status_code == 200
    period = clock_now().astimezone(LOCAL).strftime("%Y-%m")
    rows = api("shaxi-reporter").get(f"/assessment?period={period}").json_body
    assert [row["unit"] for row in rows] == ["shaxi"] and rows[0]["rank"] >= 1
    assert len(api("assessor").get(f"/assessment?period={period}").json_body) == 20  # 12 territorial + 8 departments


def test_adoptions_add_points_once_per_level(api: Api) -> None:
    incident = make_incident()
    body = {"incident": incident, "unit": "shaxi", "by": "state_council", "note": "国务院办公厅采用"}
    assert api("duty-officer").post("/adoptions", body).status_code == 201
    assert api("duty-officer").post("/adoptions", body).status_code == 409
    assert api("shaxi-leader").post("/adoptions", {**body, "by": "suzhou"}).status_code == 403
    period = clock_now().astimezone(LOCAL).strftime("%Y")
    row = next(r for r in api("assessor").get(f"/assessment?period={period}").json_body if r["unit"] == "shaxi")
    assert row["adopted"] == 1
    assert sum(p["delta"] for p in row["points"]) == row["score"]
    assert any(
        p["delta"] == 5 and p["incident"] == incident and p["rule"].endswith("/adopted_state_council")
        for p in row["points"]
    )


@pytest.mark.parametrize("period", ["2026-13", "2026-Q0", "nov", ""])
def test_a_bad_period_is_a_400_naming_the_field(api: Api, period: str) -> None:
    response = api("assessor").get(f"/assessment?period={period}")
    assert response.status_code == 400
    assert response.json_body["errors"][0]["field"] == "period"


@pytest.mark.parametrize("period", ["2026-11", "2026-Q4", "2026"])
def test_months_quarters_and_years_answer_with_every_contract_field(api: Api, period: str) -> None:
    rows = api("assessor").get(f"/assessment?period={period}").json_body
    row = rows[0]
    for key in (
        "unit",
        "score",
        "grade",
        "rank",
        "group",
        "first_reports",
        "verification_replies",
        "followups_missing",
        "finals_missing",
        "findings",
        "adopted",
        "points",
    ):
        assert key in row
    assert set(row["findings"]) >= {"late", "omitted", "false", "concealed"}
    assert {r["group"] for r in rows} == {"territorial", "department"}


def test_the_idempotency_key_makes_a_retried_finding_one_finding(api: Api) -> None:
    incident = make_incident()
    client = api("assessor")
    body = {"incident": incident, "unit": "shaxi", "kind": "false", "evidence": "数字不实"}
    first = client.post("/findings", body, headers={"Idempotency-Key": "k1"})
    again = client.post("/findings", body, headers={"Idempotency-Key": "k1"})
    assert first.json_body["id"] == again.json_body["id"]
    assert len(client.get("/findings").json_body) == 1


def test_the_worker_job_proposes_a_forbidden_channel_finding_once(api: Api) -> None:
    from dutyroom.assessment import jobs
    from dutyroom.assessment.models import Finding
    from dutyroom.worker.jobs import jobs_run

    jobs._cursor["report_id"] = 0  # ids restart in each test's database; in service they only grow
    incident = make_incident(sensitive=True)
    filed = api("shaxi-reporter").post(
        f"/incidents/{incident}/reports", {"kind": "written", "channel": "wechat", "summary": "现场处置中"}
    )
    assert filed.status_code == 201 and filed.json_body["forbidden_channel"] is True
    jobs_run(clock_now())
    jobs_run(clock_now())
    finding = Finding.objects.get()
    assert (finding.kind, finding.unit.code, finding.state, finding.report_id) == (
        "forbidden_channel",
        "shaxi",
        "open",
        filed.json_body["id"],
    )
    assert OutboxEvent.objects.filter(topic="finding", unit__code="shaxi").count() == 1
    plain = make_incident()
    api("shaxi-reporter").post(
        f"/incidents/{plain}/reports", {"kind": "written", "channel": "wechat", "summary": "一般事件"}
    )
    jobs_run(clock_now())
    assert Finding.objects.count() == 1  # WeChat for an ordinary incident is no violation (notice §五)
