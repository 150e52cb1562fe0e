"""Writes: signing a handover out, acknowledging it, adding a line to the duty log. Each is one transaction
with its audit row, so the log's own "system events" (read back from the audit chain) include them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction

from dutyroom.accounts.models import User
from dutyroom.audit.services import audit_record
from dutyroom.common.errors import Conflict, Forbidden
from dutyroom.common.validation import Errors, check_choice, check_past, check_text
from dutyroom.duty.selectors import roster_now
from dutyroom.duty.services import roster_room
from dutyroom.handover import limits
from dutyroom.handover.access import may_write, require_writer
from dutyroom.handover.models import DutyLogEntry, DutyLogKind, Handover
from dutyroom.handover.selectors import open_items
from dutyroom.incidents.access import visible_incidents
from dutyroom.incidents.models import Incident
from dutyroom.orgs.models import Unit
from dutyroom.orgs.selectors import unit_for_code

DUTY_ROOM_CODE = "duty-room"  # the audit rows of the roster use the same unit code


def _incoming(errors: Errors, username: str | None, actor: User) -> User | None:
    if not username:
        return None
    check_text(errors, "incoming", username, max_length=limits.USERNAME)
    if errors.items.get("incoming"):
        return None
    found = User.objects.filter(username=username, is_active=True).first()
    if found is None:
        errors.add("incoming", f"用户 {username} 不存在", f"unknown user {username}")
    elif not may_write(found) or roster_room(found) != roster_room(actor):
        errors.add("incoming", f"用户 {username} 不是值班室人员", f"user {username} is not on the duty room's staff")
    elif found.pk == actor.pk:
        errors.add("incoming", "接班人不能是交班人本人", "the incoming officer cannot be the outgoing one")
    return found


def handover_sign(*, actor: User, note: str, now: datetime, incoming: str | None = None) -> Handover:
    """The outgoing officer signs: every item open at ``now`` is frozen into the handover with the note."""
    require_writer(actor)
    errors = Errors()
    check_text(errors, "note", note, max_length=limits.HANDOVER_NOTE)
    successor = _incoming(errors, incoming, actor)
    errors.raise_if_any()
    room = roster_room(actor)  # a town's duty officer hands over the town's own area and roster
    items = open_items(now, room=room)
    with transaction.atomic():
        shift = roster_now(now, room)
        handover = Handover.objects.create(
            room=room, shift=shift, outgoing=actor, incoming=successor, note=note.strip(), items=items, signed_at=now
        )
        audit_record(
            actor=actor,
            action="handover.sign",
            object_type="handover",
            object_id=handover.pk,
            at=now,
            unit_code=room.code if room is not None else DUTY_ROOM_CODE,
            data={
                "items": len(items),
                "overdue": sum(1 for i in items if i["state"] == "overdue"),
                "incoming": successor.username if successor else None,
                "shift": shift.pk if shift else None,
            },
        )
    return handover


def handover_acknowledge(*, actor: User, handover: Handover, note: str, now: datetime) -> Handover:
    """The incoming officer takes over. Once only (409 after), never by the outgoing officer themself."""
    require_writer(actor)
    if handover.room_id != (room.pk if (room := roster_room(actor)) is not None else None):
        raise Forbidden("只能确认本值班室的交接班", "a handover is acknowledged in its own duty room")
    if actor.pk == handover.outgoing_id:
        raise Forbidden("交班人不能自己确认接班", "the outgoing officer cannot acknowledge their own handover")
    if handover.acknowledged_at is not None:  # once taken over, the named-incoming check no longer applies
        raise Conflict("该交班已经确认接班", "this handover has already been acknowledged")
    if handover.incoming_id is not None and handover.incoming_id != actor.pk:
        raise Forbidden("本次交班已指定接班人，只有其本人可以确认", "this handover names another incoming officer")
    errors = Errors()
    check_text(errors, "note", note, max_length=limits.ACK_NOTE)
    errors.raise_if_any()
    with transaction.atomic():
        # compare-and-set: of two officers clicking at once, exactly one acknowledges
        taken = Handover.objects.filter(pk=handover.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=actor, ack_note=note.strip(), incoming=actor
        )
        if taken != 1:
            raise Conflict("该交班已经确认接班", "this handover has already been acknowledged")
        audit_record(
            actor=actor,
            action="handover.acknowledge",
            object_type="handover",
            object_id=handover.pk,
            at=now,
            unit_code=DUTY_ROOM_CODE,
            data={"outgoing": handover.outgoing.username, "signed_at": handover.signed_at},
        )
    handover.refresh_from_db()
    return handover


@dataclass(frozen=True)
class LogInput:
    kind: str
    text: str
    at: datetime | None = None
    incident: int | None = None
    unit: str | None = None


def _log_refs(errors: Errors, actor: User, data: LogInput) -> tuple[Incident | None, Unit | None]:
    incident = None
    if data.incident is not None:
        incident = visible_incidents(actor).filter(pk=data.incident).first()
        if incident is None:
            errors.add("incident", f"事件 {data.incident} 不存在", f"unknown incident {data.incident}")
    unit = None
    if data.unit:
        check_text(errors, "unit", data.unit, max_length=64)
        if "unit" not in errors.items:
            unit = unit_for_code(data.unit, errors)
    return incident, unit


def duty_log_add(*, actor: User, data: LogInput, now: datetime) -> DutyLogEntry:
    """A free line in the log (a call received, an instruction passed on), at the minute it happened."""
    require_writer(actor)
    errors = Errors()
    check_choice(
        errors,
        "kind",
        data.kind,
        DutyLogKind.values,
        f"取值无效，可选：{', '.join(DutyLogKind.values)}",
        f"invalid value; expected one of {', '.join(DutyLogKind.values)}",
    )
    check_text(errors, "text", data.text, required=True, max_length=limits.LOG_TEXT)
    check_past(errors, "at", data.at, now)
    incident, unit = _log_refs(errors, actor, data)
    errors.raise_if_any()
    at = (data.at or now).astimezone(UTC).replace(second=0, microsecond=0)  # to the minute
    with transaction.atomic():
        room = roster_room(actor)  # the line goes into the log of the writer's own duty room
        entry = DutyLogEntry.objects.create(
            at=at,
            kind=data.kind,
            text=data.text.strip(),
            incident=incident,
            unit=unit,
            by=actor,
            created_at=now,
            room=room,
        )
        audit_record(
            actor=actor,
            action="duty_log.add",
            object_type="duty_log_entry",
            object_id=entry.pk,
            at=now,
            incident_id=incident.pk if incident else None,
            unit_code=unit.code if unit else (room.code if room is not None else DUTY_ROOM_CODE),
            data={"at": at, "kind": data.kind},
        )
    return entry
