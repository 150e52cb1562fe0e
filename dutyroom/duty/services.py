"""Writes to the roster: one shift, a whole week in one form, or a CSV/XLSX file. Each is one transaction,
audited, and refuses overlapping shifts so "the duty officer now" always has one answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from dutyroom.accounts.models import Role, User
from dutyroom.audit.services import audit_record
from dutyroom.common.errors import Forbidden
from dutyroom.common.validation import Errors
from dutyroom.duty.models import Shift
from dutyroom.orgs.models import Unit

LOCAL = ZoneInfo("Asia/Shanghai")
#: 24-hour duty (domain.md §8); the week form's shifts run from 08:30 to 08:30 the next day.
SHIFT_START = time(8, 30)
SHIFT_LENGTH = timedelta(hours=24)
ROSTER_EDITORS = frozenset({Role.DUTY_OFFICER, Role.DUTY_LEADER, Role.ADMIN})


@dataclass(frozen=True)
class ShiftInput:
    starts_at: datetime
    ends_at: datetime
    duty_officer: str
    duty_leader: str
    city_leader: str = ""
    note: str = ""


def roster_room(user: User) -> Unit | None:
    """The duty room whose books (roster, handover, duty log) the user keeps: a town's own duty officers and
    leader keep the town's; everyone else who keeps books keeps the city's (None)."""
    return user.local_duty_room


def _room_pk(room: Unit | None) -> int | None:
    return room.pk if room is not None else None


def _person(
    errors: Errors, field: str, username: str, roles: frozenset[str] | None, room: Unit | None = None
) -> User | None:
    if not username:
        if roles is not None:
            errors.add(field, "不能为空", "is required")
        return None
    found = User.objects.filter(username=username, is_active=True).first()
    if found is None:
        errors.add(field, f"用户 {username} 不存在", f"unknown user {username}")
    elif roles is not None and (found.role not in roles or _room_pk(found.local_duty_room) != _room_pk(room)):
        errors.add(field, f"用户 {username} 的角色不是{'/'.join(roles)}", f"user {username} is not a {'/'.join(roles)}")
    return found


def _check_times(errors: Errors, prefix: str, data: ShiftInput) -> None:
    for name in ("starts_at", "ends_at"):
        value = getattr(data, name)
        if value.tzinfo is None:
            errors.add(f"{prefix}{name}", "时间必须带时区偏移（如 +08:00）", "time must carry a UTC offset")
    if data.starts_at.tzinfo and data.ends_at.tzinfo and data.ends_at <= data.starts_at:
        errors.add(f"{prefix}ends_at", "结束时间必须晚于开始时间", "must be after starts_at")


def may_edit_roster(user: User) -> bool:
    """The duty room's people and the admin, each for their own books (``roster_room``): a town's own duty
    officers keep the town's roster, never the city's."""
    return user.role in ROSTER_EDITORS


def _require_editor(actor: User) -> None:
    if not may_edit_roster(actor):
        raise Forbidden("只有值班室或管理员可以编排值班表", "only the duty room or an admin may edit the roster")


def _save_one(actor: User, data: ShiftInput, errors: Errors, prefix: str, now: datetime) -> Shift | None:
    room = roster_room(actor)
    _check_times(errors, prefix, data)
    officer = _person(errors, f"{prefix}duty_officer", data.duty_officer, frozenset({Role.DUTY_OFFICER}), room)
    leader = _person(errors, f"{prefix}duty_leader", data.duty_leader, frozenset({Role.DUTY_LEADER}), room)
    city = _person(errors, f"{prefix}city_leader", data.city_leader, None)
    if errors.items:
        return None
    clash = (
        Shift.objects.filter(starts_at__lt=data.ends_at, ends_at__gt=data.starts_at, room=room)
        .exclude(starts_at=data.starts_at)
        .first()
    )
    if clash is not None:
        errors.add(
            f"{prefix}starts_at",
            f"与已有班次（{clash.starts_at.astimezone(LOCAL):%m-%d %H:%M}）重叠",
            "overlaps an existing shift",
        )
        return None
    assert officer is not None and leader is not None
    shift, created = Shift.objects.update_or_create(
        starts_at=data.starts_at,
        room=room,
        defaults={
            "ends_at": data.ends_at,
            "duty_officer": officer,
            "duty_leader": leader,
            "city_leader": city,
            "note": data.note,
        },
        create_defaults={
            "ends_at": data.ends_at,
            "duty_officer": officer,
            "duty_leader": leader,
            "city_leader": city,
            "note": data.note,
            "created_by": actor,
            "created_at": now,
        },
    )
    audit_record(
        actor=actor,
        action="shift.created" if created else "shift.updated",
        object_type="shift",
        object_id=shift.pk,
        at=now,
        unit_code=room.code if room is not None else "duty-room",
        data={
            "starts_at": shift.starts_at,
            "ends_at": shift.ends_at,
            "duty_officer": officer.username,
            "duty_leader": leader.username,
            "city_leader": city.username if city else "",
        },
    )
    return shift


def shifts_save(*, actor: User, shifts: list[ShiftInput], now: datetime) -> list[Shift]:
    """Save several shifts at once (a week, an imported file): all or none, errors named per row."""
    _require_editor(actor)
    errors = Errors()
    saved: list[Shift] = []
    with transaction.atomic():
        for index, data in enumerate(shifts):
            prefix = f"rows[{index}]." if len(shifts) > 1 else ""
            shift = _save_one(actor, data, errors, prefix, now)
            if shift is not None:
                saved.append(shift)
        errors.raise_if_any()
    return saved


def week_shifts(week_start: date, rows: list[tuple[str, str, str]]) -> list[ShiftInput]:
    """The week form: one (officer, leader, city leader) per day, each a 24-hour shift from 08:30 local.
    A day left without a duty officer is left out (nothing rostered)."""
    out: list[ShiftInput] = []
    for offset, (officer, leader, city) in enumerate(rows):
        if not officer and not leader:
            continue
        starts = datetime.combine(week_start + timedelta(days=offset), SHIFT_START, tzinfo=LOCAL)
        out.append(
            ShiftInput(
                starts_at=starts,
                ends_at=starts + SHIFT_LENGTH,
                duty_officer=officer,
                duty_leader=leader,
                city_leader=city,
            )
        )
    return out
