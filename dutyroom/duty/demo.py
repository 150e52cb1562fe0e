"""The demo city's roster: today and the next 7 days covered, so a newcomer sees who is on duty; 沙溪's own duty
room (分级管理) keeps its own roster the same way."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from dutyroom.accounts.models import Role, User
from dutyroom.duty.models import Shift
from dutyroom.duty.services import LOCAL, shifts_save, week_shifts
from dutyroom.orgs.models import Unit, UnitKind

CITY_LEADER = "city-leader"
TOWN = "shaxi"  # the demo's town running its own duty room (``demo.LOCAL_DUTY_ROOM``; duty sits below it)


def roster_demo_load(now: datetime, password: str) -> int:
    """Create the city leader on duty and 24-hour shifts from yesterday 08:30 to 8 days ahead; idempotent."""
    if not User.objects.filter(username=CITY_LEADER).exists():
        duty_room = Unit.objects.get(kind=UnitKind.DUTY_ROOM, parent__isnull=True)
        User.objects.create_user(
            CITY_LEADER, password=password, role=Role.DUTY_LEADER, unit=duty_room, display_name="值班市领导"
        )
    local_today = now.astimezone(LOCAL).date()
    start = local_today - timedelta(days=1)
    rows = [("duty-officer", "duty-leader", CITY_LEADER)] * 9
    fresh = [
        data
        for data in week_shifts(start, rows)
        if not Shift.objects.filter(starts_at__lt=data.ends_at, ends_at__gt=data.starts_at, room=None).exists()
    ]
    admin = User.objects.filter(role=Role.ADMIN).order_by("id").first() or User.objects.get(username="duty-leader")
    saved = len(shifts_save(actor=admin, shifts=fresh, now=now)) if fresh else 0
    return saved + _town_roster_load(now, start)


def _town_roster_load(now: datetime, start: date) -> int:
    """沙溪's duty officer and leader on its own 24-hour shifts over the same days (when the demo has them)."""
    officer = User.objects.filter(username=f"{TOWN}-duty").first()
    if officer is None or officer.local_duty_room is None:
        return 0
    room = officer.local_duty_room
    rows = [(f"{TOWN}-duty", f"{TOWN}-duty-leader", "")] * 9
    fresh = [
        data
        for data in week_shifts(start, rows)
        if not Shift.objects.filter(starts_at__lt=data.ends_at, ends_at__gt=data.starts_at, room=room).exists()
    ]
    return len(shifts_save(actor=officer, shifts=fresh, now=now)) if fresh else 0
