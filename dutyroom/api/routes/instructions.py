"""Leaders' instructions (批示) on an incident and the units' feedback (督办)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status
from pydantic import AwareDatetime, Field

from dutyroom.api.idempotency import idempotent
from dutyroom.api.outputs import InstructionOut, TaskedOut, TaskOut
from dutyroom.api.paging import Paging, paged
from dutyroom.api.routes.common import caller
from dutyroom.api.schemas import Strict  # unknown fields and NUL bytes refused, as everywhere
from dutyroom.common.clock import now as clock_now
from dutyroom.incidents.access import access_incident
from dutyroom.instructions.models import Instruction
from dutyroom.instructions.selectors import (
    access_instruction_task,
    incident_instructions,
    instruction_view,
    task_view,
    tasked_view,
    unit_tasks,
)
from dutyroom.instructions.services import InstructionInput, instruction_feedback, instruction_record

router = Router(tags=["instructions"])


class InstructionIn(Strict):
    leader: str = Field(max_length=100)
    text: str = Field(max_length=5000)
    units: list[str] = Field(min_length=1, max_length=50)
    due_at: AwareDatetime
    given_at: AwareDatetime | None = None


class FeedbackIn(Strict):
    text: str = Field(max_length=5000)


@router.post("/incidents/{incident_id}/instructions", response={201: InstructionOut})
def record_instruction(request: HttpRequest, incident_id: int, payload: InstructionIn) -> Status[Any]:
    """The duty room records a leader's 批示; each named unit gets a feedback clock due at ``due_at``."""
    user = caller(request)
    incident = access_incident(user, incident_id)

    def action() -> tuple[int, Any]:
        data = InstructionInput(
            leader=payload.leader,
            text=payload.text,
            units=payload.units,
            due_at=payload.due_at,
            given_at=payload.given_at,
        )
        instruction = instruction_record(actor=user, incident=incident, data=data, now=clock_now())
        fresh = Instruction.objects.prefetch_related("tasks__unit", "tasks__obligation__unit").get(pk=instruction.pk)
        return 201, instruction_view(fresh, clock_now())

    return Status(*idempotent(request, action))


@router.get("/incidents/{incident_id}/instructions", response=list[InstructionOut])
def list_instructions(
    request: HttpRequest, response: HttpResponse, paging: Query[Paging], incident_id: int
) -> list[Any]:
    incident = access_incident(caller(request), incident_id)
    now = clock_now()
    return paged(request, response, incident_instructions(incident), paging, lambda i: instruction_view(i, now))


@router.get("/instruction-tasks", response=list[TaskedOut])
def list_unit_tasks(request: HttpRequest, response: HttpResponse, paging: Query[Paging]) -> list[Any]:
    """What the caller's unit was tasked with (督办), with the leader's words, whatever the incident's unit."""
    user = caller(request)
    now = clock_now()
    return paged(request, response, unit_tasks(user), paging, lambda task: tasked_view(task, user, now))


@router.get("/instruction-tasks/{task_id}", response=TaskedOut)
def get_task(request: HttpRequest, task_id: int) -> Any:
    user = caller(request)
    return tasked_view(access_instruction_task(user, task_id), user, clock_now())


@router.post("/instruction-tasks/{task_id}/feedback", response=TaskOut)
def give_feedback(request: HttpRequest, task_id: int, payload: FeedbackIn) -> Any:
    """The tasked unit reports how the instruction was carried out; meets (or is late on) its clock."""
    user = caller(request)
    task = access_instruction_task(user, task_id)

    def action() -> tuple[int, Any]:
        done = instruction_feedback(actor=user, task=task, text=payload.text, now=clock_now())
        return 200, task_view(access_instruction_task(user, done.pk), clock_now())

    return idempotent(request, action)[1]
