"""Reads: an incident's instructions with each unit's task, clock and feedback; permission-checked fetch."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dutyroom.accounts.models import User
from dutyroom.common.errors import NotFound
from dutyroom.common.timefmt import iso_local
from dutyroom.incidents.access import visible_incidents
from dutyroom.incidents.models import Incident
from dutyroom.instructions.models import Instruction, InstructionTask
from dutyroom.obligations.selectors import obligation_view


def incident_instructions(incident: Incident) -> list[Instruction]:
    tasks = ("tasks__unit", "tasks__obligation__unit")
    return list(Instruction.objects.filter(incident=incident).prefetch_related(*tasks))


def task_view(task: InstructionTask, now: datetime) -> dict[str, Any]:
    clock = obligation_view(task.obligation, now)
    return {"id": task.pk, "unit": task.unit.code, "unit_name": task.unit.name, "due_at": iso_local(task.due_at),
            "state": clock.get("state"), "late_by_seconds": clock.get("late_by_seconds"),
            "obligation": task.obligation_id, "feedback": task.feedback or None,
            "feedback_at": iso_local(task.feedback_at)}


def instruction_view(instruction: Instruction, now: datetime) -> dict[str, Any]:
    return {"id": instruction.pk, "incident": instruction.incident_id, "leader": instruction.leader,
            "text": instruction.text, "given_at": iso_local(instruction.given_at),
            "tasks": [task_view(task, now) for task in instruction.tasks.all()]}


def access_instruction_task(user: User, task_id: int) -> InstructionTask:
    task = InstructionTask.objects.select_related("instruction", "unit", "obligation__unit").filter(pk=task_id).first()
    if task is None or not visible_incidents(user).filter(pk=task.instruction.incident_id).exists():
        raise NotFound("督办事项")
    return task
