"""The demo city's roster: today and the next 7 days covered, so a newcomer sees who is on duty."""

from __future__ import annotations

from datetime import datetime, timedelta

from dutyroom.accounts.models import Role, User
from dutyroom.duty.models import Shift
from dutyroom.duty.services import LOCAL, shifts_save, week_shifts
from dutyroom.orgs.models import Unit, UnitKind

CITY_LEADER = "city-leader"


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
        if not Shift.objects.filter(starts_at__lt=data.ends_at, ends_at__gt=data.starts_at).exists()
    ]
    admin = User.objects.filter(role=Role.ADMIN).order_by("id").first() or User.objects.get(username="duty-leader")
    return len(shifts_save(actor=admin, shifts=fresh, now=now)) if fresh else 0
