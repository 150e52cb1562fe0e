"""The access matrix of the levels below the city: every API operation of the city's matrix
(tests/security/test_access_matrix.py, whose ``OPERATIONS`` this file reuses) × the new callers — 沙溪's duty
officer (a town running its own duty room) and 涂松村's reporter (a village under it) — × the city matrix's
targets plus a village's incident, each cell with an explicit expectation.

An operation of ``OPERATIONS`` without an entry in ``EXPECT`` fails the suite, so a new endpoint cannot ship
without saying what a town's duty room and a village get from it. The world is the city matrix's, built in the
demo city with 沙溪's own duty room (tests/levels/conftest.py), plus the village's incident. Each cell runs in
a savepoint that is rolled back, so every cell sees the same world.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from tests.security.test_access_matrix import OPERATIONS, World, _send, build_world

pytestmark = pytest.mark.django_db

CALLERS = ["shaxi-duty", "shaxi-tusong-reporter"]
TARGETS = ["own", "below", "other", "duty_room", "secret", "village"]


@pytest.fixture
def world(city: None) -> World:
    built = build_world()
    built.ids["village"] = _village(clock_now())
    return built


def _village(now: Any) -> dict[str, int]:
    """涂松村's incident, first reported by its reporter: its follow-up is owed to 沙溪, 沙溪 asks it to verify,
    and the city's leader tasks it."""
    from dutyroom.incidents.services import IncidentInput
    from dutyroom.instructions.services import InstructionInput, instruction_record
    from dutyroom.obligations.models import Obligation
    from dutyroom.reports.intake import incident_create_with_report
    from dutyroom.reports.services import ReportInput, VerificationInput, verification_request_create

    incident = incident_create_with_report(
        actor=User.objects.get(username="shaxi-tusong-reporter"),
        now=now,
        data=IncidentInput(
            title="矩阵 village", category="accident", occurred_at=now - timedelta(minutes=5), grade="IV"
        ),
        report=ReportInput(kind="written", summary="首报"),
    )
    request = verification_request_create(
        actor=User.objects.get(username="shaxi-duty"),
        now=now,
        data=VerificationInput(unit="shaxi-tusong", authority="city", question="核实 village", incident=incident),
    )
    running = Obligation.objects.get(incident=incident, unit=incident.unit, kind="followup")
    given = instruction_record(
        actor=User.objects.get(username="duty-officer"),
        incident=incident,
        now=now,
        data=InstructionInput(leader="市长", text="全力处置", due_at=now + timedelta(hours=2), units=["shaxi-tusong"]),
    )
    return {
        "incident": incident.pk,
        "report": incident.reports.get().pk,
        "obligation": running.pk,
        "request": request.pk,
        "task": given.tasks.get().pk,
    }


# who sees which target: 沙溪's duty room its whole area (its own incidents, work secrets included, the grid's
# and the village's), never another town's or the city duty room's own; the village reporter its village's only
VISIBLE: dict[str, set[str]] = {
    "shaxi-duty": {"own", "below", "secret", "village"},
    "shaxi-tusong-reporter": {"village"},
}

# A cell: one answer for every visible target (and for an operation without one), or one per visible target.
Cell = int | dict[str, int]


def town(own: int, area: int) -> dict[str, int]:
    """沙溪's duty officer: ``own`` on the town's own incidents (clocks the town owes the city), ``area`` on the
    ones below it (clocks owed to the town)."""
    return {"own": own, "secret": own, "below": area, "village": area}


