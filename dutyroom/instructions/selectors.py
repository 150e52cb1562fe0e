"""Reads: an incident's instructions with each unit's task, clock and feedback; permission-checked fetch."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dutyroom.accounts.models import User
from dutyroom.common.errors import NotFound
from dutyroom.common.timefmt import iso_local
from dutyroom.incidents.access import RESPONSIBLE_STAFF_ROLES, visible_incidents
from dutyroom.incidents.models import Incident
from dutyroom.incidents.naming import incident_name
from dutyroom.instructions.models import Instruction, InstructionTask
from dutyroom.obligations.selectors import obligation_view


def incident_instructions(incident: Incident) -> list[Instruction]:
    tasks = ("tasks__unit", "tasks__obligation__unit")
    return list(Instruction.objects.filter(incident=incident).prefetch_related(*tasks))


def task_view(task: InstructionTask, now: datetime) -> dict[str, Any]:
    clock = obligation_view(task.obligation, now)
    return {
        "id": task.pk,
        "unit": task.unit.code,
        "unit_name": task.unit.name,
        "due_at": iso_local(task.due_at),
        "state": clock.get("state"),
        "late_by_seconds": clock.get("late_by_seconds"),
        "obligation": task.obligation_id,
        "feedback": task.feedback or None,
        "feedback_at": iso_local(task.feedback_at),
    }


def instruction_view(instruction: Instruction, now: datetime) -> dict[str, Any]:
    return {
        "id": instruction.pk,
        "incident": instruction.incident_id,
        "leader": instruction.leader,
        "text": instruction.text,
        "given_at": iso_local(instruction.given_at),
        "tasks": [task_view(task, now) for task in instruction.tasks.all()],
    }


def _tasked(user: User, task: InstructionTask) -> bool:
    """The tasked unit's own people see the task whatever the incident (another unit's, a work secret): the
    duty room chose to task them, and a task nobody can open would go overdue against a unit that cannot act.
    Its reporters and leaders, who answer it; not every account of the unit."""
    return user.unit_id is not None and task.unit_id == user.unit_id and _answers_for_unit(user)


def _answers_for_unit(user: User) -> bool:
    """Who answers a task set for their unit: its reporters and leaders, and, where the unit runs its own duty
    room (a town), that duty room's officers and leader, who report upward for it."""
    return user.role in RESPONSIBLE_STAFF_ROLES or user.local_duty_room is not None


def access_instruction_task(user: User, task_id: int) -> InstructionTask:
    task = (
        InstructionTask.objects.select_related("instruction__incident", "unit", "obligation__unit")
        .filter(pk=task_id)
        .first()
    )
    if task is None or not (
        _tasked(user, task) or visible_incidents(user).filter(pk=task.instruction.incident_id).exists()
    ):
        raise NotFound("督办事项")
    return task


def unit_tasks(user: User) -> list[InstructionTask]:
    """What the caller's unit was tasked with, open ones first, newest first (a unit has a few dozen a year)."""
    if user.unit_id is None or not _answers_for_unit(user):
        return []
    tasks = (
        InstructionTask.objects.filter(unit_id=user.unit_id)
        .select_related("instruction__incident", "unit", "obligation__unit")
        .order_by("-id")[:200]
    )
    return sorted(tasks, key=lambda t: bool(t.feedback))


def tasked_view(task: InstructionTask, viewer: User, now: datetime) -> dict[str, Any]:
    """A task as its unit reads it: the leader's words it must carry out, and the incident named as
    ``incidents.naming`` names it to the reader (a work secret the unit may not open stays unnamed)."""
    instruction = task.instruction
    return {
        **task_view(task, now),
        "instruction": instruction.pk,
        "incident": instruction.incident_id,
        "incident_title": incident_name(instruction.incident, viewer),
        "leader": instruction.leader,
        "text": instruction.text,
        "given_at": iso_local(instruction.given_at),
    }
