"""The access matrix of the new roles: a town's duty officer and village reporters, beside the city's duty
officer, on a village's incident, another village's, the town's own and another town's. Each cell runs in a
savepoint that is rolled back, so every cell sees the same world."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.incidents.services import IncidentInput
from dutyroom.obligations.models import Obligation
from dutyroom.reports.intake import incident_create_with_report
from dutyroom.reports.services import ReportInput

pytestmark = pytest.mark.django_db

CALLERS = ["duty-officer", "shaxi-duty", "shaxi-tusong-reporter", "shaxi-niqiao-reporter"]
TARGETS = {"village": "shaxi-tusong", "other_village": "shaxi-niqiao", "town": "shaxi", "other_town": "liuhe"}
VISIBLE = {
    "duty-officer": set(TARGETS),
    "shaxi-duty": {"village", "other_village", "town"},
    "shaxi-tusong-reporter": {"village"},
    "shaxi-niqiao-reporter": {"other_village"},
}
# the incidents each caller's own unit is responsible for (a town's duty officer is staff of the town)
OWN = {"shaxi-tusong-reporter": "village", "shaxi-niqiao-reporter": "other_village", "shaxi-duty": "town"}
# the duty room each target's reports and first clock go to
RECEIVER = {
    "village": "shaxi-duty",
    "other_village": "shaxi-duty",
    "town": "duty-officer",
    "other_town": "duty-officer",
}

# (method, path, body, success, who may act once they see the target)
OPERATIONS: dict[str, tuple[str, str, Any, int, Any]] = {
    "read": ("get", "/incidents/{incident}", None, 200, lambda c, t: True),
    "report": ("post", "/incidents/{incident}/reports", {"kind": "written", "summary": "矩阵"}, 201, lambda c, t: True),
    "receipt": ("post", "/reports/{report}/receipt", None, 200, lambda c, t: RECEIVER[t] == c),
    "chase": (
        "post",
        "/obligations/{obligation}/chase",
        None,
        201,
        lambda c, t: c == "duty-officer" or RECEIVER[t] == c,
    ),
    "waive": (
        "post",
        "/obligations/{obligation}/waive",
        {"reason": "矩阵"},
        200,
        lambda c, t: c == "duty-officer" or RECEIVER[t] == c,
    ),
    "regrade": ("patch", "/incidents/{incident}", {"grade": "III"}, 200, lambda c, t: c == "duty-officer"),
    "handled": (
        "post",
        "/incidents/{incident}/handled",
        None,
        200,
        lambda c, t: c == "duty-officer" or OWN.get(c) == t,
    ),
    "ask": (
        "post",
        "/verification-requests",
        {"authority": "city", "question": "矩阵"},
        201,
        lambda c, t: c == "duty-officer" or (c == "shaxi-duty" and t in ("village", "other_village")),
    ),
}


@pytest.fixture
def world(city: None) -> dict[str, dict[str, int]]:
    now = clock_now()
    ids: dict[str, dict[str, int]] = {}
    for target, unit in TARGETS.items():
        reporter = User.objects.get(username=f"{unit}-reporter")
        incident = incident_create_with_report(
            actor=reporter,
            now=now,
            data=IncidentInput(
                title=f"矩阵 {target}", category="accident", grade="IV", occurred_at=now - timedelta(minutes=3)
            ),
            report=ReportInput(kind="written", summary="首报"),
        )
        # the responsible unit's running clock after its first report: the follow-up, owed where its reports go
        running = Obligation.objects.get(incident=incident, unit=incident.unit, kind="followup")
        ids[target] = {"incident": incident.pk, "report": incident.reports.get().pk, "obligation": running.pk}
    return ids


def expected(op: str, caller: str, target: str) -> int:
    _method, _path, _body, ok, may = OPERATIONS[op]
    if op == "ask":  # names the unit, not an incident: outside one's area is refused, not hidden
        return ok if may(caller, target) else 403
    if target not in VISIBLE[caller]:
        return 404
    return ok if may(caller, target) else 403


@pytest.mark.parametrize("op", sorted(OPERATIONS))
def test_levels_access_matrix(op: str, world: dict[str, dict[str, int]], api: Any) -> None:
    method, path, body, _ok, _may = OPERATIONS[op]
    clients = {caller: api(caller) for caller in CALLERS}
    wrong = []
    for caller in CALLERS:
        for target in TARGETS:
            sent = {**body, "unit": TARGETS[target]} if op == "ask" else body
            with transaction.atomic():
                response = clients[caller].call(method, path.format(**world[target]), sent)
                transaction.set_rollback(True)
            if response.status_code != expected(op, caller, target):
                wrong.append(f"{caller} on {target}: {response.status_code}, want {expected(op, caller, target)}")
    assert not wrong, "\n".join(wrong)