# (沙溪's duty officer, 涂松村's reporter) for every operation of the city's matrix
EXPECT: dict[str, tuple[Cell, Cell]] = {
    "GET /incidents/{incident}": (200, 200),
    # re-grading and the hotspot flag move the city's clocks and the city's board: the city duty room's alone
    "PATCH /incidents/{incident}": (403, 403),
    # the responsible unit or the city closes an incident; a town does not close its village's for it
    "POST /incidents/{incident}/handled": (town(200, 403), 200),
    # the town reports on every incident of its area (its own clock to the city); the village on its own
    "POST /incidents/{incident}/reports": (201, 201),
    # the town signs what was sent to it (the grid's and the village's), not what it sent the city
    "POST /reports/{report}/receipt": (town(403, 200), 403),
    "GET /obligations/{obligation}": (200, 200),
    # the town waives and chases the clocks owed to it, never the ones it owes the city
    # (the grid's target clock is 沙溪's own first report to the city: a grid owes no report clock of its own)
    "POST /obligations/{obligation}/waive": ({**town(403, 200), "below": 403}, 403),
    "POST /obligations/{obligation}/chase": ({**town(403, 201), "below": 403}, 403),
    # need-to-know grants are the city duty room's (the levels' rules give a town none)
    "GET /incidents/{incident}/grants": (403, 403),
    "POST /incidents/{incident}/grants": (403, 403),
    "DELETE /incidents/{incident}/grants/assessor": (403, 403),
    "GET /verification-requests/{request}": (200, 200),
    # the asked unit answers: the town what was asked of 沙溪, the village what 沙溪 asked of it
    "POST /verification-requests/{request}/reply": (town(201, 403), 201),
    "GET /incidents": (200, 200),
    "POST /incidents": (201, 201),
    "GET /obligations": (200, 200),
    "GET /verification-requests": (200, 200),
    # the row asks 沙溪 itself: a town's duty room asks only the units below it; a village asks nobody
    "POST /verification-requests": (403, 403),
    "GET /audit/verify": (403, 403),
    "GET /me": (200, 200),
    "POST /leads": (201, 201),
    # CAP imports feed the city's board: the city duty room's alone
    "POST /leads/cap": (403, 403),
    "GET /leads": (200, 200),
    # the media lead is about 沙溪: its duty room sees it, a village does not (as the city's grid worker)
    "GET /leads/{lead}": (200, 404),
    # ... but it was sent to the city's verifiers, not routed to the town: the town may not verify it
    "POST /leads/{lead}/start": (403, 404),
    "POST /leads/{lead}/verify": (403, 404),
    "POST /lead-duplicates/{duplicate}/decision": (403, 404),
    # the watch list, feeds and public-opinion watch are city-wide
    "GET /watch-terms": (403, 403),
    "POST /watch-terms": (403, 403),
    "DELETE /watch-terms/{term}": (403, 403),
    "GET /feeds": (403, 403),
    "POST /feeds": (403, 403),
    # a 专报 is the city duty room's document to the city's leaders
    "GET /incidents/{incident}/document": (403, 403),
    "POST /incidents/{incident}/special-reports": (403, 403),
    "GET /incidents/{incident}/special-reports": (200, 200),
    "GET /daily-reports": (404, 404),
    "POST /daily-reports": (404, 404),
    "GET /daily-reports/{daily}/document": (404, 404),
    "GET /incidents/{incident}/cap": (200, 200),
    "GET /incidents/{incident}/sitrep": (200, 200),
    "GET /incidents/{incident}/forwarding": (200, 200),
    # forwarding to the level above the city (federation) and its 签发 are the city's
    "GET /forwardings": (403, 403),
    "GET /forwardings/awaiting": (403, 403),
    "POST /forwardings/{forwarding}/sign": (404, 404),
    "POST /interop/inbox": (401, 401),
    # leaders' 批示 are recorded by the city duty room; each tasked unit answers its own task
    "POST /incidents/{incident}/instructions": (403, 403),
    "GET /incidents/{incident}/instructions": (200, 200),
    "POST /instruction-tasks/{task}/feedback": (town(200, 403), 200),
    "GET /instruction-tasks": (200, 200),
    "GET /instruction-tasks/{task}": (200, 200),
    "GET /assessment": (200, 200),
    "GET /findings": (200, 200),
    # the town raises findings and adoptions only about the units it assesses: naming 沙溪 itself is a 400 on
    # `unit`, as for any unit the caller's level does not assess
    "POST /findings": (400, 404),
    "POST /adoptions": (400, 404),
    # the city's finding is against 沙溪: every account of 沙溪 sees it (as its verifier and viewer do); only
    # 沙溪's reporters and leader appeal, only the city's assessor decides
    "GET /findings/{finding}": (200, 404),
    "POST /findings/{finding}/appeal": (403, 404),
    "POST /findings/{finding}/decision": (403, 404),
    "GET /notifications": (200, 200),
    "POST /notifications/{notification}/read": (404, 404),
    "GET /me/alert-preferences": (200, 200),
    "PUT /me/alert-preferences": (200, 200),
    # 沙溪's alert defaults: read by its members, set by the city duty room or the admin (the ladder is the city's)
    "GET /units/{unit}/alert-preferences": (200, 403),
    "PUT /units/{unit}/alert-preferences": (403, 403),
    "GET /chases": (200, 200),
    "GET /roster/now": (200, 200),
    "GET /categories": (200, 200),
    "POST /webhooks": (403, 403),
    "GET /webhooks": (200, 200),
    "DELETE /webhooks/{webhook}": (404, 404),
    "GET /webhooks/{webhook}/deliveries": (404, 404),
    "GET /deliveries": (200, 200),
    "POST /deliveries/{delivery}/retry": (404, 404),
    "GET /warnings": (403, 403),
    "GET /warnings/{warning}": (404, 404),
    "POST /warnings/{warning}/acknowledge": (404, 404),
    "POST /warnings/{warning}/verify": (404, 404),
    "GET /hot-words": (403, 403),
    "GET /opinion-report": (403, 403),
    # the town keeps its own books (roster, handover, duty log); the city's handover does not exist for it
    "GET /handovers/open-items": (200, 403),
    "GET /handovers": (200, 403),
    "POST /handovers": (201, 403),
    "GET /handovers/{handover}": (404, 404),
    "POST /handovers/{handover}/acknowledge": (404, 404),
    "GET /duty-log": (200, 403),
    "POST /duty-log": (201, 403),
    "GET /units": (200, 200),
    # the town adds units inside its own subtree (the new village is under 沙溪)
    "POST /units": (201, 403),
    "GET /units/{unit}/rules": (200, 200),
    # 沙溪's rules for the units below it are set by its own duty room
    "PUT /units/{unit}/rules": (200, 403),
    "GET /incidents/{incident}/duplicates": (200, 200),
    # the offer pairs 沙溪's incident with another town's, which the town cannot see: the city decides it
    "POST /incident-duplicates/{incdup}/decision": (403, 404),
}


