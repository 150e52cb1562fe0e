"""Recording a leader's instruction (duty room) and a unit's feedback on it; each one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction

from dutyroom.accounts.models import Role, User
from dutyroom.audit.services import audit_record
from dutyroom.common.errors import Forbidden
from dutyroom.common.validation import Errors, check_past, check_text
from dutyroom.incidents.models import Incident
from dutyroom.incidents.services import is_protected
from dutyroom.instructions.models import Instruction, InstructionTask
from dutyroom.notifications.services import outbox_emit
from dutyroom.obligations import engine
from dutyroom.orgs.models import Unit, UnitKind
from dutyroom.orgs.selectors import duty_room_unit, unit_for_code
from dutyroom.rules import ObligationKind, PlannedClock

RULE = "instruction/leader-deadline"  # the deadline is the leader's, not the rulebook's
# Who may carry out a leader's instruction: any unit with reporting staff. Not the duty room (it gives the tasks)
# and not a grid (its informants send leads; their town answers for them).
UNTASKABLE_KINDS = frozenset({UnitKind.DUTY_ROOM, UnitKind.GRID})
# A leader asks for feedback within days; a quarter is already generous, 2199 is a typing mistake.
FEEDBACK_HORIZON = timedelta(days=90)
FEEDBACK_ROLES = frozenset({Role.UNIT_REPORTER, Role.UNIT_LEADER, Role.DUTY_OFFICER, Role.DUTY_LEADER})


@dataclass
class InstructionInput:
    leader: str
    text: str
    units: list[str] = field(default_factory=list)
    due_at: datetime | None = None
    given_at: datetime | None = None


def _validate(data: InstructionInput, errors: Errors, now: datetime) -> list[Unit]:
    check_text(errors, "leader", data.leader, required=True, max_length=100)
    check_text(errors, "text", data.text, required=True, max_length=5000)
    check_past(errors, "given_at", data.given_at, now)
    if data.due_at is None:
        errors.add("due_at", "请填写反馈时限", "due_at is required")
    elif data.due_at <= now:
        errors.add("due_at", "反馈时限必须晚于当前时间", "due_at must be in the future")
    elif data.due_at > now + FEEDBACK_HORIZON:
        errors.add("due_at", "反馈时限不能超过 90 天", "due_at must be within 90 days")
    if not data.units:
        errors.add("units", "请至少指定一个承办单位", "name at least one unit")
    units = []
    for index, code in enumerate(dict.fromkeys(data.units)):
        unit = unit_for_code(code, errors, f"units[{index}]")
        if unit is not None and unit.kind in UNTASKABLE_KINDS:
            errors.add(
                f"units[{index}]",
                "不能交办值班室或网格，请交办责任单位",
                "the duty room or a grid cannot be tasked; task the responsible unit",
            )
        elif unit is not None:
            units.append(unit)
    return units


def instruction_record(*, actor: User, incident: Incident, data: InstructionInput, now: datetime) -> Instruction:
    """The duty room records a 批示 and passes it to each named unit with a feedback clock (督办)."""
    if not actor.is_duty_room:
        raise Forbidden("只有值班室可以登记领导批示", "only the duty room records leaders' instructions")
    errors = Errors()
    units = _validate(data, errors, now)
    errors.raise_if_any()
    assert data.due_at is not None
    with transaction.atomic():
        instruction = Instruction.objects.create(
            incident=incident,
            leader=data.leader.strip(),
            text=data.text.strip(),
            given_at=data.given_at or now,
            recorded_by=actor,
            recorded_at=now,
        )
        for unit in units:
            planned = PlannedClock(
                key="instruction_feedback",
                kind=ObligationKind.INSTRUCTION_FEEDBACK,
                due_at=data.due_at,
                rule=RULE,
                anchor_at=now,
            )
            obligation, _ = engine.obligation_upsert(
                incident=incident, unit=unit, planned=planned, key=f"instruction:{instruction.pk}:{unit.code}", now=now
            )
            InstructionTask.objects.create(
                instruction=instruction, unit=unit, obligation=obligation, due_at=data.due_at
            )
        audit_record(
            actor=actor,
            action="instruction.record",
            object_type="instruction",
            object_id=instruction.pk,
            at=now,
            incident_id=incident.pk,
            unit_code=incident.unit.code,
            data={"leader": instruction.leader, "units": [u.code for u in units], "due_at": data.due_at},
        )
        outbox_emit(
            topic="instruction.assigned",
            units=units,
            at=now,
            incident_id=incident.pk,
            payload={"incident": incident.pk, "instruction": instruction.pk, "due_at": data.due_at.isoformat()},
            sensitive=is_protected(incident),
        )
    return instruction


def instruction_feedback(*, actor: User, task: InstructionTask, text: str, now: datetime) -> InstructionTask:
    """The unit answers; its feedback clock is met (or late by the computed seconds)."""
    if actor.role not in FEEDBACK_ROLES or not (actor.is_duty_room or actor.unit_id == task.unit_id):
        raise Forbidden("只有承办单位可以反馈批示落实情况", "only the unit tasked may give feedback")
    errors = Errors()
    check_text(errors, "text", text, required=True, max_length=5000)
    errors.raise_if_any()
    with transaction.atomic():
        task = (
            InstructionTask.objects.select_for_update().select_related("instruction__incident", "unit").get(pk=task.pk)
        )
        task.feedback = text.strip() if not task.feedback else f"{task.feedback}\n{text.strip()}"
        task.feedback_at = task.feedback_at or now
        task.feedback_by = task.feedback_by or actor
        task.save(update_fields=["feedback", "feedback_at", "feedback_by"])
        obligation = type(task.obligation).objects.select_for_update().get(pk=task.obligation_id)
        if obligation.state in engine.OPEN_STATES:
            engine.obligation_meet(obligation, report_id=None, at=now, now=now)
        incident = task.instruction.incident
        audit_record(
            actor=actor,
            action="instruction.feedback",
            object_type="instruction_task",
            object_id=task.pk,
            at=now,
            incident_id=incident.pk,
            unit_code=task.unit.code,
            data={"state": obligation.state, "late_by_seconds": obligation.late_by_seconds},
        )
        outbox_emit(
            topic="instruction.feedback",
            units=[duty_room_unit()],
            at=now,
            incident_id=incident.pk,
            payload={"incident": incident.pk, "task": task.pk, "unit": task.unit.code},
            sensitive=is_protected(incident),
        )
    return task