def expected(key: str, caller: str, target: str | None) -> int:
    if target is not None and target not in VISIBLE[caller]:
        return 404
    cell = EXPECT[key][CALLERS.index(caller)]
    if isinstance(cell, int):
        return cell
    assert target is not None, f"{key}: one answer per target on an operation without one"
    return cell[target]


def test_every_operation_has_an_expectation_for_the_new_callers() -> None:
    assert set(EXPECT) == set(OPERATIONS), "say what a town's duty room and a village get from the new operation"


@pytest.mark.parametrize("key", sorted(OPERATIONS))
def test_levels_access_matrix(key: str, world: World, api: Any) -> None:
    op = OPERATIONS[key]
    clients = {caller: api(caller) for caller in CALLERS}
    nothing = {name: 99999999 for ids in world.ids.values() for name in ids}
    wrong: list[str] = []
    for caller in CALLERS:
        for target in TARGETS if op.targeted else [None]:
            path = op.path.format(**world.ids[target] if target else world.ids["leads"])
            with transaction.atomic():
                response = _send(clients[caller], op, path, world)
                transaction.set_rollback(True)
            want = expected(key, caller, target)
            if response.status_code != want:
                wrong.append(f"{caller} × {target}: {response.status_code} (want {want}) {response.json_body}")
            elif want == 404 and "{" in op.path:
                with transaction.atomic():
                    missing = _send(clients[caller], op, op.path.format(**nothing))
                    transaction.set_rollback(True)
                if (missing.status_code, missing.json_body) != (404, response.json_body):
                    wrong.append(f"{caller} × {target}: 404 body differs from a missing id's")
    assert not wrong, f"{key}:\n" + "\n".join(wrong)


def _incidents_named(body: Any) -> set[int]:
    """Every incident id an answer names (``incident`` fields at any depth)."""
    if isinstance(body, dict):
        return set().union(
            *(
                {value} if key == "incident" and isinstance(value, int) else _incidents_named(value)
                for key, value in body.items()
            )
        )
    if isinstance(body, list):
        return set().union(*(_incidents_named(item) for item in body))
    return set()


@pytest.mark.parametrize(
    "path", ["/incidents", "/obligations", "/verification-requests", "/findings", "/duty-log", "/handovers/open-items"]
)
def test_the_lists_name_only_the_incidents_the_caller_may_see(path: str, world: World, api: Any) -> None:
    """A 200 on a list says nothing about its rows: the lists of the new callers hold their targets only."""
    targets = {world.ids[target]["incident"]: target for target in TARGETS}
    for caller in CALLERS:
        response = api(caller).get(path)
        if response.status_code == 403:
            continue
        named = {targets[pk] for pk in _incidents_named(response.json_body) if pk in targets}
        assert named <= VISIBLE[caller], f"{caller} {path}: {named - VISIBLE[caller]}"
        if path == "/incidents":
            assert named == VISIBLE[caller], f"{caller} {path}: {named}"


def test_a_town_duty_room_signs_the_receipt_of_its_village_s_work_secret(api: Any, city: None) -> None:
    """A work secret of a village is reported to the town's duty room, which must open it to sign its receipt
    (and report on it to the city); another village and another town still do not know it exists."""
    body = {
        "title": "涂松村工作秘密事件",
        "category": "accident",
        "grade": "IV",
        "classification": "work_secret",
        "occurred_at": (clock_now() - timedelta(minutes=3)).isoformat(),
        "report": {"kind": "written", "summary": "首报"},
    }
    created = api("shaxi-tusong-reporter").post("/incidents", body)
    assert created.status_code == 201, created.json_body
    incident = created.json_body["id"]
    report = api("shaxi-tusong-reporter").get(f"/incidents/{incident}").json_body["reports"][0]["id"]
    town = api("shaxi-duty")
    assert town.get(f"/incidents/{incident}").status_code == 200
    assert town.post(f"/reports/{report}/receipt").status_code == 200
    upward = town.post(f"/incidents/{incident}/reports", {"kind": "written", "summary": "镇级书面报告"})
    assert upward.status_code == 201, upward.json_body
    for outsider in ("shaxi-niqiao-reporter", "liuhe-reporter", "assessor"):
        assert api(outsider).get(f"/incidents/{incident}").status_code == 404, outsider


# The operations on one object (a lead, a handover, a finding) meet the city's objects in the matrix above; here
# they meet the town's own: a lead of 沙溪's grid (routed to the town's duty room), the handover its duty leader
# signed, the finding its duty officer raised against 涂松村 (and a new finding and adoption about 涂松村).
TOWN_EXPECT: dict[str, tuple[int, int]] = {
    "GET /leads/{lead}": (200, 404),
    "POST /leads/{lead}/start": (200, 404),
    "POST /leads/{lead}/verify": (200, 404),
    "GET /handovers/{handover}": (200, 404),
    "POST /handovers/{handover}/acknowledge": (200, 404),
    "GET /findings/{finding}": (200, 200),
    # the village appeals the town's finding against it; the officer who raised it may not decide it
    "POST /findings/{finding}/appeal": (403, 200),
    "POST /findings/{finding}/decision": (403, 403),
    "POST /findings": (201, 403),
    "POST /adoptions": (201, 403),
}


@pytest.fixture
def town_objects(world: World, api: Any) -> dict[str, int]:
    from dutyroom.assessment.services import FindingInput, finding_raise
    from dutyroom.handover.services import handover_sign
    from dutyroom.incidents.models import Incident

    now = clock_now()
    lead = api("grid-shaxi").post("/leads", {"channel": "grid", "title": "沙溪镇河道有人落水", "area": "shaxi"})
    assert lead.status_code == 201, lead.json_body
    village = Incident.objects.get(pk=world.ids["village"]["incident"])
    finding = finding_raise(
        actor=User.objects.get(username="shaxi-duty"),
        incident=village,
        now=now,
        data=FindingInput(unit="shaxi-tusong", kind="false", evidence="矩阵：谎报要素"),
    )
    handover = handover_sign(actor=User.objects.get(username="shaxi-duty-leader"), note="镇交班", now=now)
    return {**world.ids["leads"], "lead": lead.json_body["id"], "finding": finding.pk, "handover": handover.pk}


@pytest.mark.parametrize("key", sorted(TOWN_EXPECT))
def test_levels_access_matrix_on_the_town_s_own_objects(
    key: str, world: World, town_objects: dict[str, int], api: Any
) -> None:
    op = OPERATIONS[key]
    village = world.ids["village"]["incident"]
    wrong: list[str] = []
    for caller in CALLERS:
        client = api(caller)
        with transaction.atomic():
            if key == "POST /findings":
                body = {"incident": village, "unit": "shaxi-tusong", "kind": "false", "evidence": "矩阵证据"}
                response = client.call("post", "/findings", body)
            elif key == "POST /adoptions":
                response = client.call(
                    "post", "/adoptions", {"incident": village, "unit": "shaxi-tusong", "by": "suzhou"}
                )
            else:
                response = _send(client, op, op.path.format(**town_objects), world)
            transaction.set_rollback(True)
        want = TOWN_EXPECT[key][CALLERS.index(caller)]
        if response.status_code != want:
            wrong.append(f"{caller}: {response.status_code} (want {want}) {response.json_body}")
    assert not wrong, f"{key}:\n" + "\n".join(wrong)


def test_the_assessment_answers_at_each_new_caller_s_level(world: World, api: Any) -> None:
    """The town's duty room reads the units it assesses, the village its own row at the town's level; the
    city's level and another town's do not exist for either."""
    period = "?period=" + clock_now().strftime("%Y-%m")
    rows = {
        "shaxi-duty": ["shaxi-tusong", "shaxi-niqiao", "shaxi-yinxi", "shaxi-chem"],
        "shaxi-tusong-reporter": ["shaxi-tusong"],
    }
    for caller in CALLERS:
        client = api(caller)
        for level in ("", "&assessed_by=shaxi"):
            answer = client.get(f"/assessment{period}{level}")
            assert answer.status_code == 200 and [row["unit"] for row in answer.json_body] == rows[caller], caller
        for level in ("duty-room", "liuhe"):
            assert client.get(f"/assessment{period}&assessed_by={level}").status_code == 404, (caller, level)
